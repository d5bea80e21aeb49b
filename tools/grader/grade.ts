/**
 * bun run grade — grade your exercises, or any program in any language, as a lesson.
 *
 *   bun run grade --init                       write every starter into workspace/ (never over your files)
 *   bun run grade                              grade your exercises in workspace/, with a progress bar
 *   bun run grade 02                           only exercise 02 (workspace/02-*), even an untouched starter
 *   bun run grade 02 --watch                   again on every save
 *   bun run grade 02 -- python3 my_hub.py      any program, as lesson 02 (TCP and UDP)
 *   bun run grade 01 my-echo.ts --tcp          a .ts/.js file runs with Bun, a .py file with python3
 *   bun run grade 02 --seed 1234               replay the disturbed transport of a failure
 *   bun run grade --reference                  the kit's own programs
 *
 * The program gets --port N and env PORT=N (and --udp for the UDP half). The
 * exit status is 0 only when everything graded passed.
 */
import { Command as Cli, Option } from "commander";
import { relative } from "node:path";
import pc from "picocolors";
import type { Command, Transport } from "../harness/index.ts";
import type { ExerciseId, GradeOptions } from "./exam.ts";
import {
  commandFrom,
  EXERCISE_IDS,
  exercise,
  referenceCommand,
  WORKSPACE,
  workspaceState,
  writeStarters,
} from "./exercises.ts";
import { firstFailing, formatProgress, formatVerdict, stateOf, type Row } from "./report.ts";
import { gradeExercise, type Verdict } from "./run.ts";
import { pickLang, screenWidth, wrap, type Lang } from "./text.ts";
import { watchFolder } from "./watch.ts";

type Opts = {
  seed?: string;
  lang?: string;
  tcp?: boolean;
  udp?: boolean;
  disturb: boolean;
  init?: string | true;
  reference?: boolean;
  watch?: boolean;
  verbose?: boolean;
  readyMs: string;
  waitMs: string;
};

/** One program to grade as one exercise. */
type Job = { id: ExerciseId; command: Command; where: string; replay: string };
/** What one run grades: jobs, plus the exercises that are not started (workspace mode). */
type Plan = { kind: "workspace" | "program" | "reference"; jobs: Job[]; rows: Row[]; watch?: string };

const rel = (path: string) => relative(process.cwd(), path) || path;
const say = (lang: Lang, en: string, zh: string) => (lang === "zh" ? zh : en);

function plan(lesson: ExerciseId | undefined, words: string[], o: Opts, lang: Lang): Plan {
  const ids = lesson ? [lesson] : EXERCISE_IDS;
  if (words.length > 0) {
    const command = commandFrom(words);
    const file = words.find((w) => /\.(ts|js|mjs|py)$/.test(w));
    return {
      kind: "program",
      jobs: [
        {
          id: lesson!,
          command,
          where: command.label,
          replay: `bun run grade ${lesson} {tr} {seed} -- ${command.label}`,
        },
      ],
      rows: [],
      watch: file,
    };
  }
  if (o.reference) {
    const jobs = ids.map((id) => ({
      id,
      command: referenceCommand(id),
      where: referenceCommand(id).label,
      replay: `bun run grade --reference ${id} {tr} {seed}`,
    }));
    return { kind: "reference", jobs, rows: [] };
  }
  const jobs: Job[] = [];
  const rows: Row[] = [];
  for (const id of ids) {
    const s = workspaceState(id);
    if (s.state === "missing") {
      rows.push({
        id,
        state: "not-started",
        detail: say(lang, "not started", "未开始"),
        where: `bun run grade --init ${id}`,
      });
    } else if (s.state === "untouched" && !lesson) {
      rows.push({
        id,
        state: "untouched",
        detail: say(lang, "not started (the starter, untouched)", "未开始（起步文件还没改过）"),
        where: rel(s.file),
      });
    } else {
      jobs.push({
        id,
        command: commandFrom([rel(s.file)]),
        where: rel(s.file),
        replay: `bun run grade ${id} {tr} {seed}`,
      });
    }
  }
  return { kind: "workspace", jobs, rows, watch: WORKSPACE };
}

function transportsOf(id: ExerciseId, o: Opts): Transport[] {
  const asked: Transport[] = o.tcp && !o.udp ? ["tcp"] : o.udp && !o.tcp ? ["udp"] : ["tcp", "udp"];
  return asked.filter((t) => exercise(id).transports.includes(t));
}

