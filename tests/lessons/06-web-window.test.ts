/**
 * Lesson 06, the bridge that lets browsers into a hub: a browser member (Bun's
 * own WebSocket client, as the page is one) beside an nc-like member, over TCP
 * and UDP, in front of lesson 02's hub; and a stand-in hub where the test must
 * choose the bytes (two lines in one read, half a line, half a character).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { join } from "node:path";
import {
  ROOT,
  startProgram,
  TRANSPORTS,
  until,
  WireLog,
  type Peer,
  type Program,
  type Transport,
} from "../../tools/harness/index.ts";
import { OPCODE, rawWebSocket, webSocket, type WebMember } from "../helpers/web.ts";
import { kitEnv, kitLesson, peerOf } from "./kit-lessons.ts";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BRIDGE = {
  argv: [process.execPath, join(ROOT, "lessons/06-web-window.ts")],
  label: "bun lessons/06-web-window.ts",
  custom: false,
};

/** The bridge, in front of a hub listening at `hubPort`. */
async function bridgeTo(hubPort: number, transport: Transport): Promise<Program> {
  const args = ["--hub-port", String(hubPort), ...(transport === "udp" ? ["--udp"] : [])];
  const bridge = await startProgram({ command: BRIDGE, transport: "tcp", args, env: kitEnv() });
  cleanups.push(() => bridge.stop());
  return bridge;
}

/** A browser member, once the hub has welcomed it. */
async function browser(port: number): Promise<WebMember> {
  const b = await webSocket(port);
  cleanups.push(() => b.close());
  await b.waitFor("*** welcome");
  return b;
}

type Room = { hub: Program; bridge: Program; nc: Peer; browser: WebMember };

/** Lesson 02's hub, the bridge, an nc-like member and a browser member: both known to the hub. */
async function room(transport: Transport): Promise<Room> {
  const hub = await startProgram({ command: kitLesson("02", transport), transport, env: kitEnv() });
  cleanups.push(() => hub.stop());
  const bridge = await bridgeTo(hub.port, transport);
  const nc = await peerOf(transport, hub.port, "nc", new WireLog());
  cleanups.push(() => nc.close());
  if (transport === "udp") nc.sendLine(""); // nc -u joins with its first datagram
  await until(() => nc.lines().some((l) => l.startsWith("*** welcome")), 3000, "nc's welcome");
  const b = await browser(bridge.port);
  await until(() => nc.lines().some((l) => l.endsWith(" joined")), 3000, "nc hears the browser join");
  return { hub, bridge, nc, browser: b };
}

const bytesOf = (text: string) => Buffer.from(new TextEncoder().encode(text));

describe.each(TRANSPORTS)("lesson 06's bridge, in front of lesson 02's hub over %s", (transport) => {
  test("a line typed in the browser reaches nc byte for byte, and nc's line reaches the browser as one frame", async () => {
    const { nc, browser: b } = await room(transport);
    const typed = "hello 你好 <img src=x onerror=alert(1)> \u00e9";
    b.say(typed);
    const line = await until(() => nc.lines().find((l) => l.includes("hello")), 3000, "the browser's line at nc");
    expect(line).toMatch(/^<127\.0\.0\.1:\d+> /);
    // Byte for byte: exactly the typed text's UTF-8, then "\n", after the hub's "<address> ".
    const got = Buffer.from(nc.text(), "utf8");
    expect(got.includes(bytesOf(`> ${typed}\n`))).toBe(true);

    nc.sendLine("from nc, 你好");
    const frame = await b.waitFor("from nc");
    expect(frame).toMatch(/^<127\.0\.0\.1:\d+> from nc, 你好$/); // one line, one frame, no "\n"
  });

  test('a frame holding two lines reaches nc as two lines, and a frame without "\\n" is a whole line', async () => {
    const { nc, browser: b } = await room(transport);
    b.say("first of two\nsecond of two");
    b.say("a whole line");
    await until(() => nc.lines().some((l) => l.endsWith("> a whole line")), 3000, "the last line at nc");
    const said = nc.lines().filter((l) => l.startsWith("<"));
    expect(said.map((l) => l.replace(/^<[^>]+> /, ""))).toEqual(["first of two", "second of two", "a whole line"]);
  });

  test("a browser that leaves is a member that left: nc hears it", async () => {
    const { nc, browser: b } = await room(transport);
    b.close();
    await until(() => nc.lines().some((l) => l.startsWith("***") && l.endsWith(" left")), 3000, "nc hears it leave");
  });
});

