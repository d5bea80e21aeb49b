/**
 * One screen, always: what `bun run grade` prints for a program fits an 80×40
 * terminal (38 lines: the command typed and the next prompt take the other two),
 * every line within 80 columns by display width, in English and in Chinese,
 * whatever the program sends. Every program in tests/fixtures/ is graded once
 * (over UDP when its name says it is about UDP, else TCP) and its screen rendered
 * as a program's and as a workspace exercise's; then a program that sends the
 * worst (a kilobyte of one character, megabytes, a long traceback, thirty
 * failing checks) is rendered the same way.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, stripAnsi, WireLog, type Transport } from "../tools/harness/index.ts";
import { TEST_SEED } from "../tools/grader/bun-test.ts";
import { CHECKS } from "../tools/grader/checks/index.ts";
import type { ExerciseId } from "../tools/grader/exam.ts";
import { commandFrom, EXERCISE_IDS } from "../tools/grader/exercises.ts";
import type { Opts, Plan } from "../tools/grader/plan.ts";
import { checksFor, runChecks, verdictOf, type CheckResult, type Verdict } from "../tools/grader/run.ts";
import { gradeScreen } from "../tools/grader/screen.ts";

const WIDTH = 80;
const HEIGHT = 40;
const opts: Opts = { disturb: true, readyMs: 20_000, waitMs: 1000 };
const hasPython = Bun.which("python3") !== null;

/** The screens a program's verdict makes: graded as a program, and as the workspace's exercise. */
function screens(id: ExerciseId, label: string, v: Verdict): Record<string, string> {
  const command = { argv: ["python3", label], label, custom: true };
  const job = { id, command, where: label, replay: `bun run grade ${id} {tr} {seed} -- ${label}` };
  const asProgram: Plan = { kind: "program", jobs: [job], states: [], asked: [id], progress: {} };
  const states = EXERCISE_IDS.map((x) =>
    x === id
      ? { id: x, state: "started" as const, file: join(ROOT, "workspace", label.split("/").pop()!), others: [] }
      : { id: x, state: "missing" as const },
  );
  const asExercise: Plan = {
    kind: "workspace",
    jobs: [{ ...job, file: states.find((s) => s.id === id)!.file, where: `workspace/${label.split("/").pop()}` }],
    states,
    asked: [id],
    progress: {},
  };
  const out: Record<string, string> = {};
  for (const lang of ["en", "zh"] as const) {
    const o = { lang, width: WIDTH, height: HEIGHT, seed: 1, opts };
    out[`${lang} program`] = stripAnsi(gradeScreen(asProgram, [v], o));
    out[`${lang} workspace`] = stripAnsi(gradeScreen(asExercise, [v], o));
    out[`${lang} watching`] = stripAnsi(
      gradeScreen(asExercise, [v], { ...o, watching: "watching workspace/ (Ctrl+C stops) · graded at 12:00:00" }),
    );
  }
  return out;
}

/** What does not fit: lines past 38 (39 when watching), lines past 80 columns. */
function misfits(screen: string, watching: boolean): string[] {
  const lines = screen.split("\n");
  const out: string[] = [];
  const most = HEIGHT - (watching ? 1 : 2);
  if (lines.length > most) out.push(`${lines.length} lines (at most ${most})`);
  for (const line of lines) if (Bun.stringWidth(line) > WIDTH) out.push(`${Bun.stringWidth(line)} columns: ${line}`);
  return out;
}

const folders = ["mutants", "programs"] as const;
const fixtures = folders.flatMap((folder) =>
  readdirSync(join(ROOT, "tests/fixtures", folder))
    .filter((f) => /\.(ts|py)$/.test(f))
    .map((f) => ({ folder, file: f })),
);
/** The lesson a fixture is for (its number; a program without one is graded as lesson 01), and its transport. */
const lessonOf = (file: string) => (/^0[1-4]/.test(file) ? (file.slice(0, 2) as ExerciseId) : "01");
const transportOf = (file: string): Transport => (/udp/.test(file) ? "udp" : "tcp");

/**
 * The checks a fixture is graded on: the first four of its lesson over its
 * transport, the ones a learner meets first (GRADER_SCREENS=all: every one); the
 * megabyte flood of a slow-reader check only for a fixture that is about writes,
 * and then only that check. A long list of other failures is the worst case's.
 */
const slow = (id: string) => id.endsWith(".slow-reader");
const aboutWrites = (file: string) => /write|send|sendall/.test(file);
const every = process.env.GRADER_SCREENS === "all";
function checksOf(file: string) {
  const all = checksFor(lessonOf(file), transportOf(file));
  if (aboutWrites(file)) return all.filter((k) => slow(k.id));
  const rest = all.filter((k) => !slow(k.id));
  return every ? rest : rest.slice(0, 4);
}

