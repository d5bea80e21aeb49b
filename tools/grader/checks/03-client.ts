/**
 * Lesson 03's checks: a chat client driven through a real terminal (a PTY), as
 * a person would drive it, against a stand-in hub that records what it receives.
 *
 * Format-tolerant: any prompt, any banner; a line from the hub only has to appear
 * on the screen. Strict on behaviour: typing and receiving at the same time, the
 * half-typed line survives, no raw control characters, clean exits.
 */
import { escapeBytes, HOST, type FakeServer, type Peer, type TerminalProgram } from "../../harness/index.ts";
import { connectedTo } from "../../harness/kernel.ts";
import type { Check, Exam } from "../exam.ts";
import { referenceCommand } from "../exercises.ts";
import type { MisconceptionId } from "../misconceptions.ts";
import { both, type Text } from "../text.ts";
import { BOTH, namesPort } from "./common.ts";

const LESSON_02_HUB = both("lesson 02's hub (started by the grader)", "第 02 课的 hub（由评分器启动）");

/**
 * Has `other` been told of a newcomer: a "***" line naming the port of a
 * connection to the hub that is neither its own nor one that was there before?
 * (Without the kernel's table, not on Linux: a line saying "joined"; the hub
 * speaks English, see Exam.helper.)
 */
function joined(other: Peer, port: number, before: Set<number>): boolean {
  const ports = connectedTo(port)?.filter((p) => p !== other.localPort && !before.has(p));
  const newcomer = (line: string) => (ports ? ports.some((p) => namesPort(line, p)) : line.includes("joined"));
  return other.lines().some((line) => line.startsWith("***") && newcomer(line));
}

/** Everything the stand-in hub received, newline or not. */
const received = (c: Exam) => new TextDecoder().decode(c.wire.bytes("hub", "recv"));

/** The end of what a person would read on the screen. */
function screenOf(term: TerminalProgram): Text {
  const screen = term.screen().trimEnd();
  const shown = escapeBytes(new TextEncoder().encode(screen.length > 240 ? "…" + screen.slice(-240) : screen));
  const en = screen === "" ? "the screen is empty" : `the screen shows ${shown}`;
  const zh = screen === "" ? "屏幕是空的" : `屏幕上是 ${shown}`;
  return term.running ? both(en, zh) : both(`${en} (the client has exited)`, `${zh}（客户端已退出）`);
}

/** Type a line and wait until the stand-in hub has it, as a line. */
async function typeLine(c: Exam, hub: FakeServer, term: TerminalProgram, text: string) {
  term.type(`${text}\r`);
  await c.waitFor(
    () => hub.lines().includes(text),
    both(
      `the hub receives the typed line ${JSON.stringify(text)} (with "\\n" at its end)`,
      `hub 收到输入的一行 ${JSON.stringify(text)}（行尾有 "\\n"）`,
    ),
    () => hubGot(c),
    () => (received(c).includes(text) ? ["no-newline"] : []),
  );
}

const hubGot = (c: Exam): Text => {
  const got = received(c);
  const shown = escapeBytes(new TextEncoder().encode(got.length > 240 ? "…" + got.slice(-240) : got));
  return both(
    got === "" ? "the hub received nothing" : `the hub received ${shown}`,
    got === "" ? "hub 什么也没收到" : `hub 收到了 ${shown}`,
  );
};

/**
 * A stand-in hub, and the client under test in a terminal, ready to type into.
 * Ready means something typed has reached the hub: only then is the program surely
 * reading the keyboard itself (keys typed earlier are echoed by the terminal, not
 * by the program). Over UDP it also tells the hub the client's address.
 */
async function clientOf(c: Exam): Promise<{ hub: FakeServer; term: TerminalProgram }> {
  const hub = await c.serve(c.transport);
  const overTcp = c.transport === "udp" ? c.tcpTrap(hub.port) : () => false;
  const term = c.terminal(c.o.command, c.transport, { port: hub.port, args: c.o.args });
  term.type("ready\r");
  const expected = both(
    'the client connects and sends what is typed ("ready" and Enter)',
    '客户端连上 hub，并发出输入的内容（"ready" 和回车）',
  );
  await c.waitFor(
    () => received(c).includes("ready") || !term.running || overTcp(),
    expected,
    () => screenOf(term),
    [],
    { ms: c.o.readyMs ?? 5000 },
  );
  await stillRunning(c, term, { port: hub.port, overTcp, expected });
  return { hub, term };
}

