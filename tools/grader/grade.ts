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
import pc from "picocolors";
import type { ExerciseId, GradeOptions } from "./exam.ts";
import { EXERCISE_IDS, exercise, writeStarters } from "./exercises.ts";
import { header, next, plan, rel, say, transportsOf, type Job, type Opts, type Plan } from "./plan.ts";
import { formatProgress, formatVerdict, stateOf, type Row } from "./report.ts";
import { firstFailing, gradeExercise } from "./run.ts";
import { pickLang, screenWidth, wrap, type Lang } from "./text.ts";
import { watchFolder } from "./watch.ts";

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
