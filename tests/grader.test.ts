/**
 * The grader, graded. Every program in tests/fixtures/mutants/ says in a line of
 * its own what the grader must name when it grades it in full (its label, see
 * tools/grader/corpus.ts): each is graded twice with one seed, both gradings must
 * name the label, and check by check give the same verdicts; the table of labels
 * against what was named (the confusion table) is printed and must be diagonal.
 * `bun run stability` does the same ten and ten times, idle and busy.
 * (That the kit's own programs pass every check is tests/lessons/.)
 * All gradings start at once and share the grader's limit on checks at a time.
 *
 * Past 400 lines: the corpus, and the tests of the grader's parts that its
 * verdicts read.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import {
  activity,
  canWatch,
  connectPeer,
  freeze,
  mulberry32,
  ROOT,
  seedFor,
  startProgram,
  stripAnsi,
  taken,
  thaw,
  until,
  WireLog,
} from "../tools/harness/index.ts";
import { runAsTest, TEST_SEED } from "../tools/grader/bun-test.ts";
import { CHECKS } from "../tools/grader/checks/index.ts";
import { corpus, labelsIn, named, signature, unlabelled, type Labelled } from "../tools/grader/corpus.ts";
import { crashIn } from "../tools/grader/crash.ts";
import { seededDisturbance } from "../tools/grader/disturb.ts";
import { inPieces } from "../tools/grader/exam.ts";
import { commandFrom } from "../tools/grader/exercises.ts";
import { ARTICLE_BUGS, MISCONCEPTIONS, diagnose, type MisconceptionId } from "../tools/grader/misconceptions.ts";
import {
  formatExtras,
  formatFailure,
  formatProgress,
  formatVerdict,
  programKind,
  stateOf,
} from "../tools/grader/report.ts";
import { gradeExercise, runChecks, verdictOf, type Verdict } from "../tools/grader/run.ts";
import { clip, pickLang, width, wrap } from "../tools/grader/text.ts";
import { compactTimeline, fullTimeline } from "../tools/grader/timeline.ts";
import { noPython } from "./helpers/python.ts";

/** Why a misconception has no labelled program in one of the two languages. */
const UNNATURAL: Partial<Record<MisconceptionId, { ts?: string; py?: string }>> = {
  "silence-stalls": { ts: "nothing blocks in Bun's event loop: a blocking recv() is Python's (or C's) mistake" },
  "one-client-at-a-time": {
    ts: "Bun.listen calls you for every client: serving one at a time is Python's (or C's) loop",
  },
  "shared-state": {
    py: "Bun.listen's one shared `data` object is the natural way in; Python code keeps state per socket by hand",
  },
  "udp-stale-error": {
    py: "Linux reports a bounced datagram to an unconnected Python UDP socket only with IP_RECVERR set",
  },
  "udp-like-tcp": {
    py: "a Python reader's UDP server answers recvfrom() as it comes; 01-udp-stream.ts is the TypeScript one",
  },
  "decode-per-read": {
    py: "in Python it crashes first, as the article's echo does (01-article-echo.py's 01.utf8 names it)",
  },
  "clients-never-added": { py: "04-article-chat.py is the article's own, in Python" },
  "no-newline": { py: "03-article-client.py is the article's own, in Python" },
  "echo-to-sender": {
    py: "02-article-hub.py broadcasts to its sender too, but one read as one message is named first",
  },
  "prints-over-prompt": {
    py: "03-article-client.py prints over the prompt too, but its missing newline is named first",
  },
  "raw-bytes": { py: "03-article-client.py prints raw bytes too, but its missing newline is named first" },
  "no-clean-leave": { py: "03-article-client.py cannot leave cleanly either, but its missing newline is named first" },
  "ignores-sigterm": { py: "every Python fixture traps SIGTERM but the article's, which fail for more first" },
  "blocking-send": {},
  "no-sender-name": { ts: "02-no-name.py, in Python, the article's readers' language" },
  "lines-run-together": { ts: "03-eats-newline.py, in Python: the grader's own advice once planted it there" },
  "blank-line": { ts: "a Bun program strips the newline as lesson 01 does; 01-blank-line.py keeps it, the Python way" },
  "hard-coded-port": { ts: "01-port-9009.py, in Python, as the article's PORT = 9009" },
  crash: {},
  "frame-not-line": { py: "Python's standard library has no WebSocket: a bridge in Python is rare for a beginner" },
  "frames-not-text": { py: "Python's standard library has no WebSocket: a bridge in Python is rare for a beginner" },
  "slow-browser-stalls": {
    py: "Python's standard library has no WebSocket: a bridge in Python is rare for a beginner",
  },
};