// Start every grading now; each test awaits its own.
const graded = fixtures.map(({ folder, file }) => {
  if (file.endsWith(".py") && !hasPython) return undefined;
  const command = commandFrom([join(ROOT, "tests/fixtures", folder, file)]);
  const list = checksOf(file).map((check) => ({ check, transport: transportOf(file) }));
  return runChecks(list, { ...opts, command, seed: TEST_SEED }).then((results) =>
    verdictOf(lessonOf(file), [transportOf(file)], results),
  );
});
/** The longest screen seen, per language, for the record. */
const longest: Record<string, { lines: number; which: string }> = {};
afterAll(() => {
  for (const [lang, l] of Object.entries(longest)) console.log(`longest ${lang} screen: ${l.lines} lines (${l.which})`);
});

describe("one screen, always: every report fits 80×40, in English and Chinese", () => {
  fixtures.forEach(({ folder, file }, i) => {
    const title = `${folder}/${file} (lesson ${lessonOf(file)}, ${transportOf(file)})`;
    if (!graded[i]) {
      test.skip(`${title} — skipped: python3 is not installed (apt-get install python3)`, () => {});
      return;
    }
    test(
      title,
      async () => {
        const v = await graded[i]!;
        const label = `tests/fixtures/${folder}/${file}`;
        for (const [which, screen] of Object.entries(screens(lessonOf(file), label, v))) {
          const lang = which.slice(0, 2);
          const lines = screen.split("\n").length;
          if (lines > (longest[lang]?.lines ?? 0)) longest[lang] = { lines, which: `${label}, ${which}` };
          const wrong = misfits(screen, which.endsWith("watching"));
          if (wrong.length > 0) throw new Error(`${which}: ${wrong.join("; ")}\n${screen}`);
        }
      },
      90_000,
    );
  });

  test("a program that sends the worst still fits, its repeats elided", () => {
    const wire = new WireLog();
    const enc = new TextEncoder();
    wire.record("alice", "open", undefined, "127.0.0.1:40000 -> 127.0.0.1:9009");
    for (let k = 0; k < 300; k++) {
      wire.record("alice", "sent", enc.encode(`line ${k} ${"x".repeat(3000)}\n`));
      wire.record("alice", "recv", enc.encode(`[Mon Nov 30 00:51:13 2026] ${"你".repeat(1024 + k)}`));
    }
    const traceback = Array.from(
      { length: 200 },
      (_, k) => `  File "/home/learner/a/very/long/path/${"deep/".repeat(20)}echo.py", line ${k}, in <module>`,
    );
    const result = (id: string, k: number): CheckResult => ({
      check: CHECKS.find((c) => c.id === id)!,
      transport: k % 2 === 0 ? "tcp" : "udp",
      status: k === 0 ? "fail" : k % 3 === 0 ? "blocked" : "fail",
      expected: {
        en: `alice receives a line ending with "${"你".repeat(1024)}" (and "\\n" at its end)`,
        zh: `alice 收到一行以 "${"你".repeat(1024)}" 结尾`,
      },
      arrived: {
        en: `alice received "${"你".repeat(2000)}${"\\x1b[31m".repeat(50)}"`,
        zh: `alice 收到了 "${"你".repeat(2000)}"`,
      },
      symptoms: ["one-read-one-message", "decode-per-read", "no-newline", "writes-assumed-complete"],
      events: wire.events,
      outputs: [
        {
          label: "python3 echo.py --port 9009",
          kind: "output",
          text: traceback.join("\n") + "\nUnicodeDecodeError: " + "z".repeat(5000),
        },
        { label: "python3 echo.py --port 9009", kind: "output", text: "second output\n".repeat(100) },
      ],
      seed: 7,
      ms: 1,
    });
    const ids = checksFor("01", "tcp").map((c) => c.id);
    const results = Array.from({ length: 30 }, (_, k) => result(ids[k % ids.length]!, k));
    const v = verdictOf("01", ["tcp", "udp"], results);
    for (const [which, screen] of Object.entries(screens("01", "echo.py", v))) {
      expect({ which, misfits: misfits(screen, which.endsWith("watching")) }).toEqual({ which, misfits: [] });
      expect(screen).toMatch(which.startsWith("zh") ? /你你你…（另有 [\d,]+ 个）/ : /你你你…\([\d,]+ more\)/);
      expect(screen).toContain(which.startsWith("zh") ? "一次读取就是一条消息" : "one read is one message");
    }
  }, 60_000);
});
