/**
 * Lesson 01's checks: an echo server that answers every line with
 * "[" + time.ctime() + "] " + the line, over TCP and UDP.
 *
 * Past 400 lines: one file of checks per lesson, in the order the lesson teaches.
 */
import type { Peer } from "../../harness/index.ts";
import { kernelCapacity } from "../../harness/kernel.ts";
import { CheckFailure, type Check, type Exam } from "../exam.ts";
import { both } from "../text.ts";
import { BOTH, noBlankLines, sigtermCheck, TCP, UDP, wholeLines } from "./common.ts";

/** Python's time.ctime(): "Mon Nov 30 00:51:13 2026", the day padded with a space ("Nov  2"). */
const CTIME = new RegExp(
  "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) " +
    "( [1-9]|[12]\\d|3[01]) \\d\\d:\\d\\d:\\d\\d \\d{4}$",
);

/** Does `line` read "[ctime] text"? Then "", else what is wrong with it. */
function ctimeProblem(line: string, text: string): { en: string; zh: string } | undefined {
  const m = /^\[([^\]]*)\] (.*)$/.exec(line);
  if (!m) return both('it does not start with "[", the time, "] "', '它不是以 "["、时间、"] " 开头');
  if (m[2] !== text)
    return both(
      `after "] " comes ${JSON.stringify(m[2])}, not the line`,
      `"] " 后面是 ${JSON.stringify(m[2])}，不是那一行`,
    );
  if (CTIME.test(m[1]!)) return undefined;
  if (/ 0\d /.test(m[1]!))
    return both(
      "the day of the month is padded with 0; time.ctime() pads it with a space",
      "日期用 0 补齐了；time.ctime() 用空格补齐",
    );
  return both(
    `${JSON.stringify(m[1])} is not in time.ctime()'s form`,
    `${JSON.stringify(m[1])} 不是 time.ctime() 的格式`,
  );
}

