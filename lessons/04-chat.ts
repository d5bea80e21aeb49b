/**
 * Lesson 04 · The whole chat program, without a window (article chapter 4)
 *
 * Run:    bun lessons/04-chat.ts          (TCP)   ·   bun lessons/04-chat.ts --udp
 *         bun lessons/04-chat.ts --lang zh        (the article's LANGUAGE = "zh")
 * Try:    while it runs:  nc 127.0.0.1 9009   or   bun src/client.ts
 * Prints: chat: listening on 127.0.0.1:9009 (tcp)
 *         then a guided tour: two scripted members, alice and bob, use the room
 *         while the lesson says which part of src/ is doing the work.
 *
 * The article's last chapter glues its pieces into one program: settings.py
 * (HOST, PORT = 9009, BUFFERSIZE = 1024, LANGUAGE), language.py (messages in zh
 * and en), a server that broadcasts with error handling, and a client that sends,
 * receives and leaves cleanly on "exit". The kit's real program is that program,
 * split so each idea lives in one file:
 *
 *   settings.py          -> src/config.ts        (DEFAULTS; every limit is a --flag)
 *   language.py          -> src/i18n.ts          (MESSAGES.en, MESSAGES.zh)
 *   recv + split lines   -> src/protocol.ts      (LineDecoder: framing done right)
 *   clients table        -> src/hub.ts           (Hub: join, receive, leave)
 *   the sockets          -> src/transports/      (tcp.ts, udp.ts: the only Bun code)
 *   the two programs     -> src/server.ts, src/client.ts
 *
 * Two bugs of the article are fixed by that split: one recv(1024) is not one
 * message (LineDecoder joins and splits reads), and the clients table is filled
 * on join and emptied on leave, so a broadcast reaches exactly the others.
 *
 * This lesson starts the real hub in-process, then drives two members through
 * the real client-side transport (connectTcp / connectUdp). Read it top to bottom.
 *
 * Options: --host 127.0.0.1, --port 9009 (or env PORT; 0 picks a free port),
 *          --udp, --lang en|zh, --exit (stop after the tour instead of staying open).
 */
import { parseArgs } from "node:util";
import { DEFAULTS } from "../src/config.ts";
import { Hub } from "../src/hub.ts";
import { langFromEnv, type Lang } from "../src/i18n.ts";
import { serveTcp, connectTcp } from "../src/transports/tcp.ts";
import type { LineConnection, RunningServer } from "../src/transports/types.ts";
import { serveUdp, connectUdp } from "../src/transports/udp.ts";
import { sanitize } from "../src/protocol.ts";

const { values: opts } = parseArgs({
  options: {
    host: { type: "string", default: DEFAULTS.host },
    port: { type: "string", default: process.env.PORT ?? String(DEFAULTS.port) },
    udp: { type: "boolean", default: false },
    lang: { type: "string", default: langFromEnv() },
    exit: { type: "boolean", default: false },
  },
});
const port = Number(opts.port);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !["en", "zh"].includes(opts.lang)) {
  console.error("chat: usage: bun lessons/04-chat.ts [--udp] [--port 0-65535] [--lang en|zh] [--exit]");
  process.exit(2);
}
const lang = opts.lang as Lang;
const transport = opts.udp ? "udp" : "tcp";

// Step 1 · settings.py. One object holds them; the server's flags override them.
console.log(`chat: settings (src/config.ts): port ${DEFAULTS.port}, line limit ${DEFAULTS.maxLineBytes} bytes, language ${lang}`);

// Step 2 · the server: one Hub (the room) behind one transport. The hub never
// sees a socket; the transport turns socket events into join/receive/leave.
const hub = new Hub({ lang, floodBurst: DEFAULTS.floodBurst, floodRate: DEFAULTS.floodRate });
let server: RunningServer;
try {
  server =
    transport === "tcp"
      ? serveTcp(hub, { ...DEFAULTS, host: opts.host, port })
      : await serveUdp(hub, { ...DEFAULTS, host: opts.host, port, timeoutMs: DEFAULTS.udpTimeoutMs });
} catch (error) {
  console.error(`chat: cannot listen on ${opts.host}:${port}: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`chat: listening on ${server.host}:${server.port} (${transport})`);

// Step 3 · a client is a connection that hands us whole lines. Everything it
// receives is cleaned before printing: bytes from the network never steer our terminal.
interface Member {
  name: string;
  conn: LineConnection;
  seen: string[];
}

async function connect(name: string): Promise<Member> {
  const seen: string[] = [];
  const handlers = {
    line(text: string) {
      const clean = sanitize(text).text;
      seen.push(clean);
      console.log(`   ${name.padEnd(5)} sees  ${clean}`);
    },
    closed() {},
  };
  const conn =
    transport === "tcp"
      ? await connectTcp(server.host, server.port, handlers)
      : await connectUdp(server.host, server.port, handlers, { nick: name, heartbeatMs: 20_000 });
  if (transport === "tcp") conn.send(`/nick ${name}`);
  return { name, conn, seen };
}

/** Wait (briefly) until a member has seen a line containing `text`, after line number `from`. */
async function sees(member: Member, text: string, from = 0): Promise<void> {
  for (let waited = 0; waited < 3000; waited += 10) {
    if (member.seen.slice(from).some((l) => l.includes(text))) return;
    await Bun.sleep(10);
  }
  console.log(`chat: (${member.name} did not see "${text}" within 3 s)`);
}

function step(title: string) {
  console.log(`\n── ${title}`);
}

/** Send a line as `member` typed it; shows control characters as \x.. so they cannot steer this terminal. */
function type(member: Member, line: string) {
  const shown = line.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  console.log(`   ${member.name.padEnd(5)} types ${shown}`);
  member.conn.send(line);
}

// The tour. Each step names the article's idea and the kit's file doing it.
step("joining: the hub fills its clients table (src/hub.ts, Hub.join)");
const alice = await connect("alice");
await sees(alice, "alice");
const bob = await connect("bob");
await sees(alice, "bob");

step("sending: one line in, delivered to every OTHER member (Hub.receive -> Room.publish)");
type(alice, "hello, is anyone here?");
await sees(bob, "hello, is anyone here?");
type(bob, "hi alice! 你好");
await sees(alice, "你好");

step("commands: /me, /msg, /who (src/protocol.ts parseCommand)");
type(bob, "/me waves");
await sees(alice, "waves");
type(alice, "/msg bob this is just for you");
await sees(bob, "just for you");
const before = alice.seen.length;
type(alice, "/who");
await sees(alice, "bob", before);

step("hostile bytes: an escape sequence is replaced, never relayed raw (sanitize)");
type(bob, "look \x1b[2Jwhat a clear screen");
await sees(alice, "what a clear screen");

step(`leaving cleanly: the client turns "exit" into /quit (src/client.ts)`);
type(bob, "/quit see you");
await sees(alice, "see you");

step("broadcast with error handling: members come and go, the room carries on");
const carol = await connect("carol");
await sees(alice, "carol");
carol.conn.close(); // gone; over TCP the hub hears the close, over UDP the /quit
type(alice, "still here?");
await Bun.sleep(50);

console.log(`\nchat: tour over. The room is open: nc ${transport === "udp" ? "-u " : ""}${server.host} ${server.port}` +
  `   or   bun src/client.ts${transport === "udp" ? " --udp" : ""} --port ${server.port}`);
alice.conn.close();

async function stop() {
  hub.shutdown();
  await server.stop(500);
  process.exit(0);
}
if (opts.exit) await stop();
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
