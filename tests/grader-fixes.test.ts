/**
 * The grader's fixes, proven: every line of every fix snippet in the catalogue
 * (tools/grader/misconceptions.ts), Python and TypeScript, is spliced into a
 * broken program it fixes, and that program then passes the checks it failed.
 * The broken programs are the mutants of tests/fixtures/mutants/ (read, never
 * changed: each case below copies one and edits the copy), and small ones
 * written here, for a misconception that has no mutant in that language (each
 * proven to fail, with that misconception named, before its fix).
 *
 * A crash has no code fix (NO_CODE_FIX): what needs fixing is the learner's own
 * line, which the report quotes. Exercise 06's misconceptions have no Python fix
 * (NO_PYTHON_FIX): Python's standard library has no WebSocket, so 06 is TypeScript's.
 *
 * A case names where each piece goes, by line number, and `sees` a word of the
 * lines it replaces, so a mutant that changed says so instead of failing
 * strangely. Besides a snippet's lines, a case may add "glue": what the rest of
 * the learner's program would hold (a handle() the snippet calls, a renamed
 * variable). A snippet's imports go to the top of the file, as a learner puts them.
 *
 * Past 400 lines: it is one table, a case per fix and broken program.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_SEED } from "../tools/grader/bun-test.ts";
import type { ExerciseId } from "../tools/grader/exam.ts";
import { commandFrom } from "../tools/grader/exercises.ts";
import { CHECKS } from "../tools/grader/checks/index.ts";
import { diagnose, MISCONCEPTIONS, type MisconceptionId, type ProgramKind } from "../tools/grader/misconceptions.ts";
import { formatFailure, formatVerdict } from "../tools/grader/report.ts";
import { checksFor, runChecks, verdictOf } from "../tools/grader/run.ts";
import { ROOT, runToEnd, stripAnsi, type Transport } from "../tools/harness/index.ts";

/** Lines `from`..`to` of a catalogue fix (1-based, both included; all when left out), indented by `indent` more. */
type Piece = { fix: MisconceptionId; in?: ExerciseId; lines?: [number, number]; indent?: string };
/**
 * Lines `lines[0]`..`lines[1]` of the program (1-based; [n, n - 1] puts between lines
 * n - 1 and n), one of which holds `sees`, replaced by `put`: glue lines and catalogue
 * pieces, at the first replaced line's indentation (or `indent`).
 */
type Edit = { lines: [number, number]; sees: string; put: (string | Piece)[]; indent?: string };
type Case = {
  /** The fix this case is about, in this language (others may be used in its edits too). */
  kind: ProgramKind;
  /** A file of tests/fixtures/mutants/, or one of the programs written below. */
  program: string;
  lesson: ExerciseId;
  transport: Transport;
  checks: string[];
  edits: Edit[];
};

