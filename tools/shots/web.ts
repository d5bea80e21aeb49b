#!/usr/bin/env bun
/**
 * The README's pictures of the room in a browser, and of a report: `bun run shots`.
 *
 * For each language (en, zh) it starts the chat server (`--tcp --udp --web`),
 * fills a room with a short conversation between a page, `nc`, `nc -u` and
 * the terminal client's protocol, and photographs the page with the harness's
 * headless Chromium (tools/harness/browser.ts) at 375 px and on a wide screen:
 *
 *   docs/images/room-en-phone.png  room-en-wide.png  room-zh-phone.png  room-zh-wide.png
 *
 * and then a learner's report (`bun run grade --html`, tools/shots/report.ts):
 *
 *   docs/images/report-en-wide.png  report-zh-phone.png
 *
 *   bun tools/shots/web.ts [--out DIR]
 *
 * It needs Chromium and a Chinese font (sudo apt-get install chromium fonts-noto-cjk).
 */
import { join, resolve } from "node:path";
import {
  chatClient,
  chatServerCommand,
  decodePng,
  freePort,
  ink,
  joinRoom,
  launchBrowser,
  openingComment,
  startProgram,
  toolArgs,
  udpJoin,
  type Page,
} from "../harness/index.ts";
import { reportShots } from "./report.ts";

const ROOT = resolve(import.meta.dir, "../..");
const flags = toolArgs("shots", { options: { out: { type: "string" } } }, () => openingComment(import.meta.path));
const out = resolve(flags.out ?? join(ROOT, "docs/images"));

/** Who says what, in each language: [who, line]. "page" is the photographed page. */
const TALK = {
  en: {
    nicks: { page: "alice", tcp: "bob", udp: "carol", other: "dave" },
    lines: [
      ["tcp", "hi all, I am on nc"],
      ["udp", "and I am on nc -u: my lines are datagrams"],
      ["page", "hello from my phone!"],
      ["other", "/me waves from a second browser"],
      ["tcp", "/msg alice the server is the teacher's laptop"],
      ["page", "same room for everyone, then"],
    ],
  },
  zh: {
    nicks: { page: "小红", tcp: "老李", udp: "小王", other: "阿明" },
    lines: [
      ["tcp", "大家好，我用的是 nc"],
      ["udp", "我用 nc -u：每一行都是一个数据报"],
      ["page", "我在手机上，大家好！"],
      ["other", "/me 从另一个浏览器挥手"],
      ["tcp", "/msg 小红 服务器就是老师的笔记本"],
      ["page", "原来大家都在同一个聊天室"],
    ],
  },
} as const;

async function say(page: Page, line: string): Promise<void> {
  await page.type(line, "#line");
  await page.press("Enter");
  await page.waitFor(`document.querySelector("#line").value === ""`);
}

const browser = await launchBrowser();
try {
  for (const lang of ["en", "zh"] as const) {
    const talk = TALK[lang];
    const webPort = await freePort("tcp");
    const server = await startProgram({
      command: chatServerCommand(),
      transport: "tcp",
      args: ["--tcp", "--udp", "--web", String(webPort), "--lang", lang],
      ready: [/\(web\)/],
    });
    try {
      const tcpPort = server.port;
      const url = `http://127.0.0.1:${webPort}/`;
      const [phone, wide] = await Promise.all([
        browser.open(url, { width: 375, height: 640 }),
        browser.open(url, { width: 1100, height: 560 }),
      ]);
      const welcomed = `document.querySelector("#state").dataset.state === "connected"`;
      await Promise.all([phone.waitFor(welcomed), wide.waitFor(welcomed)]);
      await say(phone, `/nick ${talk.nicks.page}`);
      await say(wide, `/nick ${talk.nicks.other}`);
      const tcp = await joinRoom("tcp", tcpPort, { nick: talk.nicks.tcp });
      const udp = await chatClient("udp", tcpPort);
      await udpJoin(udp, talk.nicks.udp);
      for (const [who, line] of talk.lines) {
        if (who === "page") await say(phone, line);
        else if (who === "other") await say(wide, line);
        else (who === "tcp" ? tcp : udp).say(line);
        // In order, as people take turns: the next once the wide page has it (its own lines it draws itself).
        const shown = line.startsWith("/msg") ? line.split(" ").slice(2).join(" ") : line.replace(/^\/me /, "");
        await phone.waitFor(
          `[...document.querySelectorAll("#log p")].some((p) => p.textContent.includes(${JSON.stringify(shown)}))`,
        );
      }
      for (const [page, name] of [
        [phone, "phone"],
        [wide, "wide"],
      ] as const) {
        const path = join(out, `room-${lang}-${name}.png`);
        const png = await page.screenshot(path);
        const image = decodePng(png);
        if (ink(image).pixels < 5000) throw new Error(`${path}: almost nothing drawn`);
        console.log(`shots: ${path} (${image.width}×${image.height}, ${Math.round(png.length / 1024)} KiB)`);
      }
      tcp.close();
      udp.close();
      await Promise.all([phone.close(), wide.close()]);
    } finally {
      await server.stop();
    }
  }
  await reportShots(browser, out);
} finally {
  await browser.close();
}
