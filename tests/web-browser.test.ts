/**
 * The room's page in a real browser (headless Chromium, tools/harness/browser.ts),
 * served by the real server (`bun src/server.ts --tcp --udp --web PORT`): two
 * pages in one room with a raw TCP client (as `nc`), a UDP member (as `nc -u`)
 * and the kit's terminal client. What a page sends reaches `nc` byte for byte;
 * what the others send shows in the page, as text, running nothing; the page
 * comes back by itself when the server restarts, and says so; another site's
 * page cannot open the WebSocket; the page can be used with a keyboard alone,
 * at 375 px and on a wide screen, in English and Chinese, light and dark.
 *
 * Skipped where Chromium is missing (one line says how to install it); under
 * CI=true it runs anyway, and fails.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WEB_MESSAGES } from "../src/i18n.ts";
import {
  PHONE,
  WIDE,
  chatClientCommand,
  decodePng,
  freePort,
  ink,
  joinRoom,
  launchBrowser,
  needBrowser,
  startTerminal,
  udpJoin,
  chatClient,
  until,
  type Browser,
  type ChatClient,
  type Page,
  type TerminalProgram,
} from "../tools/harness/index.ts";
import { startServerProcess, type ServerProcess } from "./helpers/web.ts";

const words = WEB_MESSAGES.en.page;
/** The log's lines, as text. */
const LOG = `[...document.querySelectorAll("#log p")].map((p) => p.textContent)`;
const logHas = (page: Page, text: string, ms = 10_000) =>
  page.waitFor(`${LOG}.some((t) => t.includes(${JSON.stringify(text)}))`, { ms, what: `"${text}" in the log` });
const state = (page: Page) => page.evaluate<string>(`document.querySelector("#state").dataset.state`);
const connected = (page: Page, ms = 15_000) =>
  page.waitFor(`document.querySelector("#state").dataset.state === "connected"`, { ms, what: "the page connected" });

/** Types a line into the page's field and presses Enter, as a person does. */
async function say(page: Page, line: string): Promise<void> {
  await page.type(line, "#line");
  await page.press("Enter");
  await page.waitFor(`document.querySelector("#line").value === ""`, { what: "the field emptied" });
}