/** A mutant as a program: without its corpus labels ("# expect: 01 tcp -> ..."), which the line numbers below skip. */
const mutant = (file: string) =>
  readFileSync(join(ROOT, "tests/fixtures/mutants", file), "utf8").replace(/^(#|\/\/) expect: .*\n/gm, "");
const fix = (id: MisconceptionId, o: Omit<Piece, "fix"> = {}): Piece => ({ fix: id, ...o });

/**
 * Broken programs for what has no mutant in that language. Each must fail the
 * checks its case names (proven below), or its case would prove nothing.
 */
const WRITTEN_HERE: Record<
  string,
  {
    text: string;
    fails: string[];
    lesson: ExerciseId;
    transport: Transport;
    /** What its failure is named. */ named?: MisconceptionId;
  }
> = {
  // A thread per client, each read decoded by itself: a character cut between two reads raises.
  "decode-per-read.py": {
    lesson: "01",
    transport: "tcp",
    fails: ["01.utf8"],
    text: String.raw`import socket, sys, threading, time

port = int(sys.argv[sys.argv.index("--port") + 1])


def serve(conn):
    buffered = ""
    while True:
        data = conn.recv(1024)
        if not data:
            break
        buffered += data.decode("utf-8")
        while "\n" in buffered:
            line, buffered = buffered.split("\n", 1)
            conn.sendall(("[%s] %s\n" % (time.ctime(), line)).encode())
    conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(16)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
`,
  },
  // A select() echo server with one buffer for every client.
  "shared-state.py": {
    lesson: "01",
    transport: "tcp",
    fails: ["01.many"],
    text: String.raw`import select, socket, sys, time

port = int(sys.argv[sys.argv.index("--port") + 1])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(16)
clients = []
buffered = b""
while True:
    readable, _, _ = select.select([server] + clients, [], [])
    for sock in readable:
        if sock is server:
            conn, _ = server.accept()
            clients.append(conn)
            continue
        data = sock.recv(1024)
        if not data:
            clients.remove(sock)
            sock.close()
            continue
        buffered += data
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            sock.sendall(("[%s] %s\n" % (time.ctime(), line.decode())).encode())
`,
  },
  // A UDP hub that sends each datagram once. On Linux a Python UDP socket that is
  // not connected never hears of a bounce, so this one passes even unfixed: its
  // case proves the Python retry runs and keeps the hub right, not that it is needed.
  "stale-error.py": {
    lesson: "02",
    transport: "udp",
    fails: [],
    text: String.raw`import socket, sys

port = int(sys.argv[sys.argv.index("--port") + 1])
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", port))
members = []
while True:
    data, address = udp.recvfrom(65536)
    text = data.decode().rstrip("\n")
    if address not in members:
        members.append(address)
    if text == "/quit":
        members.remove(address)
        continue
    for other in members:
        if other != address:
            try:
                udp.sendto(data, other)
            except OSError:
                pass
`,
  },
  // Python's accept loop written in TypeScript: each connection served to its end before the next.
  "one-at-a-time.ts": {
    lesson: "01",
    transport: "tcp",
    fails: ["01.silent", "01.several"],
    text: String.raw`import net from "node:net";
import { on } from "node:events";

const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
process.on("SIGTERM", () => process.exit(0));
const server = net.createServer().listen(port, "127.0.0.1");
async function serve(sock: net.Socket) {
  let buffered = "";
  for await (const chunk of sock) {
    buffered += chunk.toString();
    let i;
    while ((i = buffered.indexOf("\n")) >= 0) {
      sock.write("[" + new Date().toString().slice(0, 24) + "] " + buffered.slice(0, i) + "\n");
      buffered = buffered.slice(i + 1);
    }
  }
}
for await (const [sock] of on(server, "connection")) await serve(sock);
`,
  },
  // A TCP hub that frames lines and skips the sender, but relays each line bare.
  "no-name.ts": {
    lesson: "02",
    transport: "tcp",
    fails: ["02.names"],
    named: "no-sender-name",
    text: String.raw`import { parseArgs } from "node:util";
import type { Socket } from "bun";
const { values } = parseArgs({ options: { port: { type: "string" }, udp: { type: "boolean" } } });
type C = { buf: string; dec: TextDecoder };
const clients = new Set<Socket<C>>();
const broadcast = (line: string, from?: Socket<C>) => {
  for (const c of clients) if (c !== from) c.write(line + "\n");
};
Bun.listen<C>({
  hostname: "127.0.0.1",
  port: Number(values.port),
  socket: {
    open(s) {
      s.data = { buf: "", dec: new TextDecoder() };
      clients.add(s);
    },
    data(s, chunk) {
      s.data.buf += s.data.dec.decode(chunk, { stream: true });
      const lines = s.data.buf.split("\n");
      s.data.buf = lines.pop()!;
      for (const line of lines) broadcast(line, s); // whose line?
    },
    close(s) {
      clients.delete(s);
    },
  },
});
process.on("SIGTERM", () => process.exit(0));
`,
  },
  // A TCP client that cleans what one read returned, its "\n" included, and never cuts it into lines.
  "eats-newline.ts": {
    lesson: "03",
    transport: "tcp",
    fails: ["03.two-lines"],
    named: "lines-run-together",
    text: String.raw`import { parseArgs } from "node:util";
import { clearLine, createInterface, cursorTo } from "node:readline";
const { values } = parseArgs({ options: { port: { type: "string" }, udp: { type: "boolean" } } });
const bad = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const clean = (text: string) => text.replace(bad, "\uFFFD");
let rl: ReturnType<typeof createInterface> | undefined;
const print = (text: string) => {
  clearLine(process.stdout, 0);
  cursorTo(process.stdout, 0);
  process.stdout.write(text + "\n");
  rl?.prompt(true);
};
const decoder = new TextDecoder();
const sock = await Bun.connect({
  hostname: "127.0.0.1",
  port: Number(values.port),
  socket: {
    data(_s, chunk) {
      print(clean(decoder.decode(chunk, { stream: true }).replace(/\n$/, ""))); // cleaned, never cut
    },
  },
});
// What was typed before the hub answered waits in stdin for this reader.
const keys = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
rl = keys;
keys.on("line", (line) => (line === "exit" ? keys.close() : (sock.write(line + "\n"), keys.prompt())));
keys.on("SIGINT", () => keys.close());
keys.on("close", () => (sock.end(), process.exit(0)));
keys.prompt();
`,
  },
  // A UDP echo that keeps the newline a datagram brings and adds its own.
  "blank-line.ts": {
    lesson: "01",
    transport: "udp",
    fails: ["01.reply"],
    named: "blank-line",
    text: String.raw`import { parseArgs } from "node:util";
const { values } = parseArgs({ options: { port: { type: "string" }, udp: { type: "boolean" } } });
const time = () => new Date().toTimeString().slice(0, 8);
await Bun.udpSocket({
  hostname: "127.0.0.1",
  port: Number(values.port),
  socket: {
    data(sock, buf, port, address) {
      const line = new TextDecoder().decode(buf); // its "\n" is kept
      sock.send(time() + " " + line + "\n", port, address);
    },
    error() {},
  },
});
process.on("SIGTERM", () => process.exit(0));
`,
  },
  // A TCP echo that listens on 9009 whatever it is given.
  "port-9009.ts": {
    lesson: "01",
    transport: "tcp",
    fails: ["01.reply"],
    named: "hard-coded-port",
    text: String.raw`const port = 9009; // never read from --port or PORT
const time = () => new Date().toTimeString().slice(0, 8);
Bun.listen<{ buf: string; dec: TextDecoder }>({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(s) {
      s.data = { buf: "", dec: new TextDecoder() };
    },
    data(s, chunk) {
      s.data.buf += s.data.dec.decode(chunk, { stream: true });
      const lines = s.data.buf.split("\n");
      s.data.buf = lines.pop()!;
      for (const line of lines) s.write(time() + " " + line + "\n");
    },
  },
});
process.on("SIGTERM", () => process.exit(0));
`,
  },
};

// Glue the Python cases share.
const PY_REPLY = String.raw`    sock.sendall(("[%s] %s\n" % (time.ctime(), line)).encode())`;
/** A hub's drop(sock): shut the socket down; select() then reports it, and the hub's own leave code removes it. */
const PY_DROP = [
  "def drop(sock):",
  "    try:",
  "        sock.shutdown(socket.SHUT_RDWR)",
  "    except OSError:",
  "        pass",
];

const CASES: Case[] = [
  // ── one read is one message ──
  {
    kind: "python",
    program: "01-article-echo.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.merged", "01.split"],
    edits: [
      { lines: [19, 18], sees: "while True:", put: ["def handle(line):", PY_REPLY, ""] },
      { lines: [23, 22], sees: "while True:", put: ['buffers = {client: b""}', "sock = client"], indent: "    " },
      { lines: [27, 28], sees: "answer =", put: ["data = chunk", fix("one-read-one-message")] },
    ],
  },
  {
    kind: "bun",
    program: "01-one-read.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.merged", "01.split"],
    edits: [
      { lines: [5, 4], sees: "Bun.listen", put: ['const handle = (s, line) => s.write(time() + " " + line + "\\n");'] },
      {
        lines: [9, 8],
        sees: "data(s, chunk)",
        put: ["open(s) {", '  s.data = { buffered: "", decoder: new TextDecoder() };', "},"],
      },
      { lines: [10, 10], sees: "s.write", put: [fix("one-read-one-message")] },
    ],
  },
  // ── each read decoded on its own ──
  {
    kind: "python",
    program: "decode-per-read.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.utf8", "01.split"],
    edits: [
      { lines: [7, 7], sees: 'buffered = ""', put: ['buffered = ""', fix("decode-per-read", { lines: [1, 2] })] },
      { lines: [12, 12], sees: "data.decode", put: [fix("decode-per-read", { lines: [3, 3] }), "buffered += text"] },
    ],
  },
  {
    kind: "bun",
    program: "01-decode-per-read.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.utf8", "01.split"],
    edits: [
      { lines: [11, 11], sees: "s.data =", put: [fix("decode-per-read", { lines: [1, 1] })] },
      {
        lines: [14, 20],
        sees: "new TextDecoder().decode(chunk)",
        put: [
          fix("decode-per-read", { lines: [2, 2] }),
          "let i;",
          'while ((i = s.data.buffered.indexOf("\\n")) >= 0) {',
          "  const line = s.data.buffered.slice(0, i);",
          "  s.data.buffered = s.data.buffered.slice(i + 1);",
          '  s.write("[" + new Date().toString().slice(0, 24) + "] " + line + "\\n");',
          "}",
        ],
      },
    ],
  },
  // ── no newline at the end ──
  {
    kind: "python",
    program: "03-article-client.py",
    lesson: "03",
    transport: "tcp",
    checks: ["03.chat"],
    edits: [
      { lines: [31, 31], sees: "conn.sendall(typed.encode())", put: ["sock, line = conn, typed", fix("no-newline")] },
    ],
  },
  {
    kind: "bun",
    program: "01-no-newline.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.reply"],
    edits: [{ lines: [18, 18], sees: "s.write", put: [fix("no-newline")] }],
  },
  // ── the clients table is never filled ──
  {
    kind: "python",
    program: "04-article-chat.py",
    lesson: "02",
    transport: "tcp",
    checks: ["02.relay"],
    edits: [
      { lines: [41, 41], sees: "clients = {}", put: ["clients = []"] },
      { lines: [46, 46], sees: "sock.accept()", put: [fix("clients-never-added")] },
    ],
  },
  {
    kind: "bun",
    program: "02-never-added.ts",
    lesson: "02",
    transport: "tcp",
    checks: ["02.relay"],
    edits: [{ lines: [18, 17], sees: "broadcast(", put: [fix("clients-never-added")] }],
  },
  // ── sent back to the sender (the article's hub: framed first, with the fix above) ──
  {
    kind: "python",
    program: "02-article-hub.py",
    lesson: "02",
    transport: "tcp",
    checks: ["02.no-echo", "02.relay"],
    edits: [
      {
        lines: [18, 24],
        sees: "def broadcast(data):",
        put: [
          "buffers = {}",
          "",
          "",
          "def broadcast(line, sender=None):",
          "    clients = [s for s in inputs if s is not server]",
          fix("echo-to-sender", { lines: [1, 2], indent: "    " }),
          "            try:",
          fix("echo-to-sender", { lines: [3, 3], indent: "        " }),
          "            except OSError:",
          "                pass",
          "",
          "",
          "def handle(line):",
          String.raw`    broadcast(("<%s:%s> %s\n" % (host, port, line)).encode(), sock)`,
        ],
      },
      {
        lines: [41, 41],
        sees: "broadcast((",
        put: ['buffers.setdefault(sock, b"")', fix("one-read-one-message")],
      },
    ],
  },
  {
    kind: "bun",
    program: "02-echo-to-sender.ts",
    lesson: "02",
    transport: "tcp",
    checks: ["02.no-echo", "02.relay"],
    edits: [
      {
        lines: [7, 8],
        sees: "const toAll",
        put: ["const toAll = (line: string, from?: Socket<C>) => {", fix("echo-to-sender", { indent: "  " })],
      },
      { lines: [25, 25], sees: "toAll(", put: ["toAll(`<${s.data.name}> ${line}`, s);"] },
    ],
  },
  // ── clients never removed ──
  {
    kind: "python",
    program: "02-never-removed.py",
    lesson: "02",
    transport: "tcp",
    checks: ["02.vanish"],
    edits: [
      { lines: [18, 17], sees: "", put: ["clients = members"] },
      { lines: [37, 38], sees: "sock.close()  # BUG", put: [fix("clients-never-removed")] },
    ],
  },
  {
    kind: "python",
    program: "02-keeps-leavers.py",
    lesson: "02",
    transport: "tcp",
    checks: ["02.vanish"],
    edits: [
      { lines: [22, 21], sees: "", put: ["clients = members"] },
      {
        lines: [48, 49],
        sees: "inputs.remove(sock)  # BUG",
        put: [fix("clients-never-removed"), "    inputs.remove(sock)"],
      },
    ],
  },
  {
    kind: "bun",
    program: "02-never-removed.ts",
    lesson: "02",
    transport: "udp",
    checks: ["02.quit"],
    edits: [
      { lines: [30, 29], sees: '"/quit"', put: ["const key = name, members = clients;", fix("clients-never-removed")] },
    ],
  },
  {
    kind: "bun",
    program: "02-no-quit.ts",
    lesson: "02",
    transport: "udp",
    checks: ["02.quit"],
    edits: [
      {
        lines: [36, 36],
        sees: 'BUG: "/quit" too',
        put: [
          "const key = name;",
          'for (const line of text.split("\\n")) {',
          fix("clients-never-removed", { indent: "  " }),
          '  if (line === "/quit") relay(`*** ${name} left`);',
          '  else if (line !== "") relay(`<${name}> ${line}`, name);',
          "}",
        ],
      },
    ],
  },
  // ── crashes when a client resets ──
  {
    kind: "python",
    program: "01-crash-on-reset.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.reset"],
    edits: [{ lines: [22, 22], sees: "sock.recv(1024)", put: [fix("crash-on-reset")] }],
  },
  {
    kind: "bun",
    program: "01-udp-crash.ts",
    lesson: "01",
    transport: "udp",
    checks: ["01.reset"],
    edits: [
      // Not crashing is not enough: the bounce comes back on the next send, the reply to the
      // one who stayed, which goes once more (the fix the grader names next).
      {
        lines: [11, 12],
        sees: "sock.send(",
        put: [
          'const text = new TextDecoder().decode(buf).replace(/\\r?\\n$/, "");',
          "const line = `${time()} ${text}`, m = { port, address };",
          fix("udp-stale-error"),
        ],
      },
      { lines: [14, 20], sees: "error(", put: [fix("crash-on-reset")] },
    ],
  },
  // ── UDP treated like TCP: an echo server, a hub, a client ──
  {
    kind: "python",
    program: "01-article-echo.py",
    lesson: "01",
    transport: "udp",
    checks: ["01.reply", "01.udp-plain"],
    edits: [
      {
        lines: [15, 14],
        sees: "listener = socket.socket",
        put: [
          'if "--udp" in sys.argv:',
          "    def reply(data):",
          String.raw`        return ("[%s] %s\n" % (time.ctime(), data.decode().rstrip("\n"))).encode()`,
          fix("udp-like-tcp", { indent: "    " }),
        ],
      },
    ],
  },
  {
    kind: "bun",
    program: "01-udp-stream.ts",
    lesson: "01",
    transport: "udp",
    checks: ["01.udp-plain"],
    edits: [
      { lines: [7, 7], sees: "const buffers", put: ['const reply = (line: string) => time() + " " + line + "\\n";'] },
      { lines: [12, 26], sees: "data(sock, buf, port, address)", put: [fix("udp-like-tcp")] },
    ],
  },
  {
    kind: "python",
    program: "02-sendall.py",
    lesson: "02",
    transport: "udp",
    checks: ["02.relay", "02.names"],
    edits: [
      {
        lines: [12, 11],
        sees: "server = socket.socket",
        put: [
          'if "--udp" in sys.argv:',
          "    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
          '    udp.bind(("127.0.0.1", args.port))',
          "    members = []",
          "    while True:",
          fix("udp-like-tcp", { in: "02", indent: "        " }),
        ],
      },
    ],
  },
  {
    kind: "bun",
    program: "02-short-write.ts",
    lesson: "02",
    transport: "udp",
    checks: ["02.relay", "02.names"],
    edits: [
      {
        lines: [13, 13],
        sees: "Bun.listen<C>({",
        put: [
          "if (values.udp) {",
          "  const members = new Map<string, { port: number; address: string }>();",
          "  await Bun.udpSocket({",
          '    hostname: "127.0.0.1",',
          "    port: Number(values.port),",
          "    socket: {",
          "      data(sock, buf, port, address) {",
          fix("udp-like-tcp", { in: "02", indent: "        " }),
          "      },",
          "      error() {},",
          "    },",
          "  });",
          "} else Bun.listen<C>({",
        ],
      },
    ],
  },
  {
    kind: "python",
    program: "03-article-client.py",
    lesson: "03",
    transport: "udp",
    checks: ["03.chat"],
    edits: [
      {
        lines: [36, 42],
        sees: "socket.create_connection",
        put: [
          "port = PORT",
          fix("tcp-only", { in: "03", lines: [1, 2] }),
          'sock.bind(("127.0.0.1", 0))',
          "threading.Thread(target=listen, args=(sock,), daemon=True).start()",
          "while True:",
          '    line = input("")',
          fix("tcp-only", { in: "03", lines: [3, 3], indent: "    " }),
        ],
      },
    ],
  },
  {
    kind: "bun",
    program: "03-no-leave.ts",
    lesson: "03",
    transport: "udp",
    checks: ["03.chat"],
    edits: [
      {
        lines: [19, 29],
        sees: "Bun.udpSocket",
        put: [
          "const onDatagram = (_s: unknown, buf: Buffer) => {",
          '  for (const line of new TextDecoder().decode(buf).replace(/\\n$/, "").split("\\n")) print(line);',
          "};",
          fix("udp-like-tcp", { in: "03", lines: [1, 1] }),
          "send = (line) => {",
          fix("udp-like-tcp", { in: "03", lines: [2, 2], indent: "  " }),
          "};",
        ],
      },
    ],
  },
  // ── a bounced datagram's error swallowed ──
  {
    kind: "python",
    program: "stale-error.py",
    lesson: "02",
    transport: "udp",
    checks: ["02.vanish"],
    edits: [{ lines: [17, 20], sees: "try:", put: [fix("udp-stale-error")] }],
  },
  {
    kind: "bun",
    program: "02-swallowed-send.ts",
    lesson: "02",
    transport: "udp",
    checks: ["02.vanish"],
    edits: [{ lines: [18, 22], sees: "try {", put: [fix("udp-stale-error")] }],
  },
  // ── one client's silence stalls everyone, one client at a time ──
  {
    kind: "python",
    program: "01-blocking.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.silent", "01.several"],
    edits: [
      { lines: [14, 15], sees: "server.accept()", put: ["def serve(conn):"] },
      {
        lines: [29, 28],
        sees: "",
        put: ["", "", "while True:", "    conn, addr = server.accept()", fix("silence-stalls", { indent: "    " })],
      },
    ],
  },
  {
    kind: "bun",
    program: "one-at-a-time.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.silent", "01.several"],
    edits: [{ lines: [18, 18], sees: "for await (const [sock]", put: [fix("one-client-at-a-time")] }],
  },
  // ── one slow reader stalls everyone, writes assumed complete ──
  {
    kind: "python",
    program: "02-sendall.py",
    lesson: "02",
    transport: "tcp",
    checks: ["02.slow-reader"],
    edits: [
      { lines: [20, 19], sees: "def relay", put: [...PY_DROP, "", ""] },
      { lines: [23, 26], sees: "sock.sendall(line)", put: [fix("blocking-send", { lines: [2, 7] })] },
      { lines: [34, 33], sees: "names[conn]", put: [fix("blocking-send", { lines: [1, 1] })] },
    ],
  },
  {
    kind: "bun",
    program: "02-await-send.ts",
    lesson: "02",
    transport: "tcp",
    checks: ["02.slow-reader"],
    edits: [
      {
        lines: [11, 26],
        sees: "async function writeAll",
        put: [
          "type Conn = C;",
          fix("blocking-send"),
          "const broadcast = (line: string, from?: Socket<C>) => {",
          '  for (const c of clients) if (c !== from) send(c, line + "\\n");',
          "};",
        ],
      },
      {
        lines: [32, 32],
        sees: "s.data =",
        put: [
          's.data = { name: `127.0.0.1:${s.remotePort}`, buf: "", dec: new TextDecoder(), queue: Buffer.alloc(0) };',
        ],
      },
      { lines: [45, 47], sees: "drain(s)", put: ["drain: flush,"] },
    ],
  },
  {
    kind: "python",
    program: "01-send-once.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.slow-reader"],
    edits: [
      // sendall() waits until all is sent: its socket stays blocking.
      { lines: [22, 22], sees: "conn.setblocking(False)", put: [] },
      { lines: [39, 42], sees: "sock.send(reply)", put: [fix("writes-assumed-complete")] },
    ],
  },
  {
    kind: "python",
    program: "02-short-send.py",
    lesson: "02",
    transport: "tcp",
    checks: ["02.slow-reader"],
    edits: [
      { lines: [20, 19], sees: "def relay", put: [...PY_DROP, "", ""] },
      { lines: [23, 26], sees: "sock.send(line)", put: [fix("writes-assumed-complete", { in: "02", lines: [2, 7] })] },
    ],
  },
  {
    kind: "bun",
    program: "01-short-write.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.slow-reader"],
    edits: [
      {
        lines: [6, 6],
        sees: "Bun.listen<",
        put: [
          "type Conn = { buf: string; dec: TextDecoder; queue: Buffer };",
          fix("writes-assumed-complete"),
          "Bun.listen<Conn>({",
        ],
      },
      {
        lines: [11, 11],
        sees: "s.data =",
        put: ['s.data = { buf: "", dec: new TextDecoder(), queue: Buffer.alloc(0) };'],
      },
      { lines: [13, 12], sees: "data(s, chunk)", put: ["drain: flush,"] },
      { lines: [19, 19], sees: "s.write(", put: ["send(s, `${time()} ${line}\\n`);"] },
    ],
  },
  {
    kind: "bun",
    program: "02-short-write.ts",
    lesson: "02",
    transport: "tcp",
    checks: ["02.slow-reader"],
    edits: [
      {
        lines: [8, 8],
        sees: "type C =",
        put: ["type C = { name: string; buf: string; dec: TextDecoder; queue: Buffer };", "type Conn = C;"],
      },
      { lines: [10, 9], sees: "const broadcast", put: [fix("writes-assumed-complete", { in: "02" })] },
      {
        lines: [11, 11],
        sees: "c.write(",
        put: ['  for (const c of clients) if (c !== from) send(c, line + "\\n");'],
        indent: "",
      },
      { lines: [17, 16], sees: "open(s)", put: ["drain: flush,"] },
      {
        lines: [18, 18],
        sees: "s.data =",
        put: [
          's.data = { name: `127.0.0.1:${s.remotePort}`, buf: "", dec: new TextDecoder(), queue: Buffer.alloc(0) };',
        ],
      },
    ],
  },
  // ── one state object shared by all sockets (framed with the fix for one read) ──
  {
    kind: "python",
    program: "shared-state.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.many"],
    edits: [
      { lines: [9, 9], sees: 'buffered = b""', put: ["buffers = {}", "", "", "def handle(line):", PY_REPLY] },
      { lines: [16, 15], sees: "continue", put: [fix("shared-state", { lines: [1, 1] })] },
      {
        lines: [22, 25],
        sees: "buffered += data",
        put: [fix("shared-state", { lines: [2, 2] }), fix("one-read-one-message", { lines: [2, 4] })],
      },
    ],
  },
  {
    kind: "bun",
    program: "01-shared-state.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.many"],
    edits: [
      {
        lines: [5, 5],
        sees: "const state",
        put: ['const handle = (s, line) => s.write(time() + " " + line + "\\n");'],
      },
      { lines: [10, 9], sees: "data(s, chunk)", put: [fix("shared-state")] },
      { lines: [11, 17], sees: "state.buf = Buffer.concat", put: [fix("one-read-one-message")] },
    ],
  },
  // ── a thread prints over the prompt (and its line sent with "\n", the fix above) ──
  {
    kind: "python",
    program: "03-article-client.py",
    lesson: "03",
    transport: "tcp",
    checks: ["03.half-typed"],
    edits: [
      { lines: [21, 21], sees: "print(text)", put: ["message = text", fix("prints-over-prompt")] },
      { lines: [31, 31], sees: "conn.sendall(typed.encode())", put: ["sock, line = conn, typed", fix("no-newline")] },
    ],
  },
  {
    kind: "bun",
    program: "03-print-over.ts",
    lesson: "03",
    transport: "tcp",
    checks: ["03.half-typed"],
    edits: [
      {
        lines: [36, 36],
        sees: "process.stdout.write(clean(line)",
        put: ["for (const message of lines.map(clean)) {", fix("prints-over-prompt", { indent: "  " }), "}"],
      },
    ],
  },
  // ── bytes from the network printed raw ──
  {
    kind: "python",
    program: "03-article-client.py",
    lesson: "03",
    transport: "tcp",
    checks: ["03.controls"],
    edits: [{ lines: [21, 21], sees: "print(text)", put: [fix("raw-bytes"), "print(text)"] }],
  },
  {
    kind: "bun",
    program: "03-raw.ts",
    lesson: "03",
    transport: "tcp",
    checks: ["03.controls"],
    edits: [
      {
        lines: [12, 12],
        sees: "process.stdout.write(text",
        put: [fix("raw-bytes"), 'process.stdout.write(text + "\\n");'],
      },
    ],
  },
  // ── SIGTERM not handled ──
  {
    kind: "python",
    program: "01-article-echo.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.sigterm"],
    edits: [{ lines: [15, 14], sees: "listener = socket.socket", put: [fix("ignores-sigterm")] }],
  },
  {
    kind: "bun",
    program: "01-no-sigterm.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.sigterm"],
    edits: [{ lines: [62, 62], sees: "BUG", put: [fix("ignores-sigterm")] }],
  },
  // ── the client does not leave cleanly ──
  {
    kind: "python",
    program: "03-article-client.py",
    lesson: "03",
    transport: "tcp",
    checks: ["03.leave-ctrld", "03.leave-ctrlc", "03.leave-exit"],
    edits: [
      {
        lines: [36, 42],
        sees: "socket.create_connection",
        put: [
          'sock = socket.create_connection(("127.0.0.1", PORT))',
          "threading.Thread(target=listen, args=(sock,), daemon=True).start()",
          fix("no-clean-leave"),
        ],
      },
    ],
  },
  ...(["tcp", "udp"] as const).map((transport): Case => ({
    kind: "bun",
    program: "03-no-leave.ts",
    lesson: "03",
    transport,
    checks: ["03.leave-ctrld", "03.leave-ctrlc", "03.leave-exit"],
    edits: [
      {
        lines: [48, 51],
        sees: "rl.on(",
        put: ['const leave = () => (values.udp ? send("/quit") : undefined);', fix("no-clean-leave")],
      },
    ],
  })),
  // ── uses TCP only, even given --udp (the UDP serving itself: the fixes for UDP treated like TCP) ──
  {
    kind: "python",
    program: "01-article-echo.py",
    lesson: "01",
    transport: "udp",
    checks: ["01.reply", "01.udp-plain"],
    edits: [
      {
        lines: [15, 14],
        sees: "listener = socket.socket",
        put: [
          "def reply(data):",
          String.raw`    return ("[%s] %s\n" % (time.ctime(), data.decode().rstrip("\n"))).encode()`,
          "",
          "",
          "def serve_udp(udp):",
          fix("udp-like-tcp", { lines: [4, 6], indent: "    " }),
          "",
          "",
          fix("tcp-only"),
          "",
        ],
      },
    ],
  },
  {
    kind: "bun",
    program: "01-no-newline.ts",
    lesson: "01",
    transport: "udp",
    checks: ["01.reply", "01.udp-plain"],
    edits: [
      { lines: [21, 22], sees: "});", put: ["};", fix("tcp-only")] },
      {
        lines: [5, 8],
        sees: "Bun.listen<",
        put: [
          "const port = Number(values.port);",
          "const reply = (line: string) => `${time()} ${line}\\n`;",
          "const udp = {",
          fix("udp-like-tcp", { indent: "  " }),
          fix("crash-on-reset", { indent: "  " }),
          "};",
          "const tcp = {",
        ],
      },
    ],
  },
  // ── the sender is not named ──
  ...(["tcp", "udp"] as const).map((transport): Case => ({
    kind: "python",
    program: "02-no-name.py",
    lesson: "02",
    transport,
    checks: ["02.names"],
    edits: [
      {
        lines: [103, 103],
        sees: "BUG: whose line?",
        put: [
          'address, line = sock.getpeername(), line.rstrip(b"\\r").decode("utf-8", "replace")',
          fix("no-sender-name"),
          'relay(message + "\\n", sock)',
        ],
      },
      {
        lines: [47, 47],
        sees: "BUG: whose line?",
        put: ['line = line.rstrip("\\r")', fix("no-sender-name"), "relay(message, address)"],
      },
    ],
  })),
  {
    kind: "bun",
    program: "no-name.ts",
    lesson: "02",
    transport: "tcp",
    checks: ["02.names"],
    edits: [
      {
        lines: [21, 21],
        sees: "whose line?",
        put: ["for (const line of lines)", fix("no-sender-name", { indent: "  " })],
      },
    ],
  },
  // ── two lines read at once shown as one (cleaned with the control characters of the fix for raw bytes) ──
  ...(["tcp", "udp"] as const).map((transport): Case => ({
    kind: "python",
    program: "03-eats-newline.py",
    lesson: "03",
    transport,
    checks: ["03.two-lines"],
    edits: [
      { lines: [32, 33], sees: "BUG: cleaned before", put: [fix("lines-run-together")] },
      { lines: [24, 23], sees: "while True:", put: ['buffered, print = b"", show'] },
      { lines: [14, 14], sees: "BAD =", put: [fix("raw-bytes", { lines: [2, 2] }), "BAD = CONTROLS"] },
    ],
  })),
  {
    kind: "bun",
    program: "eats-newline.ts",
    lesson: "03",
    transport: "tcp",
    checks: ["03.two-lines"],
    edits: [
      { lines: [19, 19], sees: "never cut", put: [fix("lines-run-together")] },
      { lines: [13, 13], sees: "const decoder", put: ["const decoder = new TextDecoder();", 'let buffered = "";'] },
    ],
  },
  // ── a blank line after each reply ──
  {
    kind: "python",
    program: "01-blank-line.py",
    lesson: "01",
    transport: "udp",
    checks: ["01.reply"],
    edits: [{ lines: [22, 22], sees: "BUG", put: [fix("blank-line")] }],
  },
  {
    kind: "bun",
    program: "blank-line.ts",
    lesson: "01",
    transport: "udp",
    checks: ["01.reply"],
    edits: [{ lines: [9, 9], sees: "is kept", put: [fix("blank-line")] }],
  },
  // ── the port is hard-coded ──
  {
    kind: "python",
    program: "01-port-9009.py",
    lesson: "01",
    transport: "tcp",
    checks: ["01.reply"],
    edits: [{ lines: [7, 7], sees: "PORT = 9009", put: [fix("hard-coded-port"), "PORT = port"] }],
  },
  {
    kind: "bun",
    program: "port-9009.ts",
    lesson: "01",
    transport: "tcp",
    checks: ["01.reply"],
    edits: [{ lines: [1, 1], sees: "const port = 9009", put: [fix("hard-coded-port")] }],
  },
  // ── exercise 06, TypeScript only (NO_PYTHON_FIX) ──
  // A frame taken for a line: the hub's stream framed on "\n" (what the mutant gets wrong), and a
  // browser's frame cut into lines (it already does: 06.frames proves the fix's way keeps it right).
  {
    kind: "bun",
    program: "06-frame-per-read.ts",
    lesson: "06",
    transport: "tcp",
    checks: ["06.hub-lines", "06.frames"],
    edits: [
      {
        lines: [65, 69],
        sees: 'message.replace(/\\n$/, "")',
        put: [
          "const toHub = (line: string) =>",
          "  ws.data.toHub ? ws.data.toHub(line) : ws.data.waiting.push(line);",
          fix("frame-not-line", { lines: [1, 1] }),
        ],
      },
      { lines: [51, 51], sees: "one read, one frame", put: [fix("frame-not-line", { lines: [2, 6] })] },
    ],
  },
  // Text frames: the hub's bytes decoded once per connection, each line sent as a string.
  {
    kind: "bun",
    program: "06-binary-frames.ts",
    lesson: "06",
    transport: "tcp",
    checks: ["06.relay", "06.hub-lines", "06.text"],
    edits: [
      { lines: [80, 80], sees: "a binary frame", put: [fix("frames-not-text", { lines: [3, 3] })] },
      {
        lines: [78, 78],
        sees: "function toBrowser",
        put: ["function toBrowser(ws: ServerWebSocket<Browser>, text: string) {"],
      },
      {
        lines: [50, 50],
        sees: "decoder.decode(chunk",
        put: [fix("frames-not-text", { lines: [2, 2] }), 'const lines = (buffered + text).split("\\n");'],
      },
      { lines: [42, 42], sees: "new TextDecoder()", put: [fix("frames-not-text", { lines: [1, 1] })] },
    ],
  },
  // A slow browser: one queue for all replaced by Bun's own per-browser buffer, and a limit.
  {
    kind: "bun",
    program: "06-one-queue.ts",
    lesson: "06",
    transport: "tcp",
    checks: ["06.slow"],
    edits: [
      {
        lines: [79, 94],
        sees: "const outbox",
        put: [
          "function toBrowser(ws: ServerWebSocket<Browser>, line: string) {",
          "  if (ws.readyState !== 1) return;",
          fix("slow-browser-stalls", { indent: "  " }),
          "}",
        ],
      },
    ],
  },
];

