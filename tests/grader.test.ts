/**
 * The grader, graded. Every broken program in tests/fixtures/mutants/ must be
 * caught over the disturbed transport, with its misconception named (in English
 * and Chinese); the article's own programs, run as written, are graded in full.
 * (That the kit's own programs pass every check is tests/lessons/.)
 * All gradings start at once and share the grader's limit on checks at a time.
 *
 * Past 400 lines: it is one table of mutants, each with the misconception it must
 * be named by, and the tests of the grader's parts that the table's failures read.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connectPeer, mulberry32, ROOT, seedFor, stripAnsi, WireLog, type Transport } from "../tools/harness/index.ts";
import { runAsTest, TEST_SEED } from "../tools/grader/bun-test.ts";
import { CHECKS } from "../tools/grader/checks/index.ts";
import { inPieces, type ExerciseId } from "../tools/grader/exam.ts";
import { commandFrom } from "../tools/grader/exercises.ts";
import { ARTICLE_BUGS, MISCONCEPTIONS, diagnose, type MisconceptionId } from "../tools/grader/misconceptions.ts";
import { formatExtras, formatFailure, formatProgress, formatVerdict, programKind } from "../tools/grader/report.ts";
import { allMisconceptions, checksFor, firstFailing, runChecks, verdictOf, type Verdict } from "../tools/grader/run.ts";
import { clip, pickLang, width, wrap } from "../tools/grader/text.ts";
import { compactTimeline, fullTimeline } from "../tools/grader/timeline.ts";

type Case = {
  file: string;
  lesson: ExerciseId;
  transport: Transport;
  /** Named by some failing check; for a program graded in full, the first failing check names one of them. */
  expect: MisconceptionId[];
  /** Only these checks (a mutant with one bug); every check of the lesson when left out. */
  only?: string[];
  /** The lesson still passes: the bug is in an extra check. */
  passes?: true;
};

const MUTANTS: Case[] = [
  // TypeScript, one bug each.
  {
    file: "01-one-read.ts",
    lesson: "01",
    transport: "tcp",
    expect: ["one-read-one-message"],
    only: ["01.merged", "01.split"],
  },
  { file: "01-decode-per-read.ts", lesson: "01", transport: "tcp", expect: ["decode-per-read"], only: ["01.split"] },
  { file: "01-no-newline.ts", lesson: "01", transport: "tcp", expect: ["no-newline"], only: ["01.reply"] },
  { file: "01-shared-state.ts", lesson: "01", transport: "tcp", expect: ["shared-state"], only: ["01.many"] },
  { file: "01-udp-crash.ts", lesson: "01", transport: "udp", expect: ["crash-on-reset"], only: ["01.reset"] },
  { file: "01-udp-stream.ts", lesson: "01", transport: "udp", expect: ["udp-like-tcp"], only: ["01.udp-plain"] },
  {
    file: "01-short-write.ts",
    lesson: "01",
    transport: "tcp",
    expect: ["writes-assumed-complete"],
    only: ["01.slow-reader"],
  },
  { file: "01-no-sigterm.ts", lesson: "01", transport: "tcp", expect: ["ignores-sigterm"], passes: true },
  {
    file: "02-echo-to-sender.ts",
    lesson: "02",
    transport: "tcp",
    expect: ["echo-to-sender"],
    only: ["02.relay", "02.no-echo"],
  },
  { file: "02-never-added.ts", lesson: "02", transport: "tcp", expect: ["clients-never-added"], only: ["02.relay"] },
  { file: "02-never-removed.ts", lesson: "02", transport: "udp", expect: ["clients-never-removed"], only: ["02.quit"] },
  { file: "02-await-send.ts", lesson: "02", transport: "tcp", expect: ["blocking-send"], only: ["02.slow-reader"] },
  { file: "02-swallowed-send.ts", lesson: "02", transport: "udp", expect: ["udp-stale-error"], only: ["02.vanish"] },
  {
    file: "02-short-write.ts",
    lesson: "02",
    transport: "tcp",
    expect: ["writes-assumed-complete"],
    only: ["02.slow-reader"],
  },
  // A UDP hub that knows no "/quit", graded in full: the first failing check names it.
  { file: "02-no-quit.ts", lesson: "02", transport: "udp", expect: ["clients-never-removed"] },
  { file: "03-print-over.ts", lesson: "03", transport: "tcp", expect: ["prints-over-prompt"], only: ["03.half-typed"] },
  { file: "03-raw.ts", lesson: "03", transport: "tcp", expect: ["raw-bytes"], only: ["03.controls"] },
  {
    file: "03-no-leave.ts",
    lesson: "03",
    transport: "udp",
    expect: ["no-clean-leave"],
    only: ["03.leave-ctrld", "03.leave-ctrlc", "03.leave-exit"],
  },
  // Python, one bug each.
  { file: "01-blocking.py", lesson: "01", transport: "tcp", expect: ["silence-stalls"], only: ["01.silent"] },
  {
    file: "01-blocking.py",
    lesson: "01",
    transport: "tcp",
    expect: ["one-client-at-a-time"],
    only: ["01.several"],
  },
  // Graded in full (its replies lack ctime too): the first check shown names what it does wrong.
  { file: "01-blocking.py", lesson: "01", transport: "tcp", expect: ["one-client-at-a-time", "silence-stalls"] },
  { file: "01-crash-on-reset.py", lesson: "01", transport: "tcp", expect: ["crash-on-reset"], only: ["01.reset"] },
  {
    file: "01-send-once.py",
    lesson: "01",
    transport: "tcp",
    expect: ["writes-assumed-complete"],
    only: ["01.slow-reader"],
  },
  { file: "02-sendall.py", lesson: "02", transport: "tcp", expect: ["blocking-send"], only: ["02.slow-reader"] },
  {
    file: "02-never-removed.py",
    lesson: "02",
    transport: "tcp",
    expect: ["clients-never-removed"],
    only: ["02.vanish"],
  },
  {
    file: "02-short-send.py",
    lesson: "02",
    transport: "tcp",
    expect: ["writes-assumed-complete"],
    only: ["02.slow-reader"],
  },
  // Never removed, but every send in try/except: no crash, only "[Errno 32] Broken pipe" printed.
  {
    file: "02-keeps-leavers.py",
    lesson: "02",
    transport: "tcp",
    expect: ["clients-never-removed"],
    only: ["02.vanish"],
  },
  { file: "02-article-hub.py", lesson: "02", transport: "tcp", expect: ["one-read-one-message", "echo-to-sender"] },
  // The article's own programs, run as written, graded in full.
  {
    file: "01-article-echo.py",
    lesson: "01",
    transport: "tcp",
    expect: ["one-read-one-message", "decode-per-read", "silence-stalls", "ignores-sigterm"],
  },
  { file: "01-article-echo.py", lesson: "01", transport: "udp", expect: ["udp-like-tcp"] },
  // Given --udp, the article's client connects over TCP all the same.
  { file: "03-article-client.py", lesson: "03", transport: "udp", expect: ["udp-like-tcp"] },
  { file: "04-article-chat.py", lesson: "02", transport: "tcp", expect: ["clients-never-added"] },
  {
    file: "03-article-client.py",
    lesson: "03",
    transport: "tcp",
    expect: ["no-newline", "prints-over-prompt", "raw-bytes", "no-clean-leave"],
  },
];