export const ECHO_CHECKS: Check[] = [
  {
    id: "01.reply",
    lesson: "01",
    transports: BOTH,
    name: both("answers a line with a reply that ends with that line", "对每一行回复，回复以该行结尾"),
    reread: both(
      "lessons/01-echo.ts §2: reply(), sent by §3 (TCP) and §4 (UDP)",
      "lessons/01-echo.ts §2：reply()，由 §3（TCP）和 §4（UDP）发送",
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      a.sendLine("hello, echo");
      await c.hear(a, "hello, echo", { endsWith: true });
      await noBlankLines(c, a);
    },
  },
  {
    id: "01.time",
    lesson: "01",
    transports: BOTH,
    name: both('replies "[" + time.ctime() + "] " + the line', '回复 "[" + time.ctime() + "] " + 那一行'),
    subject: both("the reply's format", "回复格式这一步"),
    reread: both("lessons/01-echo.ts §2: ctime() and reply()", "lessons/01-echo.ts §2：ctime() 和 reply()"),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      a.sendLine("what time is it");
      const line = await c.hear(a, "what time is it", { endsWith: true });
      c.reached();
      const problem = ctimeProblem(line, "what time is it");
      if (problem) {
        c.fail(
          both(
            'a reply like "[Mon Nov 30 00:51:13 2026] what time is it"',
            '形如 "[Mon Nov 30 00:51:13 2026] what time is it" 的回复',
          ),
          both(`${JSON.stringify(line)}: ${problem.en}`, `${JSON.stringify(line)}：${problem.zh}`),
        );
      }
    },
  },
  {
    id: "01.utf8",
    lesson: "01",
    transports: BOTH,
    name: both(
      "echoes UTF-8 text unchanged, even split inside a character",
      "原样回显 UTF-8 文本，即使在字符中间被拆开",
    ),
    reread: both(
      "lessons/01-echo.ts §3: takeLines() and its TextDecoder",
      "lessons/01-echo.ts §3：takeLines() 和它的 TextDecoder",
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      a.sendLine("你好, wörld 🎉");
      await c.hear(a, "你好, wörld 🎉", { endsWith: true });
    },
  },
  {
    id: "01.split",
    lesson: "01",
    transports: TCP,
    name: both(
      "joins a line that arrives in two reads, even cut inside a character",
      "把分两次读到的一行拼起来，即使在字符中间被切开",
    ),
    reread: both(
      "lessons/01-echo.ts §3: takeLines(), a buffer per client",
      "lessons/01-echo.ts §3：takeLines()，每个客户端一个缓冲区",
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      const bytes = new TextEncoder().encode("split 你好 in two reads\n");
      const cut = "split ".length + 1; // one byte into the three bytes of 你
      await c.sendOnItsOwn(a, bytes.subarray(0, cut)); // the program's first read holds only the first part
      a.sendExact(bytes.subarray(cut));
      await c.hear(a, "split 你好 in two reads", { endsWith: true, symptoms: ["one-read-one-message"] });
      await c.settle();
      if (a.lines().length !== 1)
        c.fail(both("exactly one reply", "只有一个回复"), c.arrived(a), ["one-read-one-message"]);
    },
  },
  {
    id: "01.merged",
    lesson: "01",
    transports: TCP,
    name: both("answers each of two lines that arrive in one read", "一次读到两行时分别回答每一行"),
    reread: both(
      "lessons/01-echo.ts §3: takeLines(), every complete line",
      "lessons/01-echo.ts §3：takeLines()，取出每个完整的行",
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      a.sendExact("first\nsecond\n"); // one write: one read
      await c.hear(a, "second", { endsWith: true, symptoms: ["one-read-one-message"] });
      await c.settle();
      const lines = a.lines();
      // Two replies, each more than the bare line: a program that answers the read once sends "second" bare.
      const replies =
        lines.length === 2 && ["first", "second"].every((l, i) => lines[i]!.endsWith(l) && lines[i] !== l);
      if (!replies) {
        c.fail(
          both(
            'two replies, one ending "first", one ending "second"',
            '两个回复：一个以 "first" 结尾，一个以 "second" 结尾',
          ),
          c.arrived(a),
          ["one-read-one-message"],
        );
      }
    },
  },
  {
    id: "01.crlf",
    lesson: "01",
    transports: TCP,
    name: both(
      "accepts lines that end in \\r\\n, as telnet and nc -C send them",
      "接受以 \\r\\n 结尾的行（telnet 和 nc -C 这样发送）",
    ),
    reread: both(
      'lessons/01-echo.ts §3: takeLines(), which drops the "\\r"',
      'lessons/01-echo.ts §3：takeLines()，去掉 "\\r"',
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      a.sendExact("one\r\ntwo\r\n");
      await c.hear(a, "two", { endsWith: true });
      await c.settle();
      if (a.text().includes("\r\r"))
        c.fail(both('each "\\r" at most once in the replies', '回复中每个 "\\r" 最多出现一次'), c.arrived(a));
    },
  },
  {
    id: "01.several",
    lesson: "01",
    transports: BOTH,
    name: both(
      "answers several clients at once, each at its own address with its own reply only",
      "同时回答多个客户端，每个回复只发到发送者自己的地址",
    ),
    reread: both(
      "lessons/01-echo.ts §3 serveTcp() and §4 serveUdp(): each client answered at its own address",
      "lessons/01-echo.ts §3 serveTcp() 和 §4 serveUdp()：回复发到每个客户端自己的地址",
    ),
    async run(c) {
      await c.launch();
      const peers: Peer[] = [];
      for (const name of ["ann", "bo", "cy", "di"]) peers.push(await c.client(name));
      for (const p of peers) p.sendLine(`I am ${p.name}`);
      // Someone was answered, this one got nothing, and the program runs: it serves one client at a time.
      const oneAtATime = (p: Peer) =>
        c.transport === "tcp" && !c.exited() && p.text() === "" && peers.some((q) => q.text().includes("I am "));
      // Another client's words in a reply: the first letter of another's name after "I am", or
      // two lines' beginnings ("I") in one reply line. (Pieces of its own line are another bug.)
      const mixed = () =>
        peers.some((p) =>
          p
            .lines()
            .some(
              (line) =>
                (line.match(/I/g)?.length ?? 0) >= 2 ||
                peers.some((q) => q !== p && line.includes(`I am ${q.name[0]}`)),
            ),
        );
      for (const p of peers) {
        try {
          await c.hear(p, `I am ${p.name}`, {
            endsWith: true,
            symptoms: () => (oneAtATime(p) ? ["one-client-at-a-time"] : []),
          });
        } catch (err) {
          if (err instanceof CheckFailure && !err.symptoms.includes("one-client-at-a-time") && mixed())
            throw new CheckFailure(err.expected, err.arrived, ["shared-state"]);
          throw err;
        }
      }
      await c.settle();
      for (const p of peers) {
        if (p.lines().some((line) => line.includes("I am ") && !line.endsWith(`I am ${p.name}`))) {
          c.fail(
            both(`${p.name} gets only the replies to its own lines`, `${p.name} 只收到对它自己那几行的回复`),
            c.arrived(p),
            ["shared-state"],
          );
        }
      }
    },
  },
  {
    id: "01.many",
    lesson: "01",
    transports: TCP,
    name: both("keeps each client's half line to itself", "每个客户端的半行只属于它自己"),
    reread: both(
      "lessons/01-echo.ts §3: newConn(), a state per client",
      "lessons/01-echo.ts §3：newConn()，每个客户端一个状态",
    ),
    async run(c) {
      await c.launch();
      const names = ["ann", "bo", "cy", "di"];
      const peers: Peer[] = [];
      for (const n of names) peers.push(await c.client(n));
      for (const p of peers) p.sendExact(`I am ${p.name[0]}`);
      await c.settle(); // every first half read before any second half is sent
      for (const p of peers) p.sendExact(`${p.name.slice(1)} here\n`);
      const mixed = () => peers.some((p) => names.some((n) => n !== p.name && p.text().includes(`I am ${n[0]}`)));
      for (const p of peers) {
        try {
          await c.hear(p, `I am ${p.name} here`, { endsWith: true });
        } catch (err) {
          if (err instanceof CheckFailure && mixed())
            throw new CheckFailure(err.expected, err.arrived, ["shared-state"]);
          throw err;
        }
      }
      if (mixed()) {
        const arrived = peers.map((p) => c.arrived(p));
        c.fail(
          both("each client gets only its own reply", "每个客户端只收到自己的回复"),
          both(arrived.map((a) => a.en).join("; "), arrived.map((a) => a.zh).join("；")),
          ["shared-state"],
        );
      }
    },
  },
  {
    id: "01.silent",
    lesson: "01",
    transports: TCP,
    name: both(
      "answers others while one client is silent in the middle of a line",
      "一个客户端在行中间沉默时，照样回答其他人",
    ),
    subject: both("the step where one client goes quiet", "有客户端沉默的这一步"),
    reread: both(
      "lessons/01-echo.ts §3: serveTcp(), one event loop for every client",
      "lessons/01-echo.ts §3：serveTcp()，一个事件循环服务所有客户端",
    ),
    async run(c) {
      await c.launch();
      // First, the program works at all: quiet gets an answer. Then quiet stops in
      // the middle of a line, and someone else asks.
      const quiet = await c.client("quiet");
      quiet.sendExact("hello\n");
      await c.hear(quiet, "hello", { endsWith: true });
      c.reached();
      quiet.sendExact("I am thinking");
      await c.settle();
      const a = await c.client("alice");
      a.sendLine("anyone there?");
      await c.hear(a, "anyone there?", { endsWith: true, symptoms: () => (c.exited() ? [] : ["silence-stalls"]) });
    },
  },
  {
    id: "01.reset",
    lesson: "01",
    transports: BOTH,
    name: both(
      "keeps answering after clients leave, close or reset, without waiting for a reply",
      "客户端不等回复就离开（关闭或重置）后继续回答其他人",
    ),
    reread: both(
      "lessons/01-echo.ts B4 and B5: udpError(), closeOnError()",
      "lessons/01-echo.ts B4 和 B5：udpError()、closeOnError()",
    ),
    async run(c) {
      await c.launch();
      if (c.transport === "udp") return bounce(c);
      // Half a line, then gone: once with a close, once with a reset.
      for (const how of ["close", "reset"] as const) {
        const quitter = await c.client(`quitter-${how}`);
        quitter.sendExact("never fin");
        await c.settle();
        quitter[how]();
      }
      await c.settle();
      const s = await c
        .client("stayer")
        .catch(() =>
          c.fail(
            both("a new client can connect", "新客户端能连上"),
            c.exited() ?? both("the connection was refused", "连接被拒绝"),
            ["crash-on-reset"],
          ),
        );
      for (const text of ["still there?", "and now?"]) {
        s.sendLine(text);
        await c.hear(s, text, { endsWith: true, symptoms: () => (c.exited() ? ["crash-on-reset"] : []) });
      }
    },
  },
  {
    id: "01.slow-reader",
    lesson: "01",
    transports: TCP,
    name: both("sends every reply whole to a client that reads slowly", "对读得慢的客户端也完整地发送每个回复"),
    subject: both("the step with a slow reader", "慢读者这一步"),
    reread: both("lessons/01-echo.ts B1: send() and flush()", "lessons/01-echo.ts B1：send() 和 flush()"),
    async run(c) {
      await c.launch();
      const a = await c.client("slowpoke");
      a.sendLine("ready?");
      await c.hear(a, "ready?", { endsWith: true });
      c.reached();
      // Enough replies to fill the kernel's buffers and half a megabyte more: from
      // there on, write() takes only part of what it is given.
      const LINE = 60_000;
      const count = Math.ceil(((await kernelCapacity()) + 512 * 1024) / (LINE + 20));
      a.hold(true);
      const lines = Array.from({ length: count }, (_, i) => `${String(i).padStart(4, "0")}${"x".repeat(LINE - 4)}`);
      a.sendExact(lines.join("\n") + "\n");
      await c.settle(); // the program has read everything, and writes into a full pipe
      a.hold(false);
      await wholeReplies(
        c,
        a,
        count,
        LINE,
        lines.reduce((n, l) => n + l.length + 1, 0),
      );
    },
  },
  {
    id: "01.udp-plain",
    lesson: "01",
    transports: UDP,
    name: both("answers a datagram that has no newline", "回答没有换行符的数据报"),
    subject: both("the datagram without a newline", "没有换行符的数据报这一步"),
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), one datagram is one message",
      "lessons/01-echo.ts §4：serveUdp()，一个数据报就是一条消息",
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      a.sendExact("a line\n");
      await c.hear(a, "a line", { endsWith: true });
      c.reached();
      a.sendExact("no newline here");
      await c.hear(a, "no newline here", { endsWith: true, symptoms: ["udp-like-tcp"] });
    },
  },
  {
    id: "01.udp-two",
    lesson: "01",
    transports: UDP,
    name: both("answers every datagram, duplicated and reordered as they come", "回答每个数据报，即使它们重复或乱序"),
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), one datagram is one message",
      "lessons/01-echo.ts §4：serveUdp()，一个数据报就是一条消息",
    ),
    async run(c) {
      await c.launch();
      const a = await c.client("alice");
      for (const t of ["one", "two", "three"]) a.send(t);
      for (const t of ["one", "two", "three"]) await c.hear(a, t, { endsWith: true, symptoms: ["udp-like-tcp"] });
    },
  },
  sigtermCheck("01", both("lessons/01-echo.ts §5: runServer()", "lessons/01-echo.ts §5：runServer()"), async (c) => {
    const a = await c.client("alice");
    a.sendLine("goodbye soon");
    await c.within(() => a.text().length > 0, 1000);
  }),
];