/**
 * Misconceptions the catalogue gives no code for, and why. Every other one has a
 * fix in Python and in TypeScript (but NO_PYTHON_FIX's), proven above.
 */
const NO_CODE_FIX: Partial<Record<MisconceptionId, string>> = {
  // The mistake is a line of the learner's own (a name misspelt, a state never made), which the
  // report quotes with its file:line; no snippet could be that line for every program.
  crash: "the learner's own line, shown by the report, is what needs fixing",
};

/**
 * Misconceptions with a TypeScript fix only, and why: exercise 06, a WebSocket
 * bridge, is TypeScript's. Their re-read for Python stays, for a Python bridge
 * graded anyway on a WebSocket package of its own.
 */
const NO_PYTHON_FIX: Partial<Record<MisconceptionId, string>> = {
  "frame-not-line": "exercise 06 is TypeScript's: Python's standard library has no WebSocket",
  "frames-not-text": "exercise 06 is TypeScript's: Python's standard library has no WebSocket",
  "slow-browser-stalls": "exercise 06 is TypeScript's: Python's standard library has no WebSocket",
};
/** Whether the catalogue gives `id` a fix in `kind`. */
const hasFix = (id: MisconceptionId, kind: ProgramKind) =>
  !NO_CODE_FIX[id] && !(kind === "python" && NO_PYTHON_FIX[id]);

