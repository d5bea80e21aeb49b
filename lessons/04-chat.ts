/**
 * Lesson 04 · The whole chat program, without a window (article chapter 4)
 *
 * Run:    bun lessons/04-chat.ts          (TCP)   ·   bun lessons/04-chat.ts --udp
 *         bun lessons/04-chat.ts --lang zh        (the article's LANGUAGE = "zh")
 * Try:    while it runs:  nc 127.0.0.1 9009   or   bun src/client.ts
 * Prints: chat: listening on 127.0.0.1:9009 (tcp)
 *         then a guided tour: three scripted members, alice, bob and carol (who
 *         vanishes), use the room while the lesson says which part of src/ does the work.
 * Help:   bun lessons/04-chat.ts --help
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
 * This lesson starts the real hub in-process, then drives alice and bob through
 * the real client-side transport (connectTcp / connectUdp), and carol through a
 * bare socket she can drop without a word. Sections 1-5 read top to bottom;
 * "Beyond the article" (B1-B4) holds the tour's helpers. The walkthrough is in
 * lessons/README.md (中文: lessons/README.zh-CN.md).
 */
import { DEFAULTS, UDP_HEARTBEAT_MS } from "../src/config.ts";
import { Hub } from "../src/hub.ts";
import { LineDecoder, parseChallenge, sanitize } from "../src/protocol.ts";
import { serveTcp, connectTcp } from "../src/transports/tcp.ts";
import type { LineConnection, RunningServer } from "../src/transports/types.ts";
import { serveUdp, connectUdp } from "../src/transports/udp.ts";
import { readCommandLine } from "./cli.ts";

// ── 1 · settings.py and language.py: src/config.ts and src/i18n.ts ───────────

// DEFAULTS is the article's settings.py; the command line overrides it (B4).
// --lang picks the language of src/i18n.ts (language.py) for the hub's notices,
// and of this tour.
const cli = readCommandLine(commandLine());
const { log, say, lang } = cli;
const settings = { ...DEFAULTS, host: cli.opts.host, port: cli.port(0), lang };
const transport = cli.opts.udp ? "udp" : "tcp";

// ── 2 · The server: one Hub (the room) behind one transport ──────────────────
// The hub never sees a socket; the transport turns socket events into
// join / receive / leave, over TCP or UDP alike.

const hub = new Hub({ lang, floodBurst: settings.floodBurst, floodRate: settings.floodRate });
let server: RunningServer;
try {
  const udp = { ...settings, timeoutMs: settings.udpTimeoutMs };
  server = transport === "tcp" ? serveTcp(hub, settings) : await serveUdp(hub, udp);
} catch (err) {
  cannotListen(err); // B3
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, stop); // section 5
log(`listening on ${server.host}:${server.port} (${transport})`, `正在监听 ${server.host}:${server.port} (${transport})`);
// The port really used: with --port 0 the system picked it.
log("settings (src/config.ts, then the command line):", "设置（src/config.ts，再由命令行覆盖）：");
log(
  `  port ${server.port}, line limit ${settings.maxLineBytes} bytes, language ${lang}`,
  `  端口 ${server.port}，每行最多 ${settings.maxLineBytes} 字节，语言 ${lang}`,
);

// ── 3 · A member: a connection that hands us whole lines ─────────────────────
// Everything a member receives is cleaned (src/protocol.ts sanitize): bytes from
// the network never steer our terminal. The tour prints it once it has waited
// for what a step should bring (B1), so the output reads the same on every run.

interface Member {
  name: string;
  conn: LineConnection;
  seen: string[]; // every line received, cleaned
  shown: number; // how many of them are printed
}
const members: Member[] = [];

async function connect(name: string): Promise<Member> {
  const member: Member = { name, conn: { send() {}, close() {} }, seen: [], shown: 0 };
  const handlers = { line: (text: string) => void member.seen.push(sanitize(text).text), closed() {} };
  member.conn =
    transport === "tcp"
      ? await connectTcp(server.host, server.port, handlers)
      : await connectUdp(server.host, server.port, handlers, { nick: name, heartbeatMs: UDP_HEARTBEAT_MS });
  if (transport === "tcp") member.conn.send(`/nick ${name}`);
  members.push(member);
  return member;
}

// Send a line as `member` typed it.
function type(member: Member, line: string) {
  console.log(cli.fit(`   ${member.name.padEnd(5)} ${say("types", "输入")} `, showControls(line))); // B1
  member.conn.send(line);
}

function step(en: string, zh: string) {
  console.log(`\n${cli.fit("── ", say(en, zh))}`);
}

// ── 4 · The tour: each step names the article's idea and the file doing it ───