function header(p: Plan, o: Opts, lang: Lang, seed: number): string {
  const trs = o.tcp && !o.udp ? "tcp" : o.udp && !o.tcp ? "udp" : say(lang, "tcp and udp", "tcp 和 udp");
  if (p.kind === "program") {
    const j = p.jobs[0]!;
    const title = exercise(j.id).title[lang];
    return say(
      lang,
      `grading \`${j.where}\` as lesson ${j.id} (${title}), over ${trs}, seed ${seed}`,
      `把 \`${j.where}\` 当作第 ${j.id} 课（${title}）打分，${trs}，种子 ${seed}`,
    );
  }
  if (p.kind === "reference")
    return say(
      lang,
      `grading the kit's own programs (--reference), over ${trs}, seed ${seed}`,
      `给本课程自带的程序打分（--reference），${trs}，种子 ${seed}`,
    );
  return say(
    lang,
    `grading your exercises in workspace/, over ${trs}, seed ${seed}`,
    `给 workspace/ 里你的练习打分，${trs}，种子 ${seed}`,
  );
}

/** What to do next, in one sentence. */
function next(p: Plan, verdicts: Verdict[], lang: Lang, watching: boolean): string | undefined {
  const failing = verdicts.find((v) => !v.ok);
  if (failing) {
    const id = failing.exercise;
    const job = p.jobs.find((j) => j.id === id)!;
    if (p.kind !== "workspace") return undefined;
    if (watching) {
      return say(
        lang,
        `next: fix what the first failing check says, in ${job.where}, and save`,
        `下一步：按第一个未通过的检查所说的，修改 ${job.where} 并保存`,
      );
    }
    return say(
      lang,
      `next: fix what the first failing check of ${id} says, in ${job.where}; ` +
        `then bun run grade ${id} (add --watch to re-grade on every save)`,
      `下一步：按第 ${id} 课第一个未通过的检查所说的，修改 ${job.where}；` +
        `然后运行 bun run grade ${id}（加 --watch 可在每次保存时重新打分）`,
    );
  }
  // Nothing graded fails: the next exercise to do, if any.
  const graded = new Set(p.jobs.map((j) => j.id));
  const waiting =
    p.kind === "workspace"
      ? EXERCISE_IDS.filter((id) => !graded.has(id))
          .map((id) => workspaceState(id))
          .find((s) => s.state !== "started")
      : undefined;
  if (waiting?.state === "untouched") {
    const file = rel(waiting.file);
    return say(
      lang,
      `next: open ${file} and do its TODOs; bun run grade ${waiting.id} grades it`,
      `下一步：打开 ${file}，完成里面的 TODO；用 bun run grade ${waiting.id} 打分`,
    );
  }
  if (waiting)
    return say(
      lang,
      `next: bun run grade --init ${waiting.id} writes its starter`,
      `下一步：bun run grade --init ${waiting.id} 会写好它的起步文件`,
    );
  if (p.kind === "workspace" && verdicts.length === EXERCISE_IDS.length)
    return say(lang, "every exercise passes: well done.", "所有练习都通过了，做得好。");
  return undefined;
}

async function gradeOnce(p: Plan, o: Opts, lang: Lang): Promise<boolean> {
  const seed = o.seed !== undefined ? Number(o.seed) : Math.floor(Math.random() * 2 ** 31);
  const width = screenWidth();
  if (p.jobs.length > 0) console.log(pc.dim(wrap(header(p, o, lang, seed), width)));
  const go = (j: Job): GradeOptions => ({
    command: j.command,
    seed,
    disturb: o.disturb,
    readyMs: Number(o.readyMs),
    waitMs: Number(o.waitMs),
  });
  const verdicts = await Promise.all(p.jobs.map((j) => gradeExercise(j.id, transportsOf(j.id, o), go(j))));
  p.jobs.forEach((j, i) => {
    const v = verdicts[i]!;
    if (!firstFailing(v)) return;
    console.log(
      `\n${v.ok ? pc.green("✓") : pc.red("✗")} ${pc.bold(`${j.id} ${exercise(j.id).title[lang]}`)} · ${j.where}`,
    );
    const replay = (tr: string) => j.replay.replace("{tr}", `--${tr}`);
    console.log(formatVerdict(v, { lang, verbose: o.verbose, width, replay, program: j.command }));
  });
  console.log("");
  const graded: Row[] = p.jobs.map((j, i) => ({
    id: j.id,
    state: verdicts[i]!.ok ? "passed" : "failing",
    detail: stateOf(verdicts[i]!, lang),
    where: j.where,
  }));
  const rows = [...graded, ...p.rows].sort((a, b) => a.id.localeCompare(b.id));
  if (p.kind === "workspace") console.log(pc.bold(say(lang, "your exercises (workspace/)", "你的练习（workspace/）")));
  if (p.kind !== "program" || rows.length > 1) console.log(formatProgress(rows, lang));
  else {
    const [row] = rows;
    console.log(
      `${verdicts[0]!.ok ? pc.green("✓") : pc.red("✗")} ${row!.id} ${exercise(row!.id).title[lang]}: ${row!.detail}`,
    );
  }
  const hint = next(p, verdicts, lang, Boolean(o.watch));
  if (hint) console.log(wrap(hint, width));
  return rows.every((r) => r.state === "passed");
}