describe.if(needBrowser())("the room's page in Chromium", () => {
  let browser: Browser;
  let server: ServerProcess;
  let webPort: number;
  let alice: Page;
  let bob: Page;
  let nc: ChatClient;
  let udp: ChatClient;
  let term: TerminalProgram;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "web-browser-"));
    webPort = await freePort("tcp");
    // Flood control raised: a test types faster than a person.
    server = await startServerProcess(webPort, ["--lang", "en", "--flood-burst", "200", "--flood-rate", "200"]);
    browser = await launchBrowser();
    [alice, bob] = await Promise.all([browser.open(server.url, PHONE), browser.open(server.url, WIDE)]);
    await Promise.all([connected(alice), connected(bob)]);
    await say(alice, "/nick alice");
    await say(bob, "/nick bob");
    nc = await joinRoom("tcp", server.tcpPort, { nick: "nc" });
    udp = await chatClient("udp", server.udpPort);
    await udpJoin(udp, "udpy");
    term = startTerminal({
      command: chatClientCommand(),
      args: ["--host", "127.0.0.1", "--nick", "term", "--lang", "en", "--no-color"],
      port: server.tcpPort,
    });
    await nc.waitFor("term joined", 10_000);
  }, 90_000);

  afterAll(async () => {
    await term?.stop();
    nc?.close();
    udp?.close();
    await browser?.close();
    await server?.program.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("two pages, nc, nc -u and the terminal client are one room: the member list shows them all", async () => {
    const everyone = ["alice", "bob", "nc", "term", "udpy"];
    const list = `[...document.querySelectorAll("#member-list li .nick")].map((e) => e.textContent).sort()`;
    for (const page of [alice, bob]) {
      await page.waitFor(`JSON.stringify(${list}) === ${JSON.stringify(JSON.stringify(everyone))}`, {
        what: "every member in the list",
      });
    }
    expect(await bob.evaluate(`document.querySelector("#members-title").textContent`)).toBe("In the room (5)");
    expect(await bob.evaluate(`document.querySelector("#member-list .me").textContent`)).toBe(`bob ${words.you}`);
  });

  test("a line typed in a page reaches nc byte for byte, and the terminal client and the other page", async () => {
    const line = 'héllo 你好 🙂 a<b & "quotes"';
    await say(alice, line);
    await nc.waitFor(`<alice> ${line}`);
    const bytes = Buffer.concat(nc.chunks);
    expect(bytes.includes(Buffer.from(`<alice> ${line}\n`, "utf8"))).toBe(true);
    await logHas(bob, `<alice> ${line}`);
    await udp.waitFor(`<alice> ${line}`);
    await until(() => term.screen().includes(`<alice> ${line}`), 5000, "the line on the terminal client's screen");
    // The page shows its own line itself (the server never sends it back).
    await logHas(alice, `<alice> ${line}`);
  });

  test("lines from nc, from a UDP member and from the terminal client appear in the page", async () => {
    nc.say("from nc");
    udp.say("from udp");
    term.type("from the terminal\r");
    for (const text of ["<nc> from nc", "<udpy> from udp", "<term> from the terminal"]) await logHas(alice, text);
    const colours = await alice.evaluate<string[]>(
      `[...document.querySelectorAll("#log .nick")].filter((e) => ["nc", "udpy"].includes(e.textContent)).map((e) => getComputedStyle(e).color)`,
    );
    expect(new Set(colours).size).toBe(2); // one colour per nick
  });

  test("a line carrying markup is shown as text and runs nothing", async () => {
    const title = await alice.title();
    const attacks = [
      `<img src=x onerror="document.title='owned'">`,
      `<script>document.title='owned too'</script>`,
      `<svg onload="document.title='svg'"></svg><iframe src="javascript:parent.document.title='frame'">`,
    ];
    for (const a of attacks) nc.say(a);
    for (const a of attacks) await logHas(alice, `<nc> ${a}`);
    await alice.evaluate("new Promise((r) => setTimeout(r, 300))"); // time for an image's error to fire, had one been made
    expect(await alice.title()).toBe(title);
    expect(await bob.title()).toBe(title);
    expect(
      await alice.evaluate(`document.querySelectorAll("#log img, #log script, #log svg, #log iframe").length`),
    ).toBe(0);
    // Nothing was fetched for it either, and nothing outside this machine ever was.
    expect(alice.requests.filter((r) => /\/x$/.test(r.url))).toEqual([]);
    expect([...alice.outsideRequests(), ...bob.outsideRequests()]).toEqual([]);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  test('keyboard only: from the field to the log, scroll back, and the "N new lines" button back to the end', async () => {
    for (let i = 0; i < 60; i++) nc.say(`filler ${i}`);
    await logHas(bob, "<nc> filler 59");
    // Shift+Tab from the field reaches the log; Home scrolls it to the top.
    await bob.focus("#line");
    await bob.press("Tab", { shift: true });
    expect(await bob.evaluate("document.activeElement.id")).toBe("log");
    await bob.press("Home");
    await bob.waitFor(`document.querySelector("#log").scrollTop === 0`, { what: "the log scrolled to its top" });
    nc.say("new one");
    nc.say("new two");
    await bob.waitFor(
      `document.querySelector("#new-lines").textContent === ${JSON.stringify(words.newLines.replace("{n}", "2"))}`,
      {
        what: "the new-lines button",
      },
    );
    expect(await bob.evaluate(`document.querySelector("#log").scrollTop`)).toBe(0);
    await bob.press("Tab");
    expect(await bob.evaluate("document.activeElement.id")).toBe("new-lines");
    await bob.press("Enter");
    await bob.waitFor(`document.querySelector("#new-lines").hidden`, { what: "the button gone" });
    expect(
      await bob.evaluate(
        `(() => { const l = document.querySelector("#log"); return l.scrollHeight - l.scrollTop - l.clientHeight < 30; })()`,
      ),
    ).toBe(true);
    expect(await bob.evaluate("document.activeElement.id")).toBe("line");
    // Enter in the field sends: no mouse anywhere.
    await say(bob, "typed with keys alone");
    await nc.waitFor("<bob> typed with keys alone");
  });

  test("a line over the room's limit is refused in the page and kept in the field", async () => {
    const long = "L".repeat(1100);
    await alice.evaluate(
      `(() => { const i = document.querySelector("#line"); i.value = ${JSON.stringify(long)}; i.form.requestSubmit(); })()`,
    );
    await logHas(alice, words.tooLong.replace("{bytes}", "1100").replace("{max}", "1024"));
    expect(await alice.evaluate(`document.querySelector("#line").value.length`)).toBe(1100);
    await alice.evaluate(`document.querySelector("#line").value = ""`);
    expect(nc.matching("LLLL")).toEqual([]);
  });

  test("follows the system's light or dark, and stays readable at 375 px and wide", async () => {
    const background = (page: Page) =>
      page.evaluate<number[]>(`getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)`);
    const light = await background(alice);
    await alice.setColorScheme("dark");
    const dark = await background(alice);
    await alice.setColorScheme("light");
    expect(Math.min(...light)).toBeGreaterThan(200);
    expect(Math.max(...dark)).toBeLessThan(60);
    for (const page of [alice, bob]) {
      // Nothing wider than the window, no labels on top of each other.
      expect(await page.evaluate(`document.documentElement.scrollWidth <= innerWidth`)).toBe(true);
      expect(await page.overlaps("header h1, #state, #line, #send, #log")).toEqual([]);
    }
    expect(await alice.evaluate(`document.querySelector("#members").open`)).toBe(false); // folded on a phone
    expect(await bob.evaluate(`document.querySelector("#members").open`)).toBe(true);
  });

  test("screenshots at 375 px and wide, light and dark, have ink on them", async () => {
    for (const [page, name] of [
      [alice, "phone"],
      [bob, "wide"],
    ] as const) {
      for (const scheme of ["light", "dark"] as const) {
        await page.setColorScheme(scheme);
        const shot = decodePng(await page.screenshot(join(dir, `${name}-${scheme}.png`)));
        expect(shot.width).toBe(name === "phone" ? 375 : 1400);
        expect(ink(shot).pixels).toBeGreaterThan(5000);
      }
      await page.setColorScheme("light");
    }
  });

  test("another site's page cannot open the room's WebSocket", async () => {
    // A page on another origin (another port is another origin) tries, as a hostile site would.
    const other = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response(
          `<title>other</title><script>
            const ws = new WebSocket("ws://127.0.0.1:${webPort}/ws");
            ws.onopen = () => (document.title = "opened");
            ws.onclose = () => (document.title = "refused");
          </script>`,
          { headers: { "content-type": "text/html" } },
        ),
    });
    try {
      const page = await browser.open(`http://127.0.0.1:${other.port}/`);
      await page.waitFor(`document.title !== "other"`, { what: "the WebSocket's fate" });
      expect(await page.title()).toBe("refused");
      await page.close();
      await until(
        () => server.program.lines().some((l) => l.includes(`a WebSocket from http://127.0.0.1:${other.port} refused`)),
        5000,
        "the server's log of the refusal",
      );
    } finally {
      other.stop(true);
    }
  });

  test("the server restarted: the page says it lost the connection, comes back by itself, and says what it may have missed", async () => {
    await server.program.stop("SIGTERM");
    for (const page of [alice, bob]) {
      await logHas(page, "The connection was lost at");
      await page.waitFor(`["waiting", "connecting"].includes(document.querySelector("#state").dataset.state)`, {
        what: "the page trying again",
      });
    }
    expect(await alice.evaluate(`document.querySelector("#state-text").textContent`)).toMatch(
      /^Not connected: trying again/,
    );
    server = await startServerProcess(webPort, ["--lang", "en"]);
    await Promise.all([connected(alice, 40_000), connected(bob, 40_000)]);
    await logHas(alice, "did not reach this page");
    expect(await state(alice)).toBe("connected");
    // Each page asked for its nick back, as the room's first line: nobody is a guest.
    const back = await joinRoom("tcp", server.tcpPort, { nick: "back" });
    back.say("/who");
    await back.waitFor(/^\*\*\* in the room \(3\): /);
    const who = back
      .matching(/in the room/)[0]!
      .replace(/^.*: /, "")
      .split(", ");
    expect(who.sort()).toEqual(["alice", "back", "bob"]);
    await say(alice, "still here");
    await back.waitFor("<alice> still here");
    back.close();
  }, 90_000);
});

