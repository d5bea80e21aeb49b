/**
 * Grading a program: run the checks, then say in English or Chinese what passed,
 * what failed (expected, arrived, the wire), and which misconception it looks like.
 */
import pc from "picocolors";
import { programCommand, shellWords, type Command, type LessonId, type Transport } from "../harness/index.ts";
import { checksFor, runCheck, runChecks, type Check, type CheckResult, type GradeOptions } from "./checks.ts";
import { diagnose, type Lang, type Misconception } from "./misconceptions.ts";
import { resolve } from "node:path";
import { langFromEnv } from "../../src/i18n.ts";

export type Verdict = { lesson: LessonId; transport: Transport; results: CheckResult[]; ok: boolean; misconceptions: Misconception[] };

const M = {
  expected: { en: "expected", zh: "期望" },
  arrived: { en: "arrived ", zh: "实际  " },
  looksLike: { en: "this looks like", zh: "这看起来是" },
  reread: { en: "re-read", zh: "重读" },
  wire: { en: "wire (-> sent by the grader, <- received from your program)", zh: "线路记录（-> 评分器发出，<- 从你的程序收到）" },
  output: { en: "your program's output", zh: "你的程序的输出" },
  seed: { en: "seed", zh: "种子" },
  replay: { en: "replay with", zh: "重放：" },
  progress: { en: "progress", zh: "进度" },
  passed: { en: "passed", zh: "通过" },
  found: { en: "misconceptions found", zh: "发现的误解" },
  none: { en: "no named misconception matched; read the expected/arrived lines above", zh: "没有匹配到已命名的误解；请阅读上面的期望与实际" },
  all: { en: "everything graded passed", zh: "所有评分项均已通过" },
} as const;

export const t = (lang: Lang, k: keyof typeof M) => M[k][lang];

/** The language: --lang, else the locale as src/i18n.ts reads it, else English. */
export function pickLang(flag?: string, env: Record<string, string | undefined> = process.env): Lang {
  if (flag === "zh" || flag === "en") return flag;
  return langFromEnv(env);
}

/** The command to grade: words as given; a lone .ts/.js file runs with Bun, a .py file with python3. */
export function commandFrom(words: string[], cwd = process.cwd()): Command {
  if (words.length === 1) {
    const one = shellWords(words[0]!);
    if (one.length > 1) words = one;
  }
  const [first, ...rest] = words;
  if (!first) throw new Error("no command to grade");
  let argv = words;
  if (/\.(ts|js|mjs|tsx)$/.test(first)) argv = [process.execPath, resolve(cwd, first), ...rest];
  else if (/\.py$/.test(first)) argv = ["python3", "-u", resolve(cwd, first), ...rest];
  else if (first === "bun") argv = [process.execPath, ...rest];
  return { argv, label: words.join(" "), custom: true };
}

/** The kit's own lesson program. */
export function referenceCommand(lesson: LessonId): Command {
  return programCommand(lesson, {});
}

export async function gradeLesson(lesson: LessonId, transport: Transport, o: GradeOptions, parallel = 4): Promise<Verdict> {
  const results = await runChecks(checksFor(lesson, transport).map((check) => ({ check, transport })), o, parallel);
  const misconceptions = diagnose(results.flatMap((r) => r.symptoms));
  return { lesson, transport, results, ok: results.every((r) => r.ok), misconceptions };
}

const indent = (text: string, by = "      ") => text.split("\n").map((l) => by + l).join("\n");

/** One check's line, and for a failure the whole story. `replay` is the command line to replay it, with "{seed}" where the seed goes. */
export function formatResult(r: CheckResult, lesson: LessonId, lang: Lang, replay: string, brief = false): string {
  const out = [`  ${r.ok ? pc.green("✓") : pc.red("✗")} ${lesson} ${r.transport}  ${r.check.name[lang]}`];
  if (r.ok || brief) return out[0]!;
  out.push(`      ${pc.bold(t(lang, "expected"))}: ${r.expected}`);
  out.push(`      ${pc.bold(t(lang, "arrived"))}: ${r.arrived}`);
  for (const m of diagnose(r.symptoms)) out.push(`      ${pc.yellow(`${t(lang, "looksLike")}: "${m.name[lang]}"`)}`);
  out.push(`      ${t(lang, "seed")} ${r.seed} — ${t(lang, "replay")} ${replay.replace("{seed}", `--seed ${r.seed}`)}`);
  out.push(`      --- ${t(lang, "wire")} ---`);
  out.push(indent(r.timeline || "(nothing)", "      "));
  out.push(`      --- ${t(lang, "output")} ---`);
  out.push(indent(r.output, "      "));
  return out.join("\n");
}