/**
 * Fail unless the client under test is still running and, given --udp, did not
 * connect over TCP instead (a UDP hub has nothing to connect to).
 */
async function stillRunning(
  c: Exam,
  term: TerminalProgram,
  o: { port: number; overTcp: () => boolean; expected: Text },
) {
  if (o.overTcp())
    c.fail(
      o.expected,
      both(
        `given --udp, your client connected over TCP to ${HOST}:${o.port}, where a UDP hub has nothing to accept(); ` +
          "it must send datagrams",
        `收到 --udp 时，你的客户端却用 TCP 连接 ${HOST}:${o.port}，而 UDP hub 在那里没有什么可以 accept()；它必须发送数据报`,
      ),
      ["tcp-only"],
    );
  if (term.running) return;
  const exit = await term.exited;
  const how = exit.signal
    ? both(`by signal ${exit.signal}`, `被信号 ${exit.signal} 结束`)
    : both(`code ${exit.code}`, `退出码 ${exit.code}`);
  const refused = c.transport === "udp" && /ConnectionRefused|ECONNREFUSED|Connection refused/i.test(term.screen());
  c.fail(
    both("the client keeps running until it is told to leave", "客户端一直运行，直到被要求离开"),
    refused
      ? both(
          `given --udp, your client connected over TCP, was refused (nothing listens on TCP at ${HOST}:${o.port}) ` +
            `and exited (${how.en}); it must send datagrams`,
          `收到 --udp 时，你的客户端却用 TCP 去连接，被拒绝（${HOST}:${o.port} 上没有程序在 TCP 上监听），然后退出了` +
            `（${how.zh}）；它必须发送数据报`,
        )
      : both(`it exited (${how.en}); ${screenOf(term).en}`, `它退出了（${how.zh}）；${screenOf(term).zh}`),
    refused ? ["tcp-only"] : [],
  );
}

/** Wait for the screen to show `text`. */
const shows = (c: Exam, term: TerminalProgram, text: string, expected: Text, symptoms: MisconceptionId[] = []) =>
  c.waitFor(
    () => term.screen().includes(text),
    expected,
    () => screenOf(term),
    symptoms,
  );

/** A line with escape codes nobody's own client prints: colour 201, a window title, a reversal, a C1 CSI. */
const HOSTILE = "evil \x1b[38;5;201mpink\x1b]0;owned\x07 \u202Eabc \x9b2J end";
const HOSTILE_PARTS: [string, Text][] = [
  ["\x1b[38;5;201m", both("a colour escape", "一个颜色转义序列")],
  ["\x1b]0;owned", both("a window-title escape", "一个改窗口标题的转义序列")],
  ["\u202E", both("a right-to-left override", "一个从右到左覆盖字符")],
  ["\x9b2J", both("a C1 control (CSI)", "一个 C1 控制字符（CSI）")],
];

function leaves(key: string, keys: string, zhKey: string): Check {
  return {
    id: `03.leave-${key === '"exit"' ? "exit" : key.toLowerCase().replace("+", "")}`,
    lesson: "03",
    transports: BOTH,
    name: both(`leaves cleanly on ${key}`, `按 ${zhKey} 时干净地离开`),
    subject: both(`leaving with ${key}`, `用 ${zhKey} 离开这一步`),
    reread: both("lessons/03-client.ts §1: main() and leave()", "lessons/03-client.ts §1：main() 和 leave()"),
    async run(c) {
      const { hub, term } = await clientOf(c);
      c.reached();
      term.type(keys);
      await c.waitFor(
        () => !term.running,
        both(`the client exits after ${key}`, `按 ${zhKey} 后客户端退出`),
        () => both(`it is still running 3 s later; ${screenOf(term).en}`, `3 秒后它还在运行；${screenOf(term).zh}`),
        ["no-clean-leave"],
      );
      const exit = await term.exited;
      if (exit.code !== 0) {
        c.fail(
          both(`exit code 0 after ${key}`, `按 ${zhKey} 后以退出码 0 结束`),
          both(
            `exit ${exit.signal ? `by signal ${exit.signal}` : `code ${exit.code}`} (its screen is below)`,
            `${exit.signal ? `被信号 ${exit.signal} 结束` : `退出码 ${exit.code}`}（它的屏幕见下面）`,
          ),
          ["no-clean-leave"],
        );
      }
      if (c.transport === "tcp") {
        await c.waitFor(
          () => hub.closedClients === 1,
          both("the hub sees the connection close", "hub 看到连接关闭"),
          () => hubGot(c),
          ["no-clean-leave"],
        );
      } else {
        await c.waitFor(
          () => hub.lines().includes("/quit"),
          both('the client tells the UDP hub "/quit"', '客户端告诉 UDP hub "/quit"'),
          () => hubGot(c),
          ["no-clean-leave"],
        );
      }
    },
  };
}