describe("lesson 06's bridge, in front of a stand-in hub that chooses its bytes", () => {
  /** A TCP hub of the test's own: it remembers the bridge's connection, to write to it exactly. */
  async function standInTcp() {
    const conns: Socket[] = [];
    const received: string[] = [];
    const hub = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: (s) => void conns.push(s), data: (_s, d) => void received.push(d.toString()) },
    });
    cleanups.push(() => hub.stop(true));
    return { port: hub.port, conns, received };
  }

  test("two lines in one read become two frames, and half a line (or half a character) waits for the rest", async () => {
    const hub = await standInTcp();
    const bridge = await bridgeTo(hub.port, "tcp");
    const b = await webSocket(bridge.port);
    cleanups.push(() => b.close());
    const s = await until(() => hub.conns[0], 3000, "the bridge connects for the browser");
    s.write("line one\nline two\n");
    await b.waitFor("line two");
    const ni = bytesOf("半");
    s.write(Buffer.concat([bytesOf("half a "), ni.subarray(0, 1)]));
    await Bun.sleep(50); // a separate read, most likely: either way the frame must be whole
    s.write(Buffer.concat([ni.subarray(1), bytesOf(" line\n")]));
    await b.waitFor("半 line");
    expect(b.lines).toEqual(["line one", "line two", "half a 半 line"]);
  });

  test("two lines in one datagram become two frames (over UDP)", async () => {
    let from: { port: number; address: string } | undefined;
    const hub = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: { data: (_s, _d, port, address) => void (from ??= { port, address }) },
    });
    cleanups.push(() => hub.close());
    const bridge = await bridgeTo(hub.port, "udp");
    const b = await webSocket(bridge.port);
    cleanups.push(() => b.close());
    const to = await until(() => from, 3000, "the browser's join datagram");
    hub.send("line one\nline two\n", to.port, to.address);
    await b.waitFor("line two");
    expect(b.lines).toEqual(["line one", "line two"]);
  });

  test("a text frame that is not UTF-8 is refused with a clear message; a binary frame is refused and the member stays", async () => {
    const hub = await standInTcp();
    const bridge = await bridgeTo(hub.port, "tcp");
    const binary = await rawWebSocket(bridge.port);
    cleanups.push(() => binary.close());
    binary.send(OPCODE.binary, new Uint8Array([1, 2, 3]));
    await until(() => binary.texts.find((t) => t.startsWith("!!! binary frames are not chat")), 3000, "the refusal");
    binary.send(OPCODE.text, "still here");
    await until(() => hub.received.join("").includes("still here\n"), 3000, "the hub gets the next line");

    const raw = await rawWebSocket(bridge.port);
    cleanups.push(() => raw.close());
    raw.send(OPCODE.text, new Uint8Array([0x68, 0xff, 0x69]));
    await until(() => raw.closeFrame, 3000, "a close frame");
    expect(raw.closeFrame!.code).toBe(1007);
    const said = `sent a text frame that is not UTF-8: closed (1007)`;
    await until(() => bridge.output().includes(said), 3000, "the bridge's log says why");
    expect(hub.received.join("")).not.toContain("h\ufffdi");
  });

  test("a page from another site may not open the WebSocket; the page's own may", async () => {
    const hub = await standInTcp();
    const bridge = await bridgeTo(hub.port, "tcp");
    const evil = await rawWebSocket(bridge.port, { headers: { origin: "http://evil.example" } });
    expect(evil.status).toBe(403);
    const own = await rawWebSocket(bridge.port);
    expect(own.status).toBe(101);
    own.close();
    const page = await fetch(`http://127.0.0.1:${bridge.port}/`);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('role="log"');
  });
});

describe("a slow browser, over TCP", () => {
  // Over UDP the bridge's side is the same; a flood of datagrams would only add loss to the test.
  test("a browser that stops reading stalls nobody, and is let go once too far behind", async () => {
    const { bridge, nc, browser: fast } = await room("tcp");
    const slow = await rawWebSocket(bridge.port);
    cleanups.push(() => slow.close());
    await until(() => slow.texts.some((t) => t.startsWith("*** welcome")), 3000, "the slow one's welcome");
    slow.hold(true); // its tab is stuck: nothing more is read
    const filler = "x".repeat(4000);
    let batch = 0;
    for (; batch < 60 && !bridge.output().includes("is not reading"); batch++) {
      // 1 MB from nc; each batch reaches the fast browser before the next is sent.
      const last = `batch ${batch} done`;
      nc.sendExact(Array.from({ length: 256 }, (_, i) => `${filler} ${i}\n`).join("") + last + "\n");
      await fast.waitFor(last, 5000);
    }
    expect(bridge.output()).toContain("is not reading");
    // The room goes on: the hub hears the slow one leave, and the fast one still talks both ways.
    await until(() => nc.lines().filter((l) => l.endsWith(" left")).length >= 1, 3000, "nc hears the slow one leave");
    fast.say("still quick");
    await until(() => nc.lines().some((l) => l.endsWith("> still quick")), 3000, "nc hears the fast browser");
    nc.sendLine("and back");
    await fast.waitFor("and back");
  }, 30_000);
});
