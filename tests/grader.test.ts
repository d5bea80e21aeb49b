/**
 * The grader, graded: every broken program in tests/fixtures/mutants/ must fail
 * with its named misconception over the disturbed transport. (That the kit's own
 * lessons pass every check is tests/lessons/, which runs the same checks.)
 * Mutants run a few at a time (they mostly wait).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT, type LessonId, type Transport } from "../tools/harness/index.ts";
import { CHECKS, inPieces } from "../tools/grader/checks.ts";
import { mulberry32, seedFor } from "../tools/harness/index.ts";
import { MISCONCEPTIONS, diagnose, type MisconceptionId } from "../tools/grader/misconceptions.ts";
import { commandFrom, formatVerdict, gradeLesson, pickLang, runAsTest, type Verdict } from "../tools/grader/report.ts";

type Case = { file: string; lesson: LessonId; transport: Transport; expect?: MisconceptionId };

const MUTANTS: Case[] = [
  { file: "01-one-read.ts", lesson: "01", transport: "tcp", expect: "one-read-one-message" },
  { file: "01-no-newline.ts", lesson: "01", transport: "tcp", expect: "no-newline" },
  { file: "01-shared-state.ts", lesson: "01", transport: "tcp", expect: "shared-state" },
  { file: "01-udp-crash.ts", lesson: "01", transport: "udp", expect: "crash-on-reset" },
  { file: "01-udp-stream.ts", lesson: "01", transport: "udp", expect: "udp-reliable" },
  { file: "01-short-write.ts", lesson: "01", transport: "tcp", expect: "writes-assumed-complete" },
  { file: "01-blocking.py", lesson: "01", transport: "tcp", expect: "silence-stalls" },
  { file: "01-crash-on-reset.py", lesson: "01", transport: "tcp", expect: "crash-on-reset" },
  { file: "02-echo-to-sender.ts", lesson: "02", transport: "tcp", expect: "echo-to-sender" },
  { file: "02-never-removed.ts", lesson: "02", transport: "udp", expect: "clients-never-removed" },
  { file: "02-article-hub.py", lesson: "02", transport: "tcp", expect: "one-read-one-message" },
  { file: "02-article-hub.py", lesson: "02", transport: "tcp", expect: "echo-to-sender" },
];

const hasPython = Bun.which("python3") !== null;
const SEED = 20240601;

// Start every grading now, a few at a time, and let each test await its own.
const queue: (() => Promise<void>)[] = [];
const graded = new Map<string, Promise<Verdict>>();
const key = (c: Case) => `${c.file} ${c.lesson} ${c.transport}`;
for (const c of MUTANTS) {
  if (graded.has(key(c)) || (c.file.endsWith(".py") && !hasPython)) continue;
  const command = commandFrom([join(ROOT, "tests/fixtures/mutants", c.file)]);
  graded.set(
    key(c),
    new Promise<Verdict>((resolve, reject) => queue.push(() => gradeLesson(c.lesson, c.transport, { command, seed: SEED, waitMs: 2000 }, 4).then(resolve, reject))),
  );
}
const pump = async () => {
  for (let job = queue.shift(); job; job = queue.shift()) await job();
};
void Promise.all([pump(), pump(), pump(), pump()]);

const explain = (v: Verdict) => formatVerdict(v, "en", "bun run grade {seed}");

describe("the grader on broken programs (tests/fixtures/mutants)", () => {
  for (const c of MUTANTS) {
    const python = c.file.endsWith(".py");
    const name = `${c.file} (lesson ${c.lesson}, ${c.transport}) fails with "${MISCONCEPTIONS[c.expect!].name.en}"`;
    if (python && !hasPython) {
      test.skip(`${name} — skipped: python3 is not installed`, () => {});
      continue;
    }
    test(name, async () => {
      const v = await graded.get(key(c))!;
      expect(v.ok).toBe(false);
      const ids = v.misconceptions.map((m) => m.id);
      if (!ids.includes(c.expect!)) throw new Error(`expected the diagnosis ${c.expect}, got ${JSON.stringify(ids)}\n${explain(v)}`);
    }, 60_000);
  }

  test("at least two mutants are Python, and every misconception has a mutant", () => {
    expect(MUTANTS.filter((m) => m.file.endsWith(".py")).length).toBeGreaterThanOrEqual(2);
    const covered = new Set(MUTANTS.map((m) => m.expect));
    const missing = Object.keys(MISCONCEPTIONS).filter((id) => !covered.has(id as MisconceptionId));
    expect(missing).toEqual([]);
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
    expect(diagnose(["no-newline", "echo-to-sender", "no-newline"]).map((m) => m.id)).toEqual(["no-newline", "echo-to-sender"]);
  });

  test("picks the language from --lang, else the locale", () => {
    expect(pickLang("zh")).toBe("zh");
    expect(pickLang(undefined, { LANG: "zh_CN.UTF-8" })).toBe("zh");
    expect(pickLang(undefined, { LANG: "C.UTF-8" })).toBe("en");
    // An empty variable counts as unset (POSIX), as in src/i18n.ts: LANG decides here.
    expect(pickLang(undefined, { LC_ALL: "", LC_MESSAGES: "", LANG: "zh_CN.UTF-8" })).toBe("zh");
  });

  test("runs a lone .py file with python3 and a .ts file with this Bun", () => {
    expect(commandFrom(["my_hub.py"], "/tmp").argv).toEqual(["python3", "-u", "/tmp/my_hub.py"]);
    expect(commandFrom(["my-echo.ts"], "/tmp").argv).toEqual([process.execPath, "/tmp/my-echo.ts"]);
    expect(commandFrom(["python3", "x.py", "--verbose"]).argv).toEqual(["python3", "x.py", "--verbose"]);
  });

  test("a failure shows what was expected, what arrived, the wire, the diagnosis and the seed", async () => {
    const v = await graded.get(key(MUTANTS.find((m) => m.file === "02-echo-to-sender.ts")!))!;
    const text = explain(v);
    expect(text).toContain("expected");
    expect(text).toContain("arrived");
    expect(text).toContain('this looks like: "sent back to the sender"');
    expect(text).toContain(`bun run grade --seed ${SEED}`);
    expect(text).toMatch(/ms {2}ann +-> /);
    const zh = formatVerdict(v, "zh", "bun run grade {seed}");
    expect(zh).toContain("这看起来是");
    expect(zh).toContain(MISCONCEPTIONS["echo-to-sender"].name.zh);
  }, 60_000);

  test("a lesson test fails with the grader's story: expected, arrived, diagnosis, wire and replay", async () => {
    const check = CHECKS.find((k) => k.id === "02.no-echo")!;
    const mutant = join(ROOT, "tests/fixtures/mutants/02-echo-to-sender.ts");
    const error = await runAsTest(check, "tcp", { LESSON_02_CMD: `bun '${mutant}'`, LANG: "C.UTF-8" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const text = (error as Error).message;
    expect(text).toContain("expected");
    expect(text).toContain("arrived");
    expect(text).toContain('this looks like: "sent back to the sender"');
    expect(text).toContain("bun run grade 02 --tcp --seed");
    expect(text).toMatch(/ms {2}ann +-> /);
  });
});
