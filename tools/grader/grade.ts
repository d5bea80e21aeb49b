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
 *   bun run grade --html [FILE]                also a page with the wire drawn (default workspace/report.html)
 *
 * The program gets --port N and env PORT=N (and --udp for the UDP half). The
 * exit status is 0 only when everything graded passed.
 */
import { join, resolve } from "node:path";
import { Command as Cli } from "commander";
import pc from "picocolors";
import { intOption, langOption, localize } from "../../src/cli.ts";
import { langFromArgs, MESSAGES } from "../../src/i18n.ts";
import type { ExerciseId, GradeOptions } from "./exam.ts";
import {
  EXERCISE_IDS,
  exercise,
  invocationDir,
  untouched,
  WORKSPACE,
  writeQuietRun,
  writeStarters,
} from "./exercises.ts";
import { header, missingFile, plan, rel, say, transportsOf, type Job, type Opts, type Plan } from "./plan.ts";
import { readProgress, remember } from "./progress.ts";
import { gradeExercise, type Verdict } from "./run.ts";
import { gradeScreen, screenHeight } from "./screen.ts";
import { both, pickLang, screenWidth, wrap, type Lang } from "./text.ts";
import { watchFolder } from "./watch.ts";
import { gradeReport, rowsOfRun, type Graded } from "../wire/grader-page.ts";
import { htmlPage, writePage } from "../wire/page.ts";
import { reportBody } from "../wire/report.ts";

/** The options, and --html: the page's file, or true for the default one. */
type CliOpts = Opts & { html?: string | true };

/** Where --html writes the page: the file given, or report.html in workspace/ (or here, for a program). */
const pageFile = (p: Plan, html: string | true) =>
  resolve(html !== true ? html : p.kind === "workspace" ? join(WORKSPACE, "report.html") : "report.html");

/** --html: the run as a page (tools/wire), written whole; watching, one that reloads itself. Its path, as shown. */
function writeReport(p: Plan, verdicts: Verdict[], o: CliOpts, lang: Lang, seed: number): string {
  const graded = new Map<string, Graded>(
    p.jobs.map((j, i) => [j.id, { verdict: verdicts[i]!, program: j.command, where: j.where, replay: j.replay }]),
  );
  const rows = rowsOfRun(p, verdicts, lang);
  const view = gradeReport({ lang, rows, graded, subtitle: header(p, o, lang, seed) });
  const file = pageFile(p, o.html!);
  writePage(file, (reload) => htmlPage({ lang, title: view.title, body: reportBody(view), reload }), o.watch);
  return rel(file).startsWith("..") ? file : rel(file);
}