step("joining: the hub fills its clients table (src/hub.ts, Hub.join)", "加入：hub 把新成员记进它的 clients 表（src/hub.ts，Hub.join）");
const alice = await connect("alice");
await sees([alice, "alice"]); // B1: wait until the line has arrived, then print
const bob = await connect("bob");
await sees([bob, "bob"], [alice, "bob"]);

step("sending: one line in, delivered to every OTHER member (Hub.receive -> Room.publish)", "发送：收到一行，转给除发送者以外的每个成员（Hub.receive -> Room.publish）");
const hello = say("hello, is anyone here?", "大家好，有人在吗？");
type(alice, hello);
await sees([bob, hello]);
const hi = say("hi alice! 你好", "你好，alice！hi");
type(bob, hi);
await sees([alice, hi]);

step("commands: /me, /msg, /who (src/protocol.ts parseCommand)", "命令：/me、/msg、/who（src/protocol.ts 的 parseCommand）");
type(bob, say("/me waves", "/me 挥挥手"));
await sees([alice, say("waves", "挥挥手")]);
const secret = say("this is just for you", "这句只说给你听");
type(alice, `/msg bob ${secret}`);
await sees([bob, secret], [alice, secret]);
type(alice, "/who");
await sees([alice, "bob"]);

step("hostile bytes: an escape sequence is replaced, never relayed raw (sanitize)", "恶意字节：转义序列会被替换，绝不原样转发（sanitize）");
const screen = say("what a clear screen", "屏幕被清空了吗");
type(bob, `look \x1b[2J${screen}`);
await sees([alice, screen], [bob, "\ufffd"]);

step("broadcast with error handling: a member vanishes, the room carries on", "带错误处理的广播：有成员突然消失，聊天室照常运转");
const carol = await vanishing("carol"); // B2: a member who can leave without a word
await sees([carol, "carol"], [alice, "carol"], [bob, "carol"]);
carol.vanish();
if (transport === "tcp") {
  note("carol's program dies: her connection is reset (RST); the hub's close handler hears it", "carol 的程序崩溃了：她的连接被重置（RST）；hub 的 close 处理函数察觉到了");
  await sees([alice, "carol"], [bob, "carol"]);
} else {
  note("carol's program dies: over UDP nothing tells the hub, so it keeps sending to her address", "carol 的程序崩溃了：UDP 上没有任何东西通知 hub，所以它继续往她的地址发");
}
const still = say("still here?", "还有人在吗？");
type(alice, still);
await sees([bob, still]);
const yes = say("yes, still here", "在，我还在");
type(bob, yes);
await sees([alice, yes]);
if (transport === "udp") {
  const seconds = settings.udpTimeoutMs / 1000;
  note(
    `the datagrams to carol bounce (ICMP "port unreachable"); a send that fails is tried once more, so alice and bob lose nothing; the hub forgets carol after ${seconds} s of silence (udpTimeoutMs)`,
    `发给 carol 的数据报被退回（ICMP「端口不可达」）；发送失败会再试一次，所以 alice 和 bob 什么也没丢；carol 沉默 ${seconds} 秒后 hub 就会忘掉她（udpTimeoutMs）`,
  );
}

step(`leaving cleanly: the client turns "exit" into /quit (src/client.ts)`, `干净地离开：客户端把 "exit" 变成 /quit（src/client.ts）`);
const goodbye = say("see you", "回头见");
type(bob, `/quit ${goodbye}`);
await sees([alice, goodbye]);

// ── 5 · The room stays open until Ctrl+C (or ends here with --exit) ──────────

console.log();
alice.conn.close();
if (cli.opts.exit) {
  log("tour over.", "导览结束。");
  await stop();
}
const udp = transport === "udp" ? " --udp" : "";
cli.suggest("tour over. The room is still open: join it from another terminal:", "导览结束。聊天室还开着，可以在另一个终端里加入：", [
  `nc${transport === "udp" ? " -u" : ""} ${server.host} ${server.port}`,
  `bun src/client.ts${udp}${cli.addressFlags(server.host, server.port)}`,
]);
log("Ctrl+C stops the server", "按 Ctrl+C 停止服务器");

async function stop() {
  hub.shutdown(); // tells everyone the server is shutting down
  await server.stop(500);
  log("bye", "再见");
  process.exit(0);
}

// ═════════════════════════════════════════════════════════════════════════════
// Beyond the article: the tour's helpers. The sections above call these.
// ═════════════════════════════════════════════════════════════════════════════

// ── B1 · Waiting for lines, and showing them ─────────────────────────────────