/** Why a misconception has no mutant in one of the two languages. */
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
};

const hasPython = Bun.which("python3") !== null;
const key = (c: Case) => `${c.file} ${c.lesson} ${c.transport} ${c.only?.join() ?? "all"}`;

// Start every grading now; each test awaits its own.
const graded = new Map<string, Promise<Verdict>>();
for (const c of MUTANTS) {
  if (graded.has(key(c)) || (c.file.endsWith(".py") && !hasPython)) continue;
  const command = commandFrom([join(ROOT, "tests/fixtures/mutants", c.file)]);
  const list = checksFor(c.lesson, c.transport)
    .filter((k) => !c.only || c.only.includes(k.id))
    .map((check) => ({ check, transport: c.transport }));
  graded.set(
    key(c),
    runChecks(list, { command, seed: TEST_SEED, waitMs: 2000 }).then((results) =>
      verdictOf(c.lesson, [c.transport], results),
    ),
  );
}

const explain = (v: Verdict, lang: "en" | "zh" = "en") =>
  formatVerdict(v, {
    lang,
    width: 100,
    verbose: true,
    replay: () => "bun run grade {seed}",
    program: commandFrom(["x.py"]),
  });

describe("the grader on broken programs (tests/fixtures/mutants)", () => {
  for (const c of MUTANTS) {
    const names = c.expect.map((id) => `"${MISCONCEPTIONS[id].name.en}" / "${MISCONCEPTIONS[id].name.zh}"`).join(", ");
    const verdict = c.passes ? "passed, with an extra failing as" : "caught as";
    const name = `${c.file} (lesson ${c.lesson}, ${c.transport}) is ${verdict} ${names}`;
    if (c.file.endsWith(".py") && !hasPython) {
      test.skip(`${name} — skipped: python3 is not installed`, () => {});
      continue;
    }
    test(
      name,
      async () => {
        const v = await graded.get(key(c))!;
        expect(v.ok).toBe(Boolean(c.passes));
        const ids = allMisconceptions(v).map((m) => m.id);
        const missing = c.expect.filter((id) => !ids.includes(id));
        if (missing.length > 0)
          throw new Error(`expected ${JSON.stringify(missing)} among ${JSON.stringify(ids)}\n${explain(v)}`);
        if (!c.only && !c.passes) {
          // A program graded in full: the first failing check, the one shown in full, already names one.
          const first = diagnose(firstFailing(v)!.symptoms).map((m) => m.id);
          if (!first.some((id) => c.expect.includes(id)))
            throw new Error(`the first failing check names ${JSON.stringify(first)}\n${explain(v)}`);
        }
      },
      60_000,
    );
  }

  test("every misconception has a mutant, in TypeScript and in Python, unless unnatural there", () => {
    for (const id of Object.keys(MISCONCEPTIONS) as MisconceptionId[]) {
      const mine = MUTANTS.filter((m) => m.expect.includes(id));
      if (!UNNATURAL[id]?.ts) expect({ id, ts: mine.some((m) => m.file.endsWith(".ts")) }).toEqual({ id, ts: true });
      if (!UNNATURAL[id]?.py) expect({ id, py: mine.some((m) => m.file.endsWith(".py")) }).toEqual({ id, py: true });
    }
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
  test.skipIf(!hasPython)(
    sigtermTitle,
    async () => {
      const v = await graded.get(key(MUTANTS.find((m) => m.file === "01-article-echo.py" && m.transport === "tcp")!))!;
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
    60_000,
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
  });

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
  });
});