/** Grade once, print the screen, remember the workspace's verdicts; whether everything that counts passed. */
async function gradeOnce(
  p: Plan,
  o: CliOpts,
  lang: Lang,
  watching?: string,
  beforePrint?: () => void,
): Promise<boolean> {
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const go = (j: Job): GradeOptions => ({
    command: j.command,
    seed,
    disturb: o.disturb,
    readyMs: o.readyMs,
    waitMs: o.waitMs,
  });
  const verdicts = await Promise.all(p.jobs.map((j) => gradeExercise(j.id, transportsOf(j.id, o), go(j))));
  p.jobs.forEach((j, i) => {
    if (!j.file) return;
    const v = verdicts[i]!;
    const core = v.results.filter((r) => !r.check.extra);
    const failing = core.filter((r) => r.status !== "pass").length;
    remember(j.id, j.file, { passed: v.ok, failing, total: core.length, transports: v.transports });
  });
  // Remembered now: the table reads this run's verdicts back.
  if (p.kind === "workspace") p.progress = readProgress();
  const screen = { lang, width: screenWidth(), height: screenHeight(), seed, opts: o, watching };
  const text = gradeScreen(p, verdicts, screen);
  const page = o.html ? writeReport(p, verdicts, o, lang, seed) : undefined;
  beforePrint?.();
  console.log(text);
  if (page) console.log(page); // the page, on the last line
  // An exercise asked for but not started (no file, or the untouched starter) has not passed either.
  const graded = new Set(p.jobs.map((j) => j.id));
  return verdicts.every((v) => v.ok) && p.asked.every((id) => graded.has(id));
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
  const results = writeStarters(ids);
  for (const r of results) {
    const f = rel(r.file);
    console.log(
      r.wrote
        ? say(lang, `wrote ${f}`, `已写入 ${f}`)
        : say(lang, `kept ${f}: it is already there`, `保留 ${f}：它已经存在`),
    );
  }
  if (writeQuietRun()) {
    const f = rel(join(WORKSPACE, "bunfig.toml"));
    console.log(
      say(lang, `wrote ${f}: bun run grade is as quiet in there`, `已写入 ${f}：在那里运行 bun run grade 也一样安静`),
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
  // The first exercise's file: the starter just written, or the learner's own, kept.
  const { id: first, file } = results[0]!;
  const hint = untouched(first, file)
    ? say(
        lang,
        `next: open ${rel(file)}, read its TODOs, then run  bun run grade ${first}`,
        `下一步：打开 ${rel(file)}，读里面的 TODO，然后运行  bun run grade ${first}`,
      )
    : say(
        lang,
        `next: bun run grade ${first} grades ${rel(file)}`,
        `下一步：bun run grade ${first} 给 ${rel(file)} 打分`,
      );
  console.log(wrap(hint, screenWidth()));
  return 0;
}

// `bun run` starts scripts at the package's root: work where the learner typed the
// command, so that `python3 my_hub.py` and the paths shown mean what they mean there.
process.chdir(invocationDir());
// A whole class, Gradescope or GitHub Classroom: tools/classroom/ grades those.
if (process.argv.some((a) => ["--class", "--gradescope", "--classroom"].includes(a.split("=")[0]!)))
  process.exit(await (await import("../classroom/cli.ts")).main(process.argv.slice(2)));
const lang = pickLang(langFromArgs(process.argv.slice(2)));
const t = MESSAGES[lang];
const HELP = {
  about: both(
    "Grade your exercises in workspace/, or any program (any language) as a lesson.",
    "给 workspace/ 里你的练习打分，或把任何程序（任何语言）当作某一课来打分。",
  ),
  lesson: both(
    "01 (echo server), 02 (hub), 03 (client), 04 (chat server), 06 (web bridge); all when left out",
    "01（回声服务器）、02（聊天中心）、03（客户端）、04（聊天服务器）、06（网页桥）；不写则全部",
  ),
  command: both(
    "a file to grade (.ts/.js/.py), or a command after --",
    "要打分的文件（.ts/.js/.py），或 -- 之后的一条命令",
  ),
  init: both(
    "write the starters (or one) into workspace/, never over a file",
    "把起步文件（或其中一个）写进 workspace/，从不覆盖已有文件",
  ),
  reference: both("grade the kit's own programs instead of yours", "给本课程自带的程序打分，而不是你的"),
  watch: both("grade again on every save", "每次保存时重新打分"),
  html: both(
    "also write a page with the wire drawn (default workspace/report.html); watching, it reloads itself",
    "另外写一个画出线路的网页（默认 workspace/report.html）；监视时它会自动刷新",
  ),
  verbose: both("every failure in full, with the whole wire timeline", "每个失败都完整显示，连同整条线路时间线"),
  tcp: both("grade only over TCP", "只在 TCP 上打分"),
  udp: both("grade only over UDP", "只在 UDP 上打分"),
  seed: both("seed of the disturbed transport (printed with every run)", "受干扰传输的种子（每次运行都会打印）"),
  lang: both(
    "language of the messages: en or zh (default: from the locale)",
    "消息的语言：en 或 zh（默认：按区域设置）",
  ),
  disturb: both("do not split, merge, duplicate or reorder", "不拆分、不合并、不重复、不打乱顺序"),
  readyMs: both("how long your program may take to listen, in ms", "你的程序最多可以用多少毫秒开始监听"),
  waitMs: both("how long to wait for each expected line, in ms", "每一行期望的内容最多等多少毫秒"),
  examples: both(
    "Examples:\n  bun run grade --init\n  bun run grade 01 --watch\n" +
      "  bun run grade 01 workspace/01-echo.py    exercise 01 from this file, from now on\n" +
      "  bun run grade 02 -- python3 my_hub.py",
    "例子：\n  bun run grade --init\n  bun run grade 01 --watch\n" +
      "  bun run grade 01 workspace/01-echo.py    练习 01 从此用这个文件\n" +
      "  bun run grade 02 -- python3 my_hub.py",
  ),
};

/** "1" is lesson 01. */
const lessonId = (word: string) => (EXERCISE_IDS.includes(`0${word}` as ExerciseId) ? `0${word}` : word);

/** The names of arguments and option values, as --help shows them: in the learner's language too. */
const NAME = {
  lesson: say(lang, "lesson", "课程编号"),
  command: say(lang, "command", "命令"),
  n: say(lang, "n", "数字"),
  lang: say(lang, "lang", "语言"),
  ms: say(lang, "ms", "毫秒"),
  file: say(lang, "file", "文件"),
};

const cli = localize(new Cli("bun run grade"), t)
  .description(HELP.about[lang])
  .usage(say(lang, "[options] [lesson] [command...]", "[选项] [课程编号] [命令...]"))
  .argument(`[${NAME.lesson}]`, HELP.lesson[lang])
  .argument(`[${NAME.command}...]`, HELP.command[lang])
  .option(`--init [${NAME.lesson}]`, HELP.init[lang])
  .option("--reference", HELP.reference[lang])
  .option("--watch", HELP.watch[lang])
  .option(`--html [${NAME.file}]`, HELP.html[lang])
  .option("--verbose", HELP.verbose[lang])
  .option("--tcp", HELP.tcp[lang])
  .option("--udp", HELP.udp[lang])
  .option(`--seed <${NAME.n}>`, HELP.seed[lang], intOption(0, 2 ** 31 - 1, t))
  .option(`--lang <${NAME.lang}>`, HELP.lang[lang], langOption(t))
  .option("--no-disturb", HELP.disturb[lang])
  .option(`--ready-ms <${NAME.ms}>`, HELP.readyMs[lang], intOption(1, 600_000, t), 5000)
  .option(`--wait-ms <${NAME.ms}>`, HELP.waitMs[lang], intOption(1, 600_000, t), 3000)
  .addHelpText("after", `\n${HELP.examples[lang]}`)
  // A usage error is one line, and exit status 2 (1 is a grade that failed).
  .showHelpAfterError(false)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
const help = cli.configureHelp();
cli.configureHelp({
  ...help,
  styleTitle: (title) => (title === "Arguments:" ? say(lang, "Arguments:", "参数：") : help.styleTitle!(title)),
});

cli.action(async (lesson: string | undefined, words: string[], o: CliOpts) => {
  if (o.init) process.exit(init(o.init === true ? true : lessonId(o.init), lang));
  if (lesson !== undefined) lesson = lessonId(lesson);
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
  // A file that is not there is a mistake on the command line, not a program that fails every check.
  const missing = missingFile(words, lang);
  if (missing) {
    console.error(missing);
    process.exit(2);
  }
  const make = () => plan(lesson as ExerciseId | undefined, words, o, lang);
  if (!o.watch) process.exit((await gradeOnce(make(), o, lang)) ? 0 : 1);
  const folder = make().watch;
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
  const watched = folder === WORKSPACE ? "workspace/" : rel(folder);
  await watchFolder(folder, async () => {
    // Each run says when it ran: a result that did not change still shows the grading happened.
    const at = new Date().toLocaleTimeString("en-GB", { hour12: false });
    const title = say(
      lang,
      `watching ${watched} (Ctrl+C stops) · graded at ${at}`,
      `正在监视 ${watched}（Ctrl+C 停止）· ${at} 打分`,
    );
    console.clear();
    console.log(pc.dim(say(lang, `watching ${watched}: grading…`, `正在监视 ${watched}：打分中…`)));
    const p = make();
    await gradeOnce(p, o, lang, title, () => console.clear());
  });
});

await cli.parseAsync();