/** One verdict, failures in full (a program that never listened: told once). */
export function formatVerdict(v: Verdict, lang: Lang, replay: string): string {
  let toldNotListening = false;
  return v.results
    .map((r) => {
      const text = formatResult(r, v.lesson, lang, replay, Boolean(r.notListening) && toldNotListening);
      toldNotListening ||= Boolean(r.notListening);
      return text;
    })
    .join("\n");
}

/** The seed of `bun test tests/lessons`: env LESSON_SEED, else this one, so runs repeat. */
export const TEST_SEED = 20240601;

/**
 * One check as a bun test: the program from LESSON_0N_CMD (or the kit's own
 * lesson), the disturbed transport with a fixed seed, and on failure an Error
 * that tells what `bun run grade` tells: expected, arrived, misconceptions, the wire.
 */
export async function runAsTest(check: Check, transport: Transport, env = process.env): Promise<void> {
  const command = programCommand(check.lesson, env);
  const seed = env.LESSON_SEED ? Number(env.LESSON_SEED) : TEST_SEED;
  const r = await runCheck(check, transport, { command, seed, readyMs: 10_000 });
  if (r.ok) return;
  const lang = pickLang(undefined, env);
  const replay = `bun run grade ${check.lesson} --${transport} {seed}${command.custom ? ` -- ${command.label}` : ""}`;
  throw new Error([formatResult(r, check.lesson, lang, replay), formatMisconceptions(diagnose(r.symptoms), lang)].filter(Boolean).join("\n\n"));
}

/** The catalogue entries for what was found, each once. */
export function formatMisconceptions(found: Misconception[], lang: Lang): string {
  if (found.length === 0) return "";
  const out = [pc.bold(`${t(lang, "found")}:`)];
  for (const m of found) {
    out.push(`  ${pc.yellow(`"${m.name[lang]}"`)} (${m.id})`);
    out.push(indent(wrap(m.explain[lang], lang === "zh" ? 40 : 80), "    "));
    out.push(`    ${t(lang, "reread")}: ${m.reread[lang]}`);
  }
  return out.join("\n");
}

function wrap(text: string, width: number): string {
  if (/[\u4e00-\u9fff]/.test(text)) {
    const rows = [];
    for (let i = 0; i < text.length; i += width) rows.push(text.slice(i, i + width));
    return rows.join("\n");
  }
  const rows: string[] = [];
  let row = "";
  for (const word of text.split(" ")) {
    if (row && row.length + word.length + 1 > width) {
      rows.push(row);
      row = word;
    } else row = row ? `${row} ${word}` : word;
  }
  if (row) rows.push(row);
  return rows.join("\n");
}

/** The table: lessons × TCP/UDP, and a progress line. */
export function formatTable(cells: { lesson: LessonId; transport: Transport; ok: boolean | undefined; detail?: string }[], lang: Lang): string {
  const lessons = [...new Set(cells.map((c) => c.lesson))];
  const mark = (ok: boolean | undefined) => (ok === undefined ? pc.dim("·") : ok ? pc.green("✓") : pc.red("✗"));
  const rows = [lang === "zh" ? "课程    tcp  udp" : "lesson  tcp  udp"];
  for (const l of lessons) {
    const get = (tr: Transport) => cells.find((c) => c.lesson === l && c.transport === tr);
    rows.push(`  ${l}     ${mark(get("tcp")?.ok)}    ${mark(get("udp")?.ok)}   ${[get("tcp")?.detail, get("udp")?.detail].filter(Boolean).join(", ")}`);
  }
  const graded = cells.filter((c) => c.ok !== undefined);
  const passed = graded.filter((c) => c.ok).length;
  const bar = "█".repeat(passed) + "░".repeat(graded.length - passed);
  rows.push(`${t(lang, "progress")}: ${bar} ${passed}/${graded.length} ${t(lang, "passed")}`);
  return rows.join("\n");
}