/** The labelled fixtures this machine can run (the kit's own programs are graded by tests/lessons/). */
const PROGRAMS = corpus({ references: false }).filter((p) => !noPython || !p.name.endsWith(".py"));
const key = (p: Labelled) => `${p.name} ${p.lesson} ${p.transport}`;

// Grade them twice over, a few programs at a time (as many as there are CPUs), in the
// order of the tests below: each test then waits about as long as its own grading,
// and the machine is not swamped (nor a test's time limit spent in a queue).
const gradings = new Map<string, Promise<[Verdict, Verdict]>>();
const untold: string[] = [];
const queue: (() => Promise<void>)[] = [];
for (const p of PROGRAMS) {
  const grade = () => gradeExercise(p.lesson, [p.transport], { command: p.command, seed: TEST_SEED, waitMs: 2000 });
  // "Could not tell" is no verdict: it says the machine kept the grader from seeing (a busy
  // machine may). A grading with a check that could not tell is done again, up to twice;
  // the two gradings compared must then agree check by check.
  const once = async () => {
    for (let tries = 1; ; tries++) {
      const v = await grade();
      const untellable = Object.values(signature(v).checks).includes("could-not-tell");
      if (!untellable || tries === 3) return v;
      untold.push(`${key(p)}: could not tell, graded again`);
    }
  };
  const graded = Promise.withResolvers<[Verdict, Verdict]>();
  gradings.set(key(p), graded.promise);
  queue.push(() => Promise.all([once(), once()]).then(graded.resolve, graded.reject));
}
for (let i = 0; i < availableParallelism(); i++)
  void (async () => {
    while (queue.length > 0) await queue.shift()!();
  })();

const explain = (v: Verdict, lang: "en" | "zh" = "en") =>
  formatVerdict(v, {
    lang,
    width: 100,
    verbose: true,
    replay: () => "bun run grade {seed}",
    program: commandFrom(["x.py"]),
  });

