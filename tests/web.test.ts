/**
 * The room over WebSocket (`--web`), without a browser: members over WebSocket
 * beside TCP and UDP members in one room, the same protocol and the same
 * limits; how a frame maps to lines; what is refused, and how; the page's
 * headers and who may open its WebSocket. The page itself, in Chromium, is
 * tests/web-browser.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { MESSAGES, WEB_MESSAGES } from "../src/i18n.ts";
import { RedisRoom } from "../src/link/redis-room.ts";
import { hostAllowed, originAllowed } from "../src/transports/web.ts";
import { tcpClient, udpClient, udpJoin, member as tcpMember } from "./helpers/chat.ts";
import { noRedis, startRedis } from "./helpers/redis.ts";
import {
  OPCODE,
  rawWebSocket,
  startWebRoom,
  webMember,
  webSocket,
  type WebRoom,
  type WebRoomOptions,
} from "./helpers/web.ts";
import { chatServerCommand, pause, ROOT, runToEnd, startProgram, until } from "../tools/harness/index.ts";

const en = MESSAGES.en;
const w = WEB_MESSAGES.en;
let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function room(options: WebRoomOptions = {}): Promise<WebRoom> {
  const r = await startWebRoom(options);
  cleanup.push(() => r.stop());
  return r;
}

function closeLater<T extends { close(): void }>(c: T): T {
  cleanup.push(() => c.close());
  return c;
}

describe("a room over TCP, UDP and WebSocket", () => {
  test("a line from a web member reaches a TCP member byte for byte, and a TCP member's line is one text frame", async () => {
    const r = await room();
    const web = closeLater(await webMember(r.webPort, "alice"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "bob"));
    const line = "héllo 你好 🙂 <b>&amp;</b>\ttab";
    web.say(line);
    await nc.waitFor(`<alice> ${line}`);
    const expected = new TextEncoder().encode(`<alice> ${line}\n`);
    const got = Buffer.concat(nc.chunks);
    expect(got.includes(Buffer.from(expected))).toBe(true);

    const from = web.lines.length;
    nc.say("from nc");
    expect(await web.waitFor("<bob> from nc", 3000, from)).toBe("<bob> from nc"); // no newline in the frame
    // A sender never gets its own line back, on any transport.
    expect(web.matching("<alice>")).toEqual([]);
  });

  test("a UDP member and a web member hear each other", async () => {
    const r = await room();
    const web = closeLater(await webMember(r.webPort, "alice"));
    const udp = closeLater(await udpClient(r.udpPort));
    await udpJoin(udp, "carol");
    await web.waitFor("carol joined");
    udp.say("over udp");
    await web.waitFor("<carol> over udp");
    web.say("/me waves");
    await udp.waitFor("* alice waves");
  });

  test("/nick, /me, /msg, /who and /quit work as over TCP; /quit closes the WebSocket normally", async () => {
    const r = await room();
    const web = closeLater(await webMember(r.webPort, "alice"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "bob"));
    web.say("/msg bob psst");
    await nc.waitFor("*alice* psst");
    await web.waitFor("-> *bob* psst");
    web.say("/who");
    await web.waitFor(en.who(2, ["alice", "bob"]));
    web.say("/quit time to go");
    await web.waitFor(en.goodbye("alice"));
    expect((await web.waitClosed()).code).toBe(1000);
    await nc.waitFor(en.left("alice", "time to go"));
  });

  test("a frame holding newlines is several lines, each judged alone; a trailing newline is optional", async () => {
    const r = await room({ maxLineBytes: 32 });
    const web = closeLater(await webMember(r.webPort, "alice"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "bob"));
    web.say("one\r\ntwo\n" + "x".repeat(40) + "\nthree\n");
    await nc.waitFor("<alice> three");
    expect(nc.matching("<alice>")).toEqual(["<alice> one", "<alice> two", "<alice> three"]);
    await web.waitFor(en.lineTooLong(40, 32));
    expect(web.closed).toBeUndefined();
  });

  test("a line over the limit is refused and the member stays; a frame over 16 times the limit closes it (1009)", async () => {
    const r = await room({ maxLineBytes: 64 });
    const web = closeLater(await webMember(r.webPort, "alice"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "bob"));
    web.say("y".repeat(65));
    await web.waitFor("!!! line too long (65+ bytes; the limit is 64)");
    web.say("still here");
    await nc.waitFor("<alice> still here");

    web.say("z".repeat(16 * 64 + 1));
    const closed = await web.waitClosed();
    expect(closed.code).toBe(1009);
    await nc.waitFor(en.left("alice", w.reasonFrameTooBig(16 * 64)));
    expect(nc.matching("zzz")).toEqual([]);
  });

  test("a binary frame is refused with a line saying so, and the member stays", async () => {
    const r = await room();
    const raw = closeLater(await rawWebSocket(r.webPort));
    expect(raw.status).toBe(101);
    await until(() => raw.texts.some((t) => t.includes("welcome")), 3000, "the welcome");
    raw.send(OPCODE.binary, new Uint8Array([104, 105, 10]));
    await until(() => raw.texts.includes(`!!! ${w.binaryFrame}`), 3000, "the refusal");
    raw.send(OPCODE.text, "/ping still");
    await until(() => raw.texts.includes("*** pong still"), 3000, "the pong");
  });

  test("a text frame that is not UTF-8 ends the connection with 1007, and the room hears why", async () => {
    const r = await room();
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "bob"));
    const raw = closeLater(await rawWebSocket(r.webPort));
    await until(() => raw.texts.some((t) => t.includes("welcome")), 3000, "the welcome");
    raw.send(OPCODE.text, "/nick mallory\n");
    await nc.waitFor("mallory joined");
    raw.send(OPCODE.text, new Uint8Array([0x68, 0xff, 0x69]));
    await until(() => raw.closeFrame, 3000, "the close frame");
    expect(raw.closeFrame!.code).toBe(1007);
    await nc.waitFor(en.left("mallory", w.reasonInvalidUtf8));
    expect(nc.matching("<mallory>")).toEqual([]);
  });

  test("the room's limits count web members too: --max-clients and --max-per-address", async () => {
    const r = await room({ maxClients: 3, maxPerAddress: 2 });
    const nc = closeLater(await tcpClient(r.tcpPort));
    await nc.waitFor("welcome");
    const first = closeLater(await webMember(r.webPort));
    // The third from 127.0.0.1 (TCP and web together) is one too many.
    const third = closeLater(await webSocket(r.webPort));
    await third.waitFor(`!!! ${en.tooManyFromAddress(2)}`);
    expect((await third.waitClosed()).code).toBe(1000);
    expect(first.closed).toBeUndefined();
    expect(r.hub.size).toBe(2);
  });

  test("flood control holds a web member's lines back and says so, as over TCP", async () => {
    const r = await room({ floodBurst: 3, floodRate: 20 });
    const web = closeLater(await webMember(r.webPort, "alice"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "bob"));
    for (let i = 0; i < 8; i++) web.say(`line ${i}`);
    await web.waitFor(en.floodSlowDown(20));
    await nc.waitFor("<alice> line 7");
    expect(nc.matching("<alice>")).toEqual([...Array(8)].map((_, i) => `<alice> line ${i}`));
  });

  test("reads a flooding member's frames no faster than its budget: the rest wait unread", async () => {
    const r = await room({ floodBurst: 1, floodRate: 1, maxLineBytes: 1000 });
    let frames = 0;
    const receive = r.hub.receive.bind(r.hub);
    r.hub.receive = (peer, frame) => {
      if (peer.label.startsWith("web")) frames++;
      receive(peer, frame);
    };
    const web = closeLater(await webMember(r.webPort, "alice"));
    const before = frames;
    // Budget: (burst 1 + queue 50) lines of 1000 bytes at once, then one a second. 200 are sent.
    const line = "f".repeat(990);
    for (let i = 0; i < 200; i++) web.say(`${String(i).padStart(3, "0")} ${line}`);
    await until(() => frames - before >= 40, 3000, "the first frames to be read");
    await Bun.sleep(300); // time for the rest to be read, if they were going to be
    const read = frames - before;
    expect(read).toBeGreaterThanOrEqual(45);
    expect(read).toBeLessThanOrEqual(56);
    // One more frame's worth of budget a second: read on, slowly.
    await until(() => frames - before > read, 3000, "the next frame, once the budget has refilled");
    expect(web.closed).toBeUndefined();
  });
});

describe("slow and stuck browsers", () => {
  test("a member that stops reading is dropped at the send cap; the others get every line", async () => {
    const r = await room({ maxQueueBytes: 64 * 1024 });
    const stuck = closeLater(await rawWebSocket(r.webPort, { headers: {} }));
    await until(() => stuck.texts.some((t) => t.includes("welcome")), 3000, "the welcome");
    stuck.send(OPCODE.text, "/nick stuck");
    await until(() => stuck.texts.some((t) => t.includes("is now stuck")), 3000, "the rename");
    stuck.hold(true);
    const reader = closeLater(await webMember(r.webPort, "reader"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "sender"));
    // Lines of 900 bytes, 50 at a time, each batch once the reader has had the last, until the
    // stuck member is dropped (the kernel's buffers first take a few MB): at most 36 MB.
    const body = "s".repeat(900);
    const dropped = () => reader.matching(/stuck left \(too slow to read: \d+ bytes waiting\)/).length > 0;
    let sent = 0;
    while (!dropped() && sent < 40_000) {
      for (let i = sent; i < sent + 50; i++) nc.say(`${i} ${body}`);
      sent += 50;
      await reader.waitFor(`<sender> ${sent - 1} ${body}`, 5000);
    }
    expect(dropped()).toBe(true);
    const got = reader.matching("<sender>").map((l) => Number(l.split(" ")[1]));
    expect(got).toEqual([...Array(sent).keys()]);
    expect(r.hub.nicks()).not.toContain("stuck");
  }, 30_000);

  test("a member that stops reading for a while, under the cap, gets every line in order once it reads again", async () => {
    const r = await room({ maxQueueBytes: 32 << 20 });
    const slow = closeLater(await rawWebSocket(r.webPort));
    await until(() => slow.texts.some((t) => t.includes("welcome")), 3000, "the welcome");
    slow.hold(true);
    const nc = closeLater(await tcpMember({ transport: "tcp", port: r.tcpPort }, "sender"));
    // 12 MB: more than the kernel's buffers take (a few MB on loopback), so Bun reports
    // backpressure, the server holds the rest, and sends it on Bun's drain.
    const body = "q".repeat(1000);
    const lines = 12_000;
    for (let i = 0; i < lines; i++) nc.say(`${i} ${body}`);
    await pause(500); // a reader that is away for a moment
    slow.hold(false);
    const got = () => slow.texts.filter((t) => t.startsWith("<sender>"));
    await until(() => got().length === lines, 20_000, `all ${lines} lines`);
    expect(got().map((t) => Number(t.split(" ")[1]))).toEqual([...Array(lines).keys()]);
    expect(r.hub.size).toBe(2);
  }, 30_000);
});

describe("who may open the page and its WebSocket", () => {
  test("another site's page is refused the WebSocket (403); the page's own origin, and a program without one, are not", async () => {
    const r = await room();
    const evil = closeLater(await rawWebSocket(r.webPort, { headers: { origin: "http://evil.example" } }));
    expect(evil.status).toBe(403);
    expect(evil.frames).toEqual([]);
    expect(r.hub.size).toBe(0);
    const nullOrigin = closeLater(await rawWebSocket(r.webPort, { headers: { origin: "null" } }));
    expect(nullOrigin.status).toBe(403);
    const own = closeLater(await rawWebSocket(r.webPort));
    expect(own.status).toBe(101);
    const program = closeLater(await rawWebSocket(r.webPort, { headers: { origin: undefined } }));
    expect(program.status).toBe(101);
    expect(r.logs.some((l) => l.includes("http://evil.example"))).toBe(true);
  });

  test("a request for another name than this server's address is refused (421): DNS rebinding", async () => {
    const r = await room({ origins: ["https://chat.lab.example"] });
    const at = (host: string) => fetch(`http://127.0.0.1:${r.webPort}/`, { headers: { host } });
    expect((await at("rebound.example:" + r.webPort)).status).toBe(421);
    expect((await at(`localhost:${r.webPort}`)).status).toBe(200);
    expect((await at(`chat.lab.example`)).status).toBe(200);
    const rebound = closeLater(
      await rawWebSocket(r.webPort, {
        headers: { host: "rebound.example", origin: "http://rebound.example" },
      }),
    );
    expect(rebound.status).toBe(421);
    // Behind a TLS proxy at a name given with --web-origin, its page may open the WebSocket.
    const proxied = closeLater(
      await rawWebSocket(r.webPort, { headers: { host: "chat.lab.example", origin: "https://chat.lab.example" } }),
    );
    expect(proxied.status).toBe(101);
  });

  test("hostAllowed and originAllowed, case by case", () => {
    const names = new Set(["chat.lab"]);
    expect(
      ["127.0.0.1:8080", "[::1]:8080", "192.168.1.20", "LOCALHOST:80", "chat.lab:8080"].map((h) =>
        hostAllowed(h, names),
      ),
    ).toEqual([true, true, true, true, true]);
    expect([null, "evil.example", "127.0.0.1.evil.example:80"].map((h) => hostAllowed(h, names))).toEqual([
      false,
      false,
      false,
    ]);
    const origins = new Set(["https://chat.lab"]);
    expect(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", origins)).toBe(true);
    expect(originAllowed("http://127.0.0.1:8081", "127.0.0.1:8080", origins)).toBe(false);
    expect(originAllowed("https://127.0.0.1:8080", "127.0.0.1:8080", origins)).toBe(false);
    expect(originAllowed("https://chat.lab", "127.0.0.1:8080", origins)).toBe(true);
    expect(originAllowed(null, "127.0.0.1:8080", origins)).toBe(true);
  });

  test("the page and its files come with a Content-Security-Policy, no cookies, and only for GET", async () => {
    const r = await room();
    const base = `http://127.0.0.1:${r.webPort}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("set-cookie")).toBeNull();
    const html = await page.text();
    // No inline script: every <script> has a src on this server.
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/ src="\.\/[\w.-]+\.js"/);
    expect(html).not.toMatch(/ on[a-z]+=/i);
    const js = /src="\.\/([\w.-]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${base}/${js}`);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("content-security-policy")).toBe(csp);
    expect((await fetch(`${base}/`, { method: "POST", body: "x" })).status).toBe(405);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/ws`)).status).toBe(426);
  });

  test("the page speaks the room's language: zh", async () => {
    const r = await room({ lang: "zh" });
    const html = await (await fetch(`http://127.0.0.1:${r.webPort}/`)).text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain(`<title>${WEB_MESSAGES.zh.page.title}</title>`);
    expect(html).toContain(WEB_MESSAGES.zh.page.send);
  });
});

/** The server in a child process, ready once it has said where its page is. */
async function startProcess(args: string[]) {
  const program = await startProgram({
    command: chatServerCommand(),
    transport: "tcp",
    port: 0,
    args: [...args, "--lang", "en"],
    cwd: ROOT,
    ready: [/the room's page: /],
  });
  cleanup.push(() => program.stop());
  return program;
}

describe("bun src/server.ts --web", () => {
  test("--web alone serves only browsers; with --tcp, everyone in one room", async () => {
    const web = await startProcess(["--web", "0"]);
    expect(web.lines().filter((l) => /listening on/.test(l))).toEqual([expect.stringMatching(/\(web\)$/)]);
    expect(web.lines()).toContainEqual(expect.stringMatching(/^server: the room's page: http:\/\/127\.0\.0\.1:\d+\/$/));
    const both = await startProcess(["--tcp", "--web", "0", "--port", "0"]);
    const transports = both.lines().flatMap((l) => /listening on \S+ \((\w+)\)$/.exec(l)?.[1] ?? []);
    expect(transports).toEqual(["tcp", "web"]);
  });

  test("--help tells of --web and --web-origin, in English and Chinese, within 80 columns", async () => {
    for (const lang of ["en", "zh"]) {
      const run = await runToEnd([process.execPath, "src/server.ts", "--help", "--lang", lang], { cwd: ROOT });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("--web [port]");
      expect(run.stdout).toContain("--web-origin <origins>");
      expect(run.stdout).toContain(WEB_MESSAGES[lang as "en" | "zh"].optionWeb(8080).slice(0, 12));
      for (const line of run.stdout.split("\n")) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(80);
    }
  });
});

describe("the benchmark's WebSocket members (bun run bench --scenario web)", () => {
  test("a short burst over --web: every line to every member, as the benchmark counts them", async () => {
    const argv = [process.execPath, "tools/bench/bench.ts", "--transport", "web", "--clients", "5"];
    const run = await runToEnd([...argv, "--burst", "--lines", "100", "--json"], { cwd: ROOT, timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    const row = JSON.parse(run.stdout).rows[0];
    expect(row.res.config.transport).toBe("web");
    expect([row.res.expected, row.res.delivered, row.res.lost, row.res.duplicates]).toEqual([2000, 2000, 0, 0]);
    expect(row.res.hub.cpuSeconds).toBeGreaterThan(0);
  }, 70_000);
});

describe.skipIf(noRedis)("servers linked through Redis", () => {
  test("a web member on one server and a TCP member on another are in one room", async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.stop());
    const [a, b] = [await room(), await room()];
    const links = await Promise.all([a, b].map((r) => RedisRoom.connect(r.hub, { url: redis.url })));
    [a, b].forEach((r, i) => r.hub.useRoom(links[i]!));
    cleanup.push(() => Promise.all(links.map((l) => l.close(200))));
    const web = closeLater(await webMember(a.webPort, "alice"));
    const nc = closeLater(await tcpMember({ transport: "tcp", port: b.tcpPort }, "bob"));
    await web.waitFor("bob joined", 5000);
    web.say("across the link");
    await nc.waitFor("<alice> across the link", 5000);
    nc.say("/who");
    await nc.waitFor(en.who(2, ["alice", "bob"]).slice(0, 16), 5000);
  });
});
