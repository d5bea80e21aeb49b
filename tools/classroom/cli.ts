/**
 * bun run grade --class DIR | --gradescope | --classroom: a whole class graded
 * in one command, or one submission graded for Gradescope or GitHub Classroom.
 *
 *   bun run grade --class submissions/ [--out grades/] [--jobs N] [--exercises 01,02]
 *                 [--lang zh] [--seed N] [--repeat 3] [--rubric FILE] [--similar] [--no-sandbox]
 *   bun run grade --gradescope        /autograder/submission -> /autograder/results/results.json
 *   bun run grade --classroom [DIR]   the runner's result for GitHub Classroom's reporter
 *
 * grade.ts hands these over here; the exit status is 0 once grading is done
 * (whatever the grades), 2 for a mistake on the command line or a sandbox that
 * cannot run.
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { Command as Cli, Option } from "commander";
import pc from "picocolors";
import { intOption, langOption, localize } from "../../src/cli.ts";
import { MESSAGES } from "../../src/i18n.ts";
import { catalogue, EXERCISE_IDS, pickLang, say, type ExerciseId, type Lang, type Transport } from "./grading.ts";
import { isolation, noSandboxWarning, type Isolation } from "./isolation.ts";
import { gradeClassroomRepo, gradeGradescope } from "./modes.ts";
import { DEFAULT_RUBRIC, readRubric, RubricError, worth } from "./rubric.ts";
import { gradeWholeClass } from "./run-class.ts";
import { UsageError } from "./words.ts";

export type ClassOptions = {
  class?: string;
  gradescope?: boolean;
  classroom?: boolean;
  out: string;
  jobs: number;
  exercises?: string;
  lang?: string;
  seed?: number;
  repeat: number;
  rubric: string;
  similar?: boolean;
  sandbox: boolean;
  timeLimit: number;
  readyMs: number;
  waitMs: number;
  submission: string;
  results: string;
  listChecks?: boolean;
};

const HELP = {
  about: [
    "Grade a whole class, or one submission for Gradescope or GitHub Classroom.",
    "给全班打分，或为 Gradescope、GitHub Classroom 给一份提交打分。",
  ],
  class: [
    "a folder of students' folders, Moodle's zip, or GitHub Classroom clones",
    "每名学生一个文件夹的目录、Moodle 导出的 zip，或 GitHub Classroom 的克隆",
  ],
  out: ["where the grades go", "成绩写到哪里"],
  jobs: ["students graded at once (the cores)", "同时打分的学生数（CPU 核数）"],
  exercises: ["exercises to grade, e.g. 01,02 (default: all)", "要打分的练习，如 01,02（默认：全部）"],
  lang: ["language of the reports: en or zh", "报告的语言：en 或 zh"],
  seed: ["the class's seed (each student's comes from it)", "全班的种子（每名学生的种子由它得出）"],
  repeat: ["grade N times; report verdicts that changed", "评 N 遍，报告结论有变化的检查"],
  rubric: ["points per check (a TOML file)", "每项检查的分数（TOML 文件）"],
  similar: ["find pairs of similar submissions", "找出相似的提交"],
  sandbox: ["run students' programs without the sandbox", "不用沙箱运行学生的程序"],
  timeLimit: ["seconds one student's grading may take", "一名学生的评分最多用多少秒"],
  readyMs: ["how long a program may take to listen, in ms", "程序最多可以用多少毫秒开始监听"],
  waitMs: ["how long to wait for each expected line, in ms", "每一行期望的内容最多等多少毫秒"],
  gradescope: ["grade the one submission of a Gradescope autograder", "给 Gradescope 自动评分器里的那份提交打分"],
  submission: ["--gradescope: the submission's folder", "--gradescope：提交所在的文件夹"],
  results: ["--gradescope: where results.json goes", "--gradescope：results.json 写到哪里"],
  classroom: [
    "print GitHub Classroom's runner result for a repository",
    "为一个仓库打印 GitHub Classroom 的 runner 结果",
  ],
  listChecks: ["list every check and its points, then stop", "列出每项检查及其分数，然后结束"],
  dir: ["--classroom: the repository to grade (default: here)", "--classroom：要打分的仓库（默认：当前文件夹）"],
} as const;

function exercisesFrom(text: string | undefined, lang: Lang): ExerciseId[] {
  if (!text) return [...EXERCISE_IDS];
  const ids = text.split(",").map((w) => w.trim().padStart(2, "0"));
  const bad = ids.filter((id) => !EXERCISE_IDS.includes(id as ExerciseId));
  if (bad.length > 0)
    throw new UsageError(
      say(
        lang,
        `no exercise ${bad.join(", ")} (there are ${EXERCISE_IDS.join(", ")})`,
        `没有练习 ${bad.join("、")}（有 ${EXERCISE_IDS.join("、")}）`,
      ),
    );
  return ids as ExerciseId[];
}

/** Every check and its points under the rubric, one a line. */
function listChecks(rubricFile: string, lang: Lang): string {
  const rubric = readRubric(rubricFile);
  return catalogue()
    .flatMap((k) =>
      k.transports.map((t) => {
        const pts = worth(rubric, k.check, t, k.extra);
        return `${`${k.check}/${t}`.padEnd(22)} ${String(pts).padStart(3)}  ${k.name[lang]}${k.extra ? say(lang, " (extra)", "（附加）") : ""}`;
      }),
    )
    .join("\n");
}