describe("the grader on its labelled programs (tests/fixtures/mutants)", () => {
  const table = new Map<string, Map<string, number>>();
  for (const p of PROGRAMS) {
    const label = p.expect === "pass" || p.expect === "unnamed" ? p.expect : `"${MISCONCEPTIONS[p.expect].name.en}"`;
    test(`${p.name} (lesson ${p.lesson}, ${p.transport}) is graded as ${label}, twice alike`, async () => {
      const [a, b] = await gradings.get(key(p))!;
      for (const v of [a, b]) {
        const row = table.get(p.expect) ?? table.set(p.expect, new Map()).get(p.expect)!;
        row.set(named(v), (row.get(named(v)) ?? 0) + 1);
      }
      if (named(a) !== p.expect) throw new Error(`named ${named(a)}, not ${p.expect}\n${explain(a)}`);
      expect(signature(b)).toEqual(signature(a));
    }, 120_000);
  }

  test("the confusion table (label x named) is diagonal", async () => {
    await Promise.allSettled([...gradings.values()]);
    const labels = [...new Set(PROGRAMS.map((p) => p.expect as string))].sort();
    const seen = [...new Set([...table.values()].flatMap((row) => [...row.keys()]))].sort();
    const columns = [...new Set([...labels, ...seen])];
    const short = (id: string) => id.slice(0, 6);
    const lines = [`${"label \\ named".padEnd(26)}${columns.map((c) => short(c).padStart(7)).join("")}`];
    for (const l of labels)
      lines.push(`${l.padEnd(26)}${columns.map((c) => String(table.get(l)?.get(c) ?? "").padStart(7)).join("")}`);
    console.log(`\nconfusion table, ${PROGRAMS.length} gradings twice each:\n${lines.join("\n")}\n`);
    if (untold.length > 0) console.log(`gradings done again:\n${untold.join("\n")}\n`);
    const off = [...table].flatMap(([l, row]) =>
      [...row].filter(([n]) => n !== l).map(([n, k]) => `${l} -> ${n} x${k}`),
    );
    expect(off).toEqual([]);
  }, 240_000);

  test("every program in tests/fixtures/mutants carries a label", () => {
    expect(unlabelled()).toEqual([]);
  });

  test("every misconception labels a program, in TypeScript and in Python, unless unnatural there", () => {
    const all = corpus({ references: false });
    for (const id of Object.keys(MISCONCEPTIONS) as MisconceptionId[]) {
      const mine = all.filter((p) => p.expect === id);
      if (!UNNATURAL[id]?.ts) expect({ id, ts: mine.some((m) => m.name.endsWith(".ts")) }).toEqual({ id, ts: true });
      if (!UNNATURAL[id]?.py) expect({ id, py: mine.some((m) => m.name.endsWith(".py")) }).toEqual({ id, py: true });
    }
  });

  test("a TCP-only program given --udp is told one thing for every exercise: it uses TCP only", () => {
    const all = corpus({ references: false });
    for (const lesson of ["01", "02", "03", "04"])
      expect({ lesson, tcpOnly: all.some((p) => p.lesson === lesson && p.expect === "tcp-only") }).toEqual({
        lesson,
        tcpOnly: true,
      });
  });

  test("every bug in the table of the article's bugs (both lesson READMEs) is a named misconception", () => {
    /** The first cell of each row of the table under `heading`, without backticks. */
    const bugs = (file: string, heading: RegExp) => {
      const text = readFileSync(join(ROOT, "lessons", file), "utf8").split("\n");
      const start = text.findIndex((l, i) => i > text.findIndex((h) => heading.test(h)) && l.startsWith("|"));
      const end = text.findIndex((l, i) => i > start && !l.startsWith("|"));
      return text.slice(start + 2, end).map((row) => row.split("|")[1]!.replaceAll("`", "").trim());
    };
    const en = bugs("README.md", /^## The article's beginner bugs/);
    const zh = bugs("README.zh-CN.md", /^## 原文的新手错误/);
    expect(en.length).toBeGreaterThanOrEqual(10);
    expect(en).toEqual(ARTICLE_BUGS.map((b) => b.bug.en));
    expect(zh).toEqual(ARTICLE_BUGS.map((b) => b.bug.zh));
    for (const id of ARTICLE_BUGS.flatMap((b) => b.id)) expect(MISCONCEPTIONS[id]).toBeDefined();
  });
});

describe("the grader's parts", () => {
  test.skipIf(!canWatch())(
    "watches a program: asleep while it waits, stopped while frozen, running again when thawed",
    async () => {
      const p = Bun.spawn(["sleep", "30"], { stdout: "ignore", stderr: "ignore" });
      try {
        await until(() => activity(p.pid) && !activity(p.pid)!.busy, 2000);
        const tree = freeze(p.pid);
        await until(() => activity(p.pid)?.stopped, 2000);
        thaw(tree);
        await until(() => activity(p.pid)?.stopped === false, 2000);
      } finally {
        p.kill();
      }
    },
  );

  test.skipIf(!canWatch())(
    "a piece waited for until the program has read it is one read of its own, every time",
    async () => {
      // A program that answers each read as if it were a line: one reply per read, so the
      // replies count the reads. Each piece is sent only once the previous one was taken.
      const port = 20000 + Math.floor(Math.random() * 10000);
      const program = await startProgram({
        command: commandFrom([join(ROOT, "tests/fixtures/mutants/01-one-read.ts")]),
        transport: "tcp",
        port,
      });
      try {
        let replies = 0;
        const sock = await Bun.connect({
          hostname: "127.0.0.1",
          port,
          // Each reply starts with the time, "12:34:56 ": count those.
          socket: {
            data: (_s, chunk) => void (replies += new TextDecoder().decode(chunk).split(/\d\d:\d\d:\d\d /).length - 1),
          },
        });
        sock.setNoDelay(true);
        const pieces = ["a", "bc", "d", "e", "fg", "h", "i", "jk", "l", "m\n"];
        for (const piece of pieces) {
          const before = activity(program.proc.pid)!;
          sock.write(piece);
          const how = await taken(program.proc.pid, before, {
            quietMs: 100,
            ms: 10_000,
            conn: { ours: sock.localPort, theirs: port },
          });
          expect(["read", "woke"]).toContain(how);
        }
        await until(() => replies >= pieces.length, 5000).catch(() => undefined);
        expect(replies).toBe(pieces.length);
        sock.end();
      } finally {
        await program.stop();
      }
    },
  );

  test("reads a label, and refuses a line that looks like one but is not", () => {
    expect(labelsIn("# hi\n# expect: 01 tcp -> one-client-at-a-time\n// expect: 02 udp -> pass\n", "x")).toEqual([
      { lesson: "01", transport: "tcp", expect: "one-client-at-a-time" },
      { lesson: "02", transport: "udp", expect: "pass" },
    ]);
    expect(() => labelsIn("# expect: 01 tcp -> no-such-thing", "x")).toThrow("not a label");
    expect(() => labelsIn("# expect: 07 tcp -> pass", "x")).toThrow("not a label");
  });

  test("every line of a disturbed write is cut inside its text, inside a multi-byte character when it has one", () => {
    const lines = ["hello, echo\n", "你好, wörld 🎉\r\n", "ab\n", "x\n", "no newline"];
    const text = new TextEncoder().encode(lines.join(""));
    // Where each line's text is, and its multi-byte characters, in bytes.
    let at = 0;
    const spans = lines.map((line) => {
      const body = line.replace(/\r?\n$/, "");
      const chars: [number, number][] = [];
      let k = at;
      for (const ch of body) {
        const n = new TextEncoder().encode(ch).length;
        if (n > 1) chars.push([k, k + n]);
        k += n;
      }
      const span = { from: at, to: at + new TextEncoder().encode(body).length, chars };
      at += new TextEncoder().encode(line).length;
      return span;
    });
    for (let seed = 1; seed <= 300; seed++) {
      const pieces = seededDisturbance(mulberry32(seed)).cut(text);
      expect(pieces.reduce((n, p) => n + p.size, 0)).toBe(text.length);
      const cuts: number[] = [];
      for (let i = 0, end = 0; i < pieces.length - 1; i++) cuts.push((end += pieces[i]!.size));
      const inside = (from: number, to: number) => cuts.some((c) => c > from && c < to);
      for (const [i, span] of spans.entries()) {
        if (span.to - span.from < 2) continue; // "x": one character, nothing to cut
        const cut = span.chars.length > 0 ? span.chars.some(([a, b]) => inside(a, b)) : inside(span.from, span.to);
        expect({ seed, line: i, cut }).toEqual({ seed, line: i, cut: true });
      }
    }
    // The same seed, the same cuts.
    expect(seededDisturbance(mulberry32(7)).cut(text)).toEqual(seededDisturbance(mulberry32(7)).cut(text));
  });

  test("names a crash in the learner's own code as a crash, with its error and the learner's file:line", () => {
    const py = [
      "Traceback (most recent call last):",
      '  File "/work/me/echo.py", line 29, in <module>',
      "    buffers[sock] += data",
      "KeyError: <socket.socket fd=4>",
    ].join("\n");
    expect(crashIn(py, ["/work/me/echo.py"], "/work")).toEqual({
      error: "KeyError: <socket.socket fd=4>",
      where: "me/echo.py:29",
      kind: "crash",
    });
    const bun = [
      "55 |         s.data.buffered += s.data.decoder.decode(chunk, { stream: true });",
      "                    ^",
      "TypeError: undefined is not an object (evaluating 's.data.buffered')",
      "      at data (/work/workspace/01-echo.ts:55:9)",
      "",
      "Bun v1.4.5 (Linux x64)",
    ].join("\n");
    expect(crashIn(bun, ["/work/workspace/01-echo.ts"], "/work")).toEqual({
      error: "TypeError: undefined is not an object (evaluating 's.data.buffered')",
      where: "workspace/01-echo.ts:55",
      kind: "crash",
    });
    const kind = (error: string) =>
      crashIn(`Traceback (most recent call last):\n  File "/a.py", line 1\n${error}`, [])?.kind;
    expect(kind("ConnectionResetError: [Errno 104] Connection reset by peer")).toBe("crash-on-reset");
    expect(kind("UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe4")).toBe("decode-per-read");
    expect(kind("OSError: [Errno 98] Address already in use")).toBe("hard-coded-port");
    expect(kind("ValueError: file descriptor cannot be a negative integer (-1)")).toBe("clients-never-removed");
    expect(crashIn("echo: listening on 127.0.0.1:9009\n", [])).toBeUndefined();
  });

  test("a check that could not tell says so, and the replay line then does not promise the same verdict", () => {
    const reply = CHECKS.find((k) => k.id === "01.reply")!;
    const why = { en: "for 12.0 s the programs waited for a CPU instead of running", zh: "有 12.0 秒，程序在等 CPU" };
    const unsure = { check: reply, transport: "tcp" as const, status: "unsure" as const, arrived: why };
    const v = verdictOf("01", ["tcp"], [{ ...unsure, symptoms: [], events: [], outputs: [], seed: 3, ms: 1 }]);
    expect(v.ok).toBe(false);
    expect(named(v)).toBe("could-not-tell");
    const o = { width: 80, replay: () => "bun run grade 01 {seed}", program: commandFrom(["e.py"]) };
    const en = stripAnsi(formatVerdict(v, { ...o, lang: "en" }));
    expect(en).toContain("could not tell: for 12.0 s the programs waited for a CPU");
    expect(en).toContain("run again: bun run grade 01 --seed 3");
    expect(en).not.toContain("replay exactly");
    expect(stripAnsi(stateOf(v, "en"))).toBe("could not tell 1 of 1 checks");
    expect(stripAnsi(formatVerdict(v, { ...o, lang: "zh" }))).toContain("无法判断");
  });

  test("the seeded random numbers replay exactly", () => {
    const a = mulberry32(seedFor(42, "02.relay/tcp"));
    const b = mulberry32(seedFor(42, "02.relay/tcp"));
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, mulberry32(seedFor(43, "02.relay/tcp")))).not.toEqual(xs);
  });

  test("recognises a line that arrived cut into pieces", () => {
    expect(inPieces("<ann> he<ann> llo, everyone\n", "hello, everyone")).toBe(true);
    expect(inPieces("<ann> hello, everyone\n", "hello, everyone")).toBe(false);
    expect(inPieces("nothing like it", "hello, everyone")).toBe(false);
  });

  test("every misconception is explained in English and Chinese, with a lesson to re-read", () => {
    for (const m of Object.values(MISCONCEPTIONS)) {
      for (const lang of ["en", "zh"] as const) {
        expect(m.name[lang].length).toBeGreaterThan(0);
        expect(m.explain[lang].length).toBeGreaterThan(40);
      }
      expect(m.explain.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(m.reread.en).toMatch(/^lessons\//);
      expect(m.reread.zh).toMatch(/^lessons\//);
    }
    expect(diagnose(["no-newline", "echo-to-sender", "no-newline"]).map((m) => m.id)).toEqual([
      "no-newline",
      "echo-to-sender",
    ]);
  });

  test("every check has a name in English and Chinese, and a subject when it can be blocked", () => {
    for (const k of CHECKS) {
      expect(k.name.zh).toMatch(/[\u4e00-\u9fff]/);
      if (k.extra) expect(k.subject).toBeDefined();
    }
    expect(new Set(CHECKS.map((k) => k.id)).size).toBe(CHECKS.length);
  });

  test("picks the language from --lang, else the locale", () => {
    expect(pickLang("zh")).toBe("zh");
    expect(pickLang(undefined, { LANG: "zh_CN.UTF-8" })).toBe("zh");
    expect(pickLang(undefined, { LANG: "C.UTF-8" })).toBe("en");
    // An empty variable counts as unset (POSIX), as in src/i18n.ts: LANG decides here.
    expect(pickLang(undefined, { LC_ALL: "", LC_MESSAGES: "", LANG: "zh_CN.UTF-8" })).toBe("zh");
  });

  test("runs a lone .py file with python3 and a .ts file with this Bun, and knows which is which", () => {
    expect(commandFrom(["my_hub.py"], "/tmp").argv).toEqual([
      expect.stringMatching(/python[\d.]*$/),
      "-u",
      "/tmp/my_hub.py",
    ]);
    expect(commandFrom(["my-echo.ts"], "/tmp").argv).toEqual([process.execPath, "/tmp/my-echo.ts"]);
    expect(commandFrom(["python3", "x.py", "--verbose"]).argv).toEqual(["python3", "x.py", "--verbose"]);
    expect(programKind(commandFrom(["my_hub.py"]))).toBe("python");
    expect(programKind(commandFrom(["my-echo.ts"]))).toBe("bun");
    expect(programKind(commandFrom(["./a.out"]))).toBeUndefined();
  });

  test("wraps by display width: Chinese breaks between characters, a Latin word never", () => {
    const zh = "一次读取可能正好在字符中间结束，TextDecoder 要加上 { stream: true }，否则会变成乱码。";
    for (const row of wrap(zh, 24).split("\n")) expect(width(row)).toBeLessThanOrEqual(24);
    expect(wrap(zh, 24)).toContain("TextDecoder");
    expect(
      wrap(zh, 24)
        .split("\n")
        .some((row) => row.startsWith("，") || row.startsWith("。")),
    ).toBe(false);
    const en = "a ConnectionResetError is one client's problem, not the server's";
    expect(wrap(en, 20).split("\n")).toContain("a");
    expect(wrap(en, 20)).toContain("ConnectionResetError");
    for (const row of wrap(en, 30).split("\n")) expect(row.length).toBeLessThanOrEqual(30);
  });

  test("the short wire timeline keeps the pieces of a write on one row and collapses repeats", () => {
    const log = new WireLog();
    for (let k = 1; k <= 12; k++) {
      log.record("ann", "sent", new TextEncoder().encode(`ready? ann #${k}\n`));
      log.events[log.events.length - 1]!.at = k * 250;
    }
    for (const piece of ["he", "llo", "\n"]) log.record("bo", "sent", new TextEncoder().encode(piece));
    for (const e of log.events.slice(-3)) e.at = 4000;
    const { lines } = compactTimeline(log.events, { rows: 10, width: 80, lang: "en" });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"ready? ann #1\\n"  (+11 like it)');
    expect(lines[1]).toContain('"he" "llo" "\\n"  (3 writes)');
    expect(compactTimeline(log.events, { rows: 10, width: 80, lang: "zh" }).lines[1]).toContain("3次写入");
  });

  test("the short wire timeline counts a block of rows that repeats (a line sent, the line relayed) once", () => {
    const log = new WireLog();
    const line = (i: number) => `flood ${String(i).padStart(5, "0")} ${"y".repeat(200)}\n`;
    for (let i = 0; i < 10; i++) {
      log.record("ann", "sent", new TextEncoder().encode(line(i)));
      // The relayed copy arrives cut into a different number of reads each time.
      for (let k = 0; k <= i % 3; k++) log.record("bo", "recv", new TextEncoder().encode(`<x:1> ${line(i)}`));
      for (const e of log.events.slice(-(2 + (i % 3)))) e.at = i * 100;
    }
    const { lines } = compactTimeline(log.events, { rows: 8, width: 80, lang: "en" });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("(+9 like it)");
    expect(lines[1]).toContain("(+9 like it)");
  });

  test("wire notes are worded in the report's language", async () => {
    const log = new WireLog();
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const peer = await connectPeer("tcp", server.port, { name: "ann", wire: log });
    peer.reset();
    const udp = await connectPeer("udp", server.port, { name: "bo", wire: log });
    udp.close();
    server.stop(true);
    const zh = compactTimeline(log.events, { rows: 10, width: 100, lang: "zh" }).lines.join("\n");
    expect(zh).toContain("我们重置了连接（RST）");
    expect(zh).toContain("我们关闭了自己的套接字");
    expect(zh).toContain("对方是");
    expect(zh).not.toMatch(/we reset|we closed|talking to/);
    expect(fullTimeline(log.events, { limit: 10, width: 80, lang: "zh" }).join("\n")).toContain("关闭");
    const en = compactTimeline(log.events, { rows: 10, width: 100, lang: "en" }).lines.join("\n");
    expect(en).toContain("we reset the connection (RST)");
  });

  test("a cut never ends inside an escape, and a passing exercise's extra is one line with its fix", () => {
    const cut = clip('answers "one\\r\\ntwo\\r\\n" as two lines', 16);
    expect(cut).not.toMatch(/\\…/);
    expect(width(cut)).toBeLessThanOrEqual(16);
    const sigterm = CHECKS.find((k) => k.id === "01.sigterm")!;
    const reply = CHECKS.find((k) => k.id === "01.reply")!;
    const passed = { check: reply, transport: "tcp" as const, status: "pass" as const };
    const failed = { check: sigterm, transport: "tcp" as const, status: "fail" as const, seed: 1, ms: 1 };
    const results = [
      { ...passed, symptoms: [], events: [], outputs: [], seed: 1, ms: 1 },
      { ...failed, symptoms: ["ignores-sigterm" as const], events: [], outputs: [] },
      { ...failed, transport: "udp" as const, symptoms: ["ignores-sigterm" as const], events: [], outputs: [] },
    ];
    const v = verdictOf("01", ["tcp", "udp"], results);
    expect(v.ok).toBe(true);
    const text = formatExtras(v, { lang: "en", width: 130, replay: () => "", program: commandFrom(["e.py"]) });
    expect(text.split("\n")).toHaveLength(1);
    expect(text).toContain("extra: stops with exit code 0 on SIGTERM — signal.signal(signal.SIGTERM");
    const narrow = formatExtras(v, { lang: "zh", width: 80, replay: () => "", program: commandFrom(["e.py"]) });
    expect(narrow.split("\n")[1]).toBe(
      "    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # import signal, sys",
    );
  });

  test("the progress bar counts every exercise of the workspace, graded this time or not", () => {
    const row = (id: "01" | "02" | "03" | "04", state: "passed" | "not-graded" | "not-started") => ({
      id,
      state,
      detail: state,
      where: "",
    });
    const all = [row("01", "passed"), row("02", "not-graded"), row("03", "not-started"), row("04", "not-started")];
    const text = formatProgress([all[0]!], "en", all);
    expect(text).toContain("1/4 exercises passed");
    expect(text.split("\n")).toHaveLength(2);
  });

  test("a report shows the first failure in full, then one line per other failure, in English and Chinese", () => {
    const wire = new WireLog();
    wire.record("alice", "open", undefined, "127.0.0.1:40000 -> 127.0.0.1:9009");
    wire.record("alice", "sent", new TextEncoder().encode("hello, echo\n"));
    wire.record("alice", "recv", new TextEncoder().encode("[Mon Nov 30 00:51:13 2026] hel"));
    const check = (id: string) => CHECKS.find((k) => k.id === id)!;
    const failed = {
      check: check("01.reply"),
      transport: "tcp" as const,
      status: "fail" as const,
      expected: { en: 'alice receives a line ending with "hello, echo"', zh: 'alice 收到一行以 "hello, echo" 结尾' },
      arrived: {
        en: 'alice received "[Mon Nov 30 00:51:13 2026] hel"',
        zh: 'alice 收到了 "[Mon Nov 30 00:51:13 2026] hel"',
      },
      symptoms: ["one-read-one-message" as const],
      events: wire.events,
      outputs: [],
      seed: 7,
      ms: 1,
    };
    const blocked = { ...failed, check: check("01.time"), status: "blocked" as const };
    const v = verdictOf("01", ["tcp"], [failed, blocked]);
    const options = { width: 80, replay: () => "bun run grade 01 --tcp {seed}", program: commandFrom(["e.py"]) };
    // Read as a person reads it: colours are on where picocolors says so (a terminal, or CI=true).
    const text = stripAnsi(formatVerdict(v, { ...options, lang: "en" }));
    expect(text).toContain("expected: alice receives");
    expect(text).toContain("arrived:  alice received");
    expect(text).toMatch(/ms {2}alice +-> +"hello, echo\\n"/);
    expect(text).toContain('this looks like: "one read is one message"');
    expect(text).toContain("also failing:");
    expect(text).toContain("not reached: an earlier step failed");
    expect(text).toContain("bun run grade 01 --tcp --seed 7");
    for (const row of text.split("\n")) expect(width(row)).toBeLessThanOrEqual(80);
    const zh = stripAnsi(formatVerdict(v, { ...options, lang: "zh" }));
    expect(zh).toContain("期望：alice");
    expect(zh).toContain("alice 收到一行以");
    expect(zh).toContain(`这看起来是：“${MISCONCEPTIONS["one-read-one-message"].name.zh}”`);
    expect(zh).toContain("没走到：前面的一步先失败了");
    expect(zh).not.toMatch(/receives a line|looks like|also failing/);
    for (const row of zh.split("\n")) expect(width(row)).toBeLessThanOrEqual(80);
  });

  const sigtermTitle = "the SIGTERM extra fails on its own, and names the fix in the program's own language";
  test.skipIf(noPython)(
    sigtermTitle,
    async () => {
      const echo = PROGRAMS.find((p) => p.name.endsWith("01-article-echo.py") && p.transport === "tcp")!;
      const [v] = await gradings.get(key(echo))!;
      const sigterm = v.results.find((r) => r.check.id === "01.sigterm")!;
      expect(sigterm.status).toBe("fail");
      const told = formatFailure(
        sigterm,
        { lang: "en", width: 80, replay: () => "", program: commandFrom(["e.py"]) },
        false,
      );
      expect(told).toContain('this looks like: "SIGTERM not handled"');
      expect(told).toContain("lessons/01-echo.ts §5");
      expect(told).toContain("signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))");
      expect(told).not.toContain("process.on(");
    },
    120_000,
  );

  test("a chat server that ignores --lang zh is told it was given --lang zh, and what to re-read", async () => {
    const command = commandFrom([join(ROOT, "tests/fixtures/mutants/04-no-lang.ts")]);
    const lang = CHECKS.find((k) => k.id === "04.lang")!;
    const results = await runChecks([{ check: lang, transport: "tcp" }], { command, seed: TEST_SEED });
    const v = verdictOf("04", ["tcp"], results);
    expect(v.ok).toBe(false);
    const report = (lang: "en" | "zh") =>
      formatVerdict(v, { lang, width: 80, replay: () => "", program: command })
        .replace(/\x1b\[[0-9;]*m/g, "")
        .replace(/\s+/g, " ");
    expect(report("en")).toContain("your program was given --lang zh");
    expect(report("en")).toContain("re-read lessons/04-chat.ts §1");
    expect(report("en")).toContain("LANGUAGE table");
    expect(report("zh")).toContain("你的程序收到了 --lang zh");
    expect(report("zh")).toContain("LANGUAGE 表");
  }, 120_000);

  test("a lesson test fails with the grader's story: expected, arrived, diagnosis, wire and replay", async () => {
    const check = CHECKS.find((k) => k.id === "02.no-echo")!;
    const mutant = join(ROOT, "tests/fixtures/mutants/02-echo-to-sender.ts");
    const suite = {
      id: "02" as const,
      command: commandFrom([mutant]),
      kit: false,
      replay: "bun run grade 02 {tr} {seed} -- x",
    };
    const error = await runAsTest(check, "tcp", suite, { LANG: "C.UTF-8" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const text = (error as Error).message;
    expect(text).toContain("expected");
    expect(text).toContain("arrived");
    expect(text).toContain('this looks like: "sent back to the sender"');
    expect(text).toContain("bun run grade 02 --tcp --seed");
    expect(text).toMatch(/ms {2}ann +-> /);
  }, 120_000);
});