export const CLIENT_CHECKS: Check[] = [
  {
    id: "03.chat",
    lesson: "03",
    transports: BOTH,
    name: both(
      "sends a typed line to the hub and prints a line from the hub",
      "把输入的一行发给 hub，并打印 hub 发来的一行",
    ),
    reread: both(
      "lessons/03-client.ts §3 (TCP) and §4 (UDP): connect, send lines, print lines",
      "lessons/03-client.ts §3（TCP）和 §4（UDP）：连接、发送行、打印行",
    ),
    async run(c) {
      const { hub, term } = await clientOf(c);
      await typeLine(c, hub, term, "hello, hub 你好");
      hub.sendLine("<127.0.0.1:5555> hello, client");
      await shows(c, term, "hello, client", both("the client prints the hub's line", "客户端打印 hub 发来的一行"));
    },
  },
  {
    id: "03.two-lines",
    lesson: "03",
    transports: BOTH,
    name: both("prints two lines that come in one read as two lines", "一次读到的两行打印为两行"),
    subject: both("the step with two lines at once", "一次来两行的这一步"),
    reread: both(
      "lessons/03-client.ts §3: openTcp(), lines framed before B3's clean()",
      "lessons/03-client.ts §3：openTcp()，先切成行，再用 B3 的 clean()",
    ),
    async run(c) {
      const { hub, term } = await clientOf(c);
      hub.sendLine("hello, client");
      await shows(c, term, "hello, client", both("the client prints the hub's line", "客户端打印 hub 发来的一行"));
      c.reached();
      hub.sendLine("line one\nline two"); // one write (one datagram): the client reads both at once
      await shows(c, term, "line two", both("the client prints the hub's lines", "客户端打印 hub 发来的行"));
      await c.settle();
      const rows = term.screen().split("\n");
      const one = rows.findIndex((r) => r.includes("line one"));
      if (one < 0 || rows[one]!.includes("line two")) {
        c.fail(
          both('"line one" and "line two" on two rows of the screen', '"line one" 和 "line two" 在屏幕上各占一行'),
          screenOf(term),
          ["lines-run-together"],
        );
      }
    },
  },
  {
    id: "03.half-typed",
    lesson: "03",
    transports: BOTH,
    name: both(
      "keeps a half-typed line when a message arrives, and shows it again",
      "消息到达时保留输入到一半的行，并重新显示",
    ),
    subject: both("the step where a message arrives while you type", "打字时来了消息的这一步"),
    reread: both(
      "lessons/03-client.ts §2: print(), above what is being typed",
      "lessons/03-client.ts §2：print()，打印在正在输入的文字上方",
    ),
    async run(c) {
      const { hub, term } = await clientOf(c);
      term.type("half-typ");
      await shows(c, term, "half-typ", both("the typed text appears on the screen", "输入的文字出现在屏幕上"));
      c.reached();
      hub.sendLine("an interruption");
      await shows(c, term, "an interruption", both("the client prints the hub's line", "客户端打印 hub 发来的一行"));
      await c.waitFor(
        () => term.screen().split("an interruption").pop()!.includes("half-typ"),
        both(
          "the half-typed text is shown again after the printed line",
          "打印那一行之后，输入到一半的文字再次显示出来",
        ),
        () => screenOf(term),
        ["prints-over-prompt"],
      );
      term.type("ed line\r");
      await c.waitFor(
        () => hub.lines().includes("half-typed line"),
        both('the hub receives the whole line "half-typed line"', 'hub 收到完整的一行 "half-typed line"'),
        () => hubGot(c),
        () => (received(c).includes("half-typed line") ? ["no-newline"] : []),
      );
    },
  },
  {
    id: "03.controls",
    lesson: "03",
    transports: BOTH,
    name: both(
      "shows control characters from the network as visible marks, never raw",
      "控制字符显示为可见记号，绝不原样输出",
    ),
    reread: both("lessons/03-client.ts B3: clean()", "lessons/03-client.ts B3：clean()"),
    async run(c) {
      const { hub, term } = await clientOf(c);
      hub.sendLine(HOSTILE);
      await shows(c, term, " end", both("the client prints the hostile line", "客户端打印那一行恶意文字"));
      const raw = term.raw();
      for (const [bad, what] of HOSTILE_PARTS) {
        if (raw.includes(bad)) {
          c.fail(
            both(`the client replaces ${what.en} with a visible mark`, `客户端把${what.zh}替换成可见记号`),
            both(
              `it printed ${what.en} raw: ${escapeBytes(new TextEncoder().encode(bad))}`,
              `它原样打印了${what.zh}：${escapeBytes(new TextEncoder().encode(bad))}`,
            ),
            ["raw-bytes"],
          );
        }
      }
      if (!term.screen().includes("pink")) {
        c.fail(both("the text around the controls is still shown", "控制字符周围的文字照样显示"), screenOf(term));
      }
    },
  },
  leaves("Ctrl+D", "\x04", "Ctrl+D"),
  leaves("Ctrl+C", "\x03", "Ctrl+C"),
  leaves('"exit"', "exit\r", '"exit"'),
  {
    id: "03.with-hub",
    lesson: "03",
    transports: BOTH,
    name: both("talks to lesson 02's hub together with another client", "和另一个客户端一起，与第 02 课的 hub 交谈"),
    reread: both(
      "lessons/03-client.ts §3 and §4; try it: bun lessons/02-hub.ts, then your client",
      "lessons/03-client.ts §3 和 §4；动手试试：先运行 bun lessons/02-hub.ts，再运行你的客户端",
    ),
    async run(c) {
      const hubProgram = await c.helper(referenceCommand("02"), LESSON_02_HUB);
      const port = hubProgram.port;
      const overTcp = c.transport === "udp" ? c.tcpTrap(port) : () => false;
      const other = await c.connect(c.transport, port, "other");
      if (c.transport === "udp") other.sendLine(""); // join
      const before = new Set(connectedTo(port) ?? []);
      const term = c.terminal(c.o.command, c.transport, { port, args: c.o.args });
      const done = () => !term.running || overTcp();
      // Over TCP the other client hears the client join when it connects: it is running.
      if (c.transport === "tcp") {
        const expected = both(
          'the other client gets a "*** ..." line naming the client\'s port (it joined)',
          '另一个客户端收到一行 "*** ..."，写着这个客户端的端口（它加入了）',
        );
        await c.waitFor(
          () => done() || joined(other, port, before),
          expected,
          () => both(`${c.arrived(other).en}; ${screenOf(term).en}`, `${c.arrived(other).zh}；${screenOf(term).zh}`),
          [],
          { ms: c.o.readyMs ?? 5000 },
        );
        await stillRunning(c, term, { port, overTcp, expected });
      }
      term.type("anyone there?\r");
      const expected = both("the other client receives the typed line", "另一个客户端收到输入的那一行");
      await c.waitFor(
        () => done() || other.lines().some((line) => line.includes("anyone there?")),
        expected,
        () => c.arrived(other),
        [],
        { ms: c.transport === "tcp" ? c.waitMs : (c.o.readyMs ?? 5000) },
      );
      await stillRunning(c, term, { port, overTcp, expected });
      other.sendLine("yes, me");
      await shows(
        c,
        term,
        "yes, me",
        both("the client prints the other client's line", "客户端打印另一个客户端的那一行"),
      );
    },
  },
];