describe.if(needBrowser())("the room's page in Chinese", () => {
  test("speaks the room's language, drawn with a Chinese font, at 375 px and wide", async () => {
    const zh = WEB_MESSAGES.zh.page;
    const server = await startServerProcess(await freePort("tcp"), ["--lang", "zh"]);
    const browser = await launchBrowser();
    try {
      const [phone, wide] = await Promise.all([browser.open(server.url, PHONE), browser.open(server.url, WIDE)]);
      await Promise.all([connected(phone), connected(wide)]);
      await say(phone, "/nick 老李");
      await say(phone, "大家好！");
      await logHas(wide, "<老李> 大家好！");
      expect(await wide.evaluate(`document.documentElement.lang`)).toBe("zh-CN");
      expect(await wide.title()).toBe(zh.title);
      expect(await wide.evaluate(`document.querySelector("#state-text").textContent`)).toBe(zh.connected);
      expect(await wide.evaluate(`document.querySelector("label[for=line]").textContent`)).toBe(zh.inputLabel);
      await wide.waitFor(
        `document.querySelector("#members-title").textContent === ${JSON.stringify(zh.members.replace("{n}", "2"))}`,
      );
      const cjk = (await wide.fontsOf("#log p:last-child")).some((f) => /CJK|Hei|Song|Ming|WenQuanYi/i.test(f.family));
      expect(cjk).toBe(true);
      for (const page of [phone, wide]) expect(ink(await page.screenshot()).pixels).toBeGreaterThan(5000);
    } finally {
      await browser.close();
      await server.program.stop();
    }
  }, 60_000);
});