function init(which: string | true, lang: Lang): number {
  const ids = which === true ? EXERCISE_IDS : [which as ExerciseId];
  if (which !== true && !EXERCISE_IDS.includes(which as ExerciseId)) {
    console.error(
      say(
        lang,
        `grade: no exercise ${which} (there are ${EXERCISE_IDS.join(", ")})`,
        `grade: 没有第 ${which} 个练习（有 ${EXERCISE_IDS.join("、")}）`,
      ),
    );
    return 2;
  }
  for (const r of writeStarters(ids)) {
    const f = rel(r.file);
    console.log(
      r.wrote
        ? say(lang, `wrote ${f}`, `已写入 ${f}`)
        : say(lang, `kept ${f}: it is already there`, `保留 ${f}：它已经存在`),
    );
  }
  console.log(
    pc.dim(
      say(
        lang,
        "(workspace/ is yours: git ignores it, and --init never writes over a file)",
        "（workspace/ 属于你：git 忽略它，--init 从不覆盖已有文件）",
      ),
    ),
  );
  const first = ids[0]!;
  console.log(
    wrap(
      say(
        lang,
        `next: open workspace/${exercise(first).starter}, read its TODOs, then run  bun run grade ${first}`,
        `下一步：打开 workspace/${exercise(first).starter}，读里面的 TODO，然后运行  bun run grade ${first}`,
      ),
      screenWidth(),
    ),
  );
  return 0;
}

const cli = new Cli("grade")
  .description("Grade your exercises in workspace/, or any program (any language) as a lesson")
  .argument("[lesson]", "01 (echo server), 02 (hub), 03 (client), 04 (chat server); all when left out")
  .argument("[command...]", "a program to grade: a file (.ts/.js/.py) or a command after --")
  .option("--init [lesson]", "write the starters (or one) into workspace/, never over a file")
  .option("--reference", "grade the kit's own programs instead of yours")
  .option("--watch", "grade again on every save")
  .option("--verbose", "every failure in full, with the whole wire timeline")
  .option("--tcp", "grade only over TCP")
  .option("--udp", "grade only over UDP")
  .option("--seed <n>", "seed of the disturbed transport (printed with every run)")
  .addOption(new Option("--lang <lang>", "language of the messages (default: from the locale)").choices(["en", "zh"]))
  .option("--no-disturb", "do not split, merge, duplicate or reorder")
  .option("--ready-ms <ms>", "how long your program may take to listen", "5000")
  .option("--wait-ms <ms>", "how long to wait for each expected line", "3000")
  .action(async (lesson: string | undefined, words: string[], o: Opts) => {
    const lang = pickLang(o.lang);
    if (o.init) process.exit(init(o.init, lang));
    if (lesson !== undefined && !EXERCISE_IDS.includes(lesson as ExerciseId)) {
      // `bun run grade my-echo.ts` without a lesson: say what is missing.
      console.error(
        say(
          lang,
          `grade: the first argument is a lesson (${EXERCISE_IDS.join(", ")}), got ${JSON.stringify(lesson)}`,
          `grade: 第一个参数是课程编号（${EXERCISE_IDS.join("、")}），而不是 ${JSON.stringify(lesson)}`,
        ),
      );
      process.exit(2);
    }
    if (words.length > 0 && lesson === undefined) process.exit(2);
    const make = () => plan(lesson as ExerciseId | undefined, words, o, lang);
    if (!o.watch) process.exit((await gradeOnce(make(), o, lang)) ? 0 : 1);
    const first = make();
    const folder = first.watch;
    if (!folder) {
      console.error(
        say(
          lang,
          "grade: --watch needs a file or the workspace to watch",
          "grade: --watch 需要一个文件或 workspace 来监视",
        ),
      );
      process.exit(2);
    }
    await watchFolder(folder, async () => {
      console.clear();
      console.log(
        pc.dim(say(lang, `watching ${rel(folder)} (Ctrl+C stops)`, `正在监视 ${rel(folder)}（Ctrl+C 停止）`)),
      );
      await gradeOnce(make(), o, lang);
    });
  });

await cli.parseAsync();