/** The catalogue's fix for a piece: the exercise's own, else the misconception's. */
function snippet(p: Piece, kind: ProgramKind): string {
  const m = MISCONCEPTIONS[p.fix];
  const text = (p.in && m.in?.[p.in]?.fix?.[kind]) || m.fix?.[kind];
  if (!text) throw new Error(`${p.fix}${p.in ? ` in ${p.in}` : ""} has no ${kind} fix`);
  return text;
}
const isImport = (line: string) => /^(import\s|from\s+\S+\s+import\s)/.test(line);

/** The broken program with the case's edits made, its snippets' imports at the top. */
function spliced(c: Case): string {
  const source = WRITTEN_HERE[c.program]?.text ?? mutant(c.program);
  const lines = source.split("\n");
  const imports: string[] = [];
  const edits = [...c.edits].sort((a, b) => b.lines[0] - a.lines[0]);
  for (const e of edits) {
    const [from, to] = e.lines;
    // Replaced lines, or the two lines around an insertion.
    const seen = lines.slice(to < from ? from - 2 : from - 1, Math.max(to, from)).join("\n");
    if (!seen.includes(e.sees))
      throw new Error(`${c.program} changed: lines ${from}-${to} no longer hold ${JSON.stringify(e.sees)}`);
    const indent = e.indent ?? (lines[from - 1] ?? "").match(/^\s*/)![0];
    const out: string[] = [];
    for (const p of e.put) {
      if (typeof p === "string") {
        out.push(p === "" ? "" : indent + p);
        continue;
      }
      const all = snippet(p, c.kind).split("\n");
      const [a, b] = p.lines ?? [1, all.length];
      for (const line of all.slice(a - 1, b)) {
        if (isImport(line)) imports.push(line);
        else out.push(indent + (p.indent ?? "") + line);
      }
    }
    lines.splice(from - 1, to - from + 1, ...out);
  }
  const fresh = [...new Set(imports)].filter((line) => !lines.includes(line));
  return [...fresh, ...lines].join("\n");
}