// Wait (at most 3 s each) until every [member, text] has arrived: a line not yet
// printed that contains `text`. Lines cross real sockets: they take a moment.
// Then print what each member received, member by member: those named here in
// that order, then the others. How the sockets' events interleaved never changes
// the output.
async function sees(...expected: [Member, string][]): Promise<void> {
  for (const [member, text] of expected) {
    const arrived = () => member.seen.slice(member.shown).some((line) => line.includes(text));
    for (let waited = 0; !arrived() && waited < 3000; waited += 10) await Bun.sleep(10);
    if (!arrived()) log(`(${member.name} did not see "${text}" within 3 s)`, `（${member.name} 在 3 秒内没有看到 "${text}"）`);
  }
  for (const member of new Set([...expected.map(([m]) => m), ...members])) {
    for (const line of member.seen.slice(member.shown)) {
      console.log(cli.fit(`   ${member.name.padEnd(5)} ${say("sees ", "看到")} `, line));
    }
    member.shown = member.seen.length;
  }
}

// A remark of the tour's, between the members' lines.
function note(en: string, zh: string) {
  console.log(cli.fit("   -> ", say(en, zh)));
}

// What bob types may hold an escape sequence: show it as \x1b, so that it
// cannot steer this terminal either.
function showControls(line: string): string {
  return line.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

// ── B2 · carol: a member who can vanish ──────────────────────────────────────
// The kit's client always says goodbye: over TCP it closes cleanly, over UDP it
// sends /quit. A crash says nothing. To show what the hub does then, carol talks
// through a bare socket of her own, which the tour drops without a word: over TCP
// with terminate() (the connection is reset: RST), over UDP by just closing it.

async function vanishing(name: string): Promise<Member & { vanish(): void }> {
  const member: Member = { name, conn: { send() {}, close() {} }, seen: [], shown: 0 };
  members.push(member);
  const hear = (text: string) => void member.seen.push(sanitize(text).text);
  if (transport === "tcp") {
    const decoder = new LineDecoder(); // framing done right, as src/ does it
    const sock = await Bun.connect({
      hostname: server.host,
      port: server.port,
      socket: {
        data: (_s, chunk) => decoder.push(chunk).forEach((frame) => frame.kind === "line" && hear(frame.text)),
        error() {},
      },
    });
    sock.write(`/nick ${name}\n`);
    return Object.assign(member, { vanish: () => sock.terminate() });
  }
  // UDP: the hub lets in only an address that can answer its challenge (docs/PROTOCOL.md).
  const sock = await Bun.udpSocket({
    connect: { hostname: server.host, port: server.port },
    socket: {
      data(_s, datagram) {
        for (const line of new TextDecoder().decode(datagram).split("\n").filter(Boolean)) {
          const token = parseChallenge(line);
          if (token === undefined) hear(line);
          else sock.send(`/join ${token}\n`);
        }
      },
      error() {}, // her own bounces, once she is gone: nothing to say
    },
  });
  sock.send(`/join ${name}\n`);
  return Object.assign(member, { vanish: () => sock.close() });
}

// ── B3 · When the port is busy ───────────────────────────────────────────────

function cannotListen(err: unknown): never {
  const code = (err as { code?: string }).code ?? (err as Error).message;
  const where = `${settings.host}:${settings.port}`;
  if (code === "EADDRINUSE") {
    cli.warn(`cannot listen on ${where}: the port is in use (EADDRINUSE). Is another lesson or the server running? Stop it, or try --port 0`, `无法监听 ${where}：端口已被占用（EADDRINUSE）。是不是另一课或服务器还在运行？先停掉它，或者试试 --port 0`);
  } else {
    cli.warn(`cannot listen on ${where} (${code})`, `无法监听 ${where}（${code}）`);
  }
  process.exit(1);
}

// ── B4 · The command line: options, defaults and --help, in two languages ────

function commandLine() {
  return {
    name: "chat",
    file: "lessons/04-chat.ts",
    about: ["a guided tour of the real chat program in src/ (the article's chapter 4).", "导览 src/ 里真正的聊天程序（原文第 4 章）。"],
    examples: [
      ["bun lessons/04-chat.ts", "the tour over TCP; the room stays open for nc or bun src/client.ts", "TCP 上的导览；之后聊天室一直开着，可以用 nc 或 bun src/client.ts 加入"],
      ["bun lessons/04-chat.ts --udp --lang zh", "over UDP, in Chinese", "走 UDP，用中文"],
      ["bun src/server.ts --help", "the real server, with all its settings", "真正的服务器，以及它的全部设置"],
    ],
    options: {
      host: { type: "string", value: "<address>", default: DEFAULTS.host, help: ["address to listen on", "监听的地址"] },
      port: {
        type: "string", value: "<n>", default: process.env.PORT ?? String(DEFAULTS.port),
        help: ["port, 0 picks a free one (or set env PORT)", "端口，0 表示任选一个空闲端口（也可以设环境变量 PORT）"],
      },
      udp: { type: "boolean", help: ["UDP instead of TCP", "用 UDP 而不是 TCP"] },
      exit: { type: "boolean", help: ["stop after the tour instead of staying open", "导览结束后就退出，而不是一直开着"] },
    },
  } as const;
}