/**
 * Over UDP: a client asks and leaves before the reply comes, so the reply bounces
 * (ICMP port unreachable); a client who stays asks next. Both datagrams are
 * waiting together when the program runs again (see Exam.frozen), as on any busy
 * server: Bun reports the bounce on the send that follows it, the reply to the
 * one who stayed, which must be sent once more. (Python reports nothing.)
 */
async function bounce(c: Exam) {
  const quitter = await c.client("quitter");
  const stayer = await c.client("stayer");
  stayer.sendExact("hello first\n");
  await c.hear(stayer, "hello first", { endsWith: true });
  await c.frozen(() => {
    quitter.sendExact("gone before you answer\n");
    quitter.close();
    stayer.sendExact("still there?\n");
  });
  // Lost while the program runs: the bounce's error was caught and dropped (or left to an empty handler).
  const blame = (): ["crash-on-reset"] | ["udp-stale-error"] => (c.exited() ? ["crash-on-reset"] : ["udp-stale-error"]);
  await c.hear(stayer, "still there?", { endsWith: true, symptoms: blame });
  stayer.sendLine("and now?");
  await c.hear(stayer, "and now?", { endsWith: true, symptoms: blame });
}

/** Wait until `count` whole replies are in, or nothing moves for a second; fail if they are not. */
async function wholeReplies(c: Exam, a: Peer, count: number, size: number, expectBytes: number) {
  const tail = "x".repeat(size - 4);
  const { whole } = await wholeLines(c, a, { count, whole: (l) => l.endsWith(tail), ms: c.waitMs + 3000 });
  if (whole >= count) return;
  const text = a.text();
  const gone = c.exited();
  const short = !gone && text.length < expectBytes;
  c.fail(
    both(
      `${count} replies, each ending with the ${size} characters sent`,
      `${count} 个回复，每个都以发出的 ${size} 个字符结尾`,
    ),
    both(
      `${whole} whole replies of ${count}, ${text.length} bytes in all ` +
        `(they hold at least ${expectBytes})${gone ? `; ${gone.en}` : ""}`,
      `${count} 个回复中只有 ${whole} 个完整，共 ${text.length} 字节（至少应有 ${expectBytes}）${gone ? `；${gone.zh}` : ""}`,
    ),
    short ? ["writes-assumed-complete"] : [],
  );
}