const folder = mkdtempSync(join(tmpdir(), "grader-fixes-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const hasPython = Bun.which("python3") !== null;
const extension = (c: Case) => (c.kind === "python" ? "py" : "ts");

/** Grade `text` (written to a file of its own) on `checks`; the report when one fails. */
async function grade(name: string, text: string, lesson: ExerciseId, transport: Transport, checks: string[]) {
  const file = join(folder, name);
  writeFileSync(file, text);
  const command = commandFrom([file]);
  const list = checksFor(lesson, transport)
    .filter((k) => checks.includes(k.id))
    .map((check) => ({ check, transport }));
  expect(list.map((x) => x.check.id).sort()).toEqual([...checks].sort());
  const v = verdictOf(lesson, [transport], await runChecks(list, { command, seed: TEST_SEED, readyMs: 20_000 }));
  const report = stripAnsi(
    formatVerdict(v, { lang: "en", width: 100, verbose: true, replay: () => "", program: command }),
  );
  return { v, report };
}

// Start every grading now; each test awaits its own.
const results = CASES.map((c, i) => {
  if (c.kind === "python" && !hasPython) return undefined;
  const name = `case-${String(i).padStart(2, "0")}-${c.program.replace(/\.\w+$/, "")}.${extension(c)}`;
  try {
    const text = spliced(c);
    return grade(name, text, c.lesson, c.transport, c.checks).then((r) => ({ ...r, text }));
  } catch (err) {
    return Promise.reject(err);
  }
});
const unfixed = Object.entries(WRITTEN_HERE).map(([name, w]) =>
  w.fails.length === 0 || (name.endsWith(".py") && !hasPython)
    ? undefined
    : grade(`unfixed-${name}`, w.text, w.lesson, w.transport, w.fails),
);

/** Which pieces are which: "id in lesson, kind", for the names of the tests. */
const pieceNames = (c: Case) =>
  [
    ...new Set(
      c.edits.flatMap((e) =>
        e.put.filter((p): p is Piece => typeof p !== "string").map((p) => `${p.fix}${p.in ? ` (${p.in})` : ""}`),
      ),
    ),
  ].join(" + ");

describe("every fix in the catalogue, spliced into a broken program, makes it pass", () => {
  CASES.forEach((c, i) => {
    const title = `${pieceNames(c)}: ${c.program} passes ${c.checks.join(", ")} over ${c.transport} (${c.kind})`;
    if (c.kind === "python" && !hasPython) {
      test.skip(`${title} — skipped: python3 is not installed (apt-get install python3)`, () => {});
      return;
    }
    test(
      title,
      async () => {
        const r = (await results[i])!;
        if (!r.v.ok) throw new Error(`the spliced program:\n${r.text}\n\nits report:\n${r.report}`);
      },
      60_000,
    );
  });

  Object.entries(WRITTEN_HERE).forEach(([name, w], i) => {
    if (w.fails.length === 0) return;
    test.skipIf(name.endsWith(".py") && !hasPython)(
      `the broken program ${name}, written here, fails ${w.fails.join(", ")} before its fix`,
      async () => {
        const r = (await unfixed[i])!;
        for (const id of w.fails) {
          const result = r.v.results.find((x) => x.check.id === id)!;
          expect({ id, status: result.status }).toEqual({ id, status: "fail" });
          if (w.named)
            expect({ id, symptoms: result.symptoms }).toMatchObject({ symptoms: expect.arrayContaining([w.named]) });
        }
      },
      60_000,
    );
  });

  test("every line of every fix, in both languages, is used by some case above", () => {
    const used = new Map<string, Set<number>>();
    for (const c of CASES)
      for (const e of c.edits)
        for (const p of e.put) {
          if (typeof p === "string") continue;
          const text = snippet(p, c.kind);
          const [a, b] = p.lines ?? [1, text.split("\n").length];
          const seen = used.get(text) ?? used.set(text, new Set()).get(text)!;
          for (let k = a; k <= b; k++) seen.add(k);
        }
    const missing: string[] = [];
    for (const m of Object.values(MISCONCEPTIONS)) {
      const advice = [["", m] as const, ...Object.entries(m.in ?? {})];
      for (const [lesson, words] of advice) {
        for (const kind of ["python", "bun"] as const) {
          const text = words.fix?.[kind];
          if (text && !hasFix(m.id, kind)) missing.push(`${m.id}: a ${kind} fix, though it should have none`);
          if (!text) {
            if (lesson === "" && hasFix(m.id, kind)) missing.push(`${m.id}: no ${kind} fix`);
            continue;
          }
          const seen = used.get(text) ?? new Set();
          const lines = text.split("\n");
          const left = lines.map((_, k) => k + 1).filter((k) => !seen.has(k));
          if (left.length > 0)
            missing.push(`${m.id}${lesson ? ` in ${lesson}` : ""} (${kind}): lines ${left.join(", ")}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('the Python and TypeScript fixes for raw bytes keep the "\\n" between two lines', async () => {
    const py = MISCONCEPTIONS["raw-bytes"].fix!.python!;
    const ts = MISCONCEPTIONS["raw-bytes"].fix!.bun!;
    const input = "line one\nline two \x1b[31mred\x1b]0;title\x07 \u202eabc\tend";
    const expected = "line one\nline two \uFFFD[31mred\uFFFD]0;title\uFFFD \uFFFDabc\tend";
    const tsFile = join(folder, "raw-bytes-check.ts");
    writeFileSync(tsFile, `let text = ${JSON.stringify(input)};\n${ts}\nprocess.stdout.write(text);\n`);
    const bun = await runToEnd([process.execPath, tsFile]);
    expect(bun.stdout).toBe(expected);
    if (!hasPython) return;
    const pyFile = join(folder, "raw-bytes-check.py");
    writeFileSync(pyFile, `import sys\ntext = ${JSON.stringify(input)}\n${py}\nsys.stdout.write(text)\n`);
    const python = await runToEnd(["python3", pyFile], { env: { PYTHONIOENCODING: "utf-8" } });
    expect(python.stdout).toBe(expected);
  });

  test("every fix fits 80 columns as the report shows it, 8 columns in, in plain ASCII (one column a character)", () => {
    for (const m of Object.values(MISCONCEPTIONS))
      for (const words of [m, ...Object.values(m.in ?? {})])
        for (const text of Object.values(words.fix ?? {}))
          for (const line of text.split("\n"))
            expect({ id: m.id, line, fits: 8 + line.length <= 80 && /^[\x20-\x7e]*$/.test(line) }).toMatchObject({
              fits: true,
            });
  });
});

/** Words a Python learner would have to look up in JavaScript's world. */
const JAVASCRIPT_ONLY =
  /TextDecoder|\bdrain\b|`data`|data event|data 事件|\bBun\b|\b(?:s|c|socket|sock)\.write\(|s\.data|process\.|console\.|clearLine|cursorTo|\brl\.|\{ stream: true \}|udpSocket|\bawait\b|=>|\bconst\b|\blet \w+ =|node:/;

describe("advice in the learner's programming language", () => {
  test("a Python program's misconceptions speak Python: no JavaScript-only words, in any lesson, in English or Chinese", () => {
    const found: string[] = [];
    for (const lesson of ["01", "02", "03", "04"] as const) {
      for (const m of diagnose(Object.keys(MISCONCEPTIONS), lesson)) {
        const texts = [
          m.name.en,
          m.name.zh,
          m.explain.en,
          m.explain.zh,
          m.fix?.python ?? "",
          m.rereadPy?.en ?? "",
          m.rereadPy?.zh ?? "",
        ];
        for (const text of texts) {
          const hit = JAVASCRIPT_ONLY.exec(text);
          if (hit)
            found.push(`${m.id} in ${lesson}: ${JSON.stringify(hit[0])} in ${JSON.stringify(text.slice(0, 60))}…`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  test("every misconception has a Python and a TypeScript fix (but those with no code to give, and exercise 06's no Python), and a re-read for each, the Python one naming the article", () => {
    for (const m of Object.values(MISCONCEPTIONS)) {
      expect({ id: m.id, python: Boolean(m.fix?.python), bun: Boolean(m.fix?.bun) }).toEqual({
        id: m.id,
        python: hasFix(m.id, "python"),
        bun: hasFix(m.id, "bun"),
      });
      // Advice for one exercise: its own re-read in both languages, and a fix in both or in neither (or TypeScript's only).
      const advice = [["", m] as const, ...Object.entries(m.in ?? {})];
      for (const [lesson, words] of advice) {
        const id = `${m.id}${lesson ? ` in ${lesson}` : ""}`;
        if (words.fix)
          expect({ id, python: !!words.fix.python, bun: !!words.fix.bun }).toEqual({
            id,
            python: hasFix(m.id, "python"),
            bun: true,
          });
        if (!words.reread) continue;
        expect({ id, reread: words.reread.en }).toMatchObject({ reread: expect.stringMatching(/^lessons\//) });
        expect({ id, rereadPy: words.rereadPy?.en }).toMatchObject({
          rereadPy: expect.stringMatching(/^the article.*; lessons\//),
        });
        expect({ id, rereadPy: words.rereadPy?.zh }).toMatchObject({
          rereadPy: expect.stringMatching(/^原文.*；lessons\//),
        });
      }
    }
  });

  test("a report names the fix's language, and a Python program is sent to the article", () => {
    const check = CHECKS.find((k) => k.id === "01.merged")!;
    const result = {
      check,
      transport: "tcp" as const,
      status: "fail" as const,
      expected: { en: "x", zh: "x" },
      arrived: { en: "y", zh: "y" },
      symptoms: ["one-read-one-message" as const, "decode-per-read" as const],
      events: [],
      outputs: [],
      seed: 1,
      ms: 1,
    };
    const told = (file: string, lang: "en" | "zh") =>
      stripAnsi(formatFailure(result, { lang, width: 80, replay: () => "", program: commandFrom([file]) }, false));
    expect(told("e.py", "en")).toContain("the fix, in Python:");
    expect(told("e.py", "en")).toContain("re-read: the article 1.3.2");
    expect(told("e.py", "zh")).toContain("修正方法（Python）：");
    expect(told("e.py", "zh")).toContain("重读：原文 1.3.2");
    expect(told("e.py", "en")).not.toMatch(JAVASCRIPT_ONLY);
    expect(told("e.ts", "en")).toContain("the fix, in TypeScript:");
    expect(told("e.ts", "en")).toContain("{ stream: true }");
    // A program in another language gets the words, not code it cannot use.
    expect(told("./a.out", "en")).not.toContain("the fix, in");
  });
});