async function sandboxOrSay(o: ClassOptions, lang: Lang): Promise<Isolation> {
  if (!o.sandbox) {
    console.error(pc.yellow(noSandboxWarning(lang)));
    return isolation(false, lang);
  }
  try {
    return await isolation(true, lang);
  } catch (err) {
    const or = say(lang, "or grade without it: --no-sandbox", "或者不用沙箱打分：--no-sandbox");
    throw new UsageError(`${(err as Error).message}; ${or}`);
  }
}

/** Run the class grader on these words (the arguments after `bun run grade`); the exit status. */
export async function main(argv: string[]): Promise<number> {
  const lang = pickLang(argv.includes("--lang") ? argv[argv.indexOf("--lang") + 1] : undefined);
  const t = MESSAGES[lang];
  const h = (k: keyof typeof HELP) => HELP[k][lang === "zh" ? 1 : 0];
  const cli = localize(new Cli("bun run grade"), t)
    .description(h("about"))
    .option("--class <dir>", h("class"))
    .option("--gradescope", h("gradescope"))
    .option("--classroom", h("classroom"))
    .usage(say(lang, "--class DIR [options]", "--class DIR [选项]"))
    .argument("[dir]", h("dir"))
    .option("--out <dir>", h("out"), "grades")
    .option("--jobs <n>", h("jobs"), intOption(1, 256, t), availableParallelism())
    .option("--exercises <list>", h("exercises"))
    .option("--lang <lang>", h("lang"), langOption(t))
    .option("--seed <n>", h("seed"), intOption(0, 2 ** 31 - 1, t))
    .option("--repeat <n>", h("repeat"), intOption(1, 20, t), 1)
    .addOption(new Option("--rubric <file>", h("rubric")).default(DEFAULT_RUBRIC, "tools/classroom/rubric.toml"))
    .option("--similar", h("similar"))
    .option("--no-sandbox", h("sandbox"))
    .option("--time-limit <s>", h("timeLimit"), intOption(5, 3600, t), 300)
    .option("--ready-ms <ms>", h("readyMs"), intOption(1, 600_000, t), 5000)
    .option("--wait-ms <ms>", h("waitMs"), intOption(1, 600_000, t), 3000)
    .option("--submission <dir>", h("submission"), "/autograder/submission")
    .option("--results <file>", h("results"), "/autograder/results/results.json")
    .option("--list-checks", h("listChecks"))
    .showHelpAfterError(false)
    .exitOverride((err) => {
      throw err.exitCode === 0 ? new DoneError() : new UsageError("");
    });
  const help = cli.configureHelp();
  cli.configureHelp({
    ...help,
    styleTitle: (title) => (title === "Arguments:" ? say(lang, "Arguments:", "参数：") : help.styleTitle!(title)),
  });
  let o: ClassOptions;
  let dir: string | undefined;
  try {
    cli.parse(argv, { from: "user" });
    o = cli.opts<ClassOptions>();
    dir = cli.args[0];
  } catch (err) {
    return err instanceof DoneError ? 0 : 2;
  }
  try {
    if (o.listChecks) {
      console.log(listChecks(o.rubric, lang));
      return 0;
    }
    const exercises = exercisesFrom(o.exercises, lang);
    const transports: Transport[] = ["tcp", "udp"];
    const common = {
      lang,
      exercises,
      transports,
      seed: o.seed ?? Math.floor(Math.random() * 2 ** 31),
      rubric: readRubric(o.rubric),
      timeLimitMs: o.timeLimit * 1000,
      readyMs: o.readyMs,
      waitMs: o.waitMs,
    };
    if (o.gradescope) {
      const iso = await sandboxOrSay(o, lang);
      return await gradeGradescope({ ...common, iso, submission: resolve(o.submission), results: resolve(o.results) });
    }
    if (o.classroom) {
      const iso = await sandboxOrSay(o, lang);
      return await gradeClassroomRepo({ ...common, iso, dir: resolve(dir ?? ".") });
    }
    if (!o.class)
      throw new UsageError(say(lang, "--class needs a folder or a zip", "--class 需要一个文件夹或 zip 文件"));
    const iso = await sandboxOrSay(o, lang);
    return await gradeWholeClass({
      ...common,
      iso,
      input: resolve(o.class),
      out: resolve(o.out),
      jobs: o.jobs,
      repeat: o.repeat,
      similar: Boolean(o.similar),
    });
  } catch (err) {
    if (err instanceof UsageError || err instanceof RubricError) {
      console.error(`grade: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

class DoneError extends Error {}
