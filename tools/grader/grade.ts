/**
 * bun run grade — grade the kit's lessons, or any program in any language, as a lesson.
 *
 *   bun run grade                              every lesson, the kit's own programs: a table
 *   bun run grade 02 -- python3 my_hub.py      your program, as lesson 02 (TCP and UDP)
 *   bun run grade 01 my-echo.ts --tcp          a .ts/.js file runs with Bun, a .py with python3
 *   bun run grade 02 my_hub.py --seed 1234     replay the disturbed transport of a failure
 *   bun run grade --init 02                    a starter with TODOs in workspace/
 *   bun run grade --watch 02 workspace/02-hub.ts   re-grade on every save
 *
 * Your program gets --port N and env PORT=N (and --udp for the UDP half). The
 * grader connects with retries for up to 5 s, then checks over a disturbed
 * transport. Exit status 0 only when everything graded passed.
 */
import { Command as Cli, Option } from "commander";
import { copyFileSync, existsSync, mkdirSync, watch } from "node:fs";
import { join, relative } from "node:path";
import pc from "picocolors";
import { ROOT, type Command, type LessonId, type Transport } from "../harness/index.ts";
import type { GradeOptions } from "./checks.ts";
import { diagnose, type Lang } from "./misconceptions.ts";
import { commandFrom, formatMisconceptions, formatTable, formatVerdict, gradeLesson, pickLang, referenceCommand, t } from "./report.ts";

const LESSON_IDS: LessonId[] = ["01", "02", "03"];
const STARTERS: Partial<Record<LessonId, string>> = { "01": "01-echo.ts", "02": "02-hub.ts" };

type Opts = { seed?: string; lang?: string; tcp?: boolean; udp?: boolean; disturb: boolean; init?: string; watch?: boolean; readyMs: string; waitMs: string };

/** Lesson 03 is a client: its checks drive it through a terminal, so run them with bun test. */
async function gradeClient(transport: Transport, command: Command | undefined, lang: Lang): Promise<{ ok: boolean; text: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  if (command) env.LESSON_03_CMD = command.argv.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
  const proc = Bun.spawn([process.execPath, "test", join(ROOT, "tests/lessons/03-client.test.ts"), "-t", `over ${transport}`], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const ok = (await proc.exited) === 0;
  const lines = `${out}${err}`.split("\n").filter((l) => /\(fail\)|error|expected|timed out/i.test(l));
  const head = lang === "zh" ? "第 03 课（客户端）的检查在终端中运行" : "lesson 03 (a client) is checked through a terminal";
  return { ok, text: ok ? "" : `  ${pc.red("✗")} 03 ${transport}  ${head}:\n${lines.slice(0, 30).map((l) => `      ${l}`).join("\n")}` };
}

async function gradeOnce(lesson: LessonId | undefined, words: string[], o: Opts, lang: Lang): Promise<boolean> {
  const seed = o.seed !== undefined ? Number(o.seed) : Math.floor(Math.random() * 2 ** 31);
  const transports: Transport[] = o.tcp && !o.udp ? ["tcp"] : o.udp && !o.tcp ? ["udp"] : ["tcp", "udp"];
  const lessons = lesson ? [lesson] : LESSON_IDS;
  const custom = words.length > 0 ? commandFrom(words) : undefined;
  const cells: Parameters<typeof formatTable>[0] = [];
  const found = [];
  let allOk = true;
  for (const l of lessons) {
    for (const tr of transports) {
      if (l === "03") {
        const r = await gradeClient(tr, custom, lang);
        if (r.text) console.log(r.text);
        cells.push({ lesson: l, transport: tr, ok: r.ok });
        allOk &&= r.ok;
        continue;
      }
      const command = custom ?? referenceCommand(l);
      const go: GradeOptions = { command, seed, disturb: o.disturb, readyMs: Number(o.readyMs), waitMs: Number(o.waitMs) };
      const v = await gradeLesson(l, tr, go);
      const replay = `bun run grade ${l} ${tr === "tcp" ? "--tcp" : "--udp"} {seed}${custom ? ` -- ${custom.label}` : ""}`;
      console.log(formatVerdict(v, lang, replay));
      const passed = v.results.filter((r) => r.ok).length;
      cells.push({ lesson: l, transport: tr, ok: v.ok, detail: `${l} ${tr} ${passed}/${v.results.length}` });
      found.push(...v.misconceptions);
      allOk &&= v.ok;
    }
  }
  console.log("");
  const named = diagnose(found.map((m) => m.id));
  if (named.length > 0) console.log(formatMisconceptions(named, lang) + "\n");
  else if (!allOk) console.log(t(lang, "none") + "\n");
  console.log(formatTable(cells, lang));
  console.log(allOk ? pc.green(t(lang, "all")) : `${t(lang, "seed")}: ${seed}`);
  return allOk;
}

function init(lesson: string, lang: Lang): number {
  const file = STARTERS[lesson as LessonId];
  if (!file) {
    console.error(`grade: no starter for lesson ${lesson} (there are: ${Object.keys(STARTERS).join(", ")})`);
    return 2;
  }
  const dir = join(ROOT, "workspace");
  const target = join(dir, file);
  mkdirSync(dir, { recursive: true });
  if (existsSync(target)) {
    console.log(lang === "zh" ? `grade: ${relative(process.cwd(), target)} 已存在，未覆盖` : `grade: ${relative(process.cwd(), target)} already exists; left as it is`);
  } else {
    copyFileSync(join(ROOT, "lessons", "starters", file), target);
    console.log(lang === "zh" ? `grade: 已写入 ${relative(process.cwd(), target)}（workspace/ 被 git 忽略）` : `grade: wrote ${relative(process.cwd(), target)} (workspace/ is ignored by git)`);
  }
  console.log(`  bun run grade --watch ${lesson} ${relative(process.cwd(), target)}`);
  return 0;
}

async function watchAndGrade(lesson: LessonId, words: string[], o: Opts, lang: Lang) {
  const file = words.find((w) => existsSync(w));
  if (!file) {
    console.error("grade: --watch needs a file to watch, e.g. bun run grade --watch 02 workspace/02-hub.ts");
    process.exit(2);
  }
  let running = false;
  let again = false;
  const run = async () => {
    if (running) return void (again = true);
    running = true;
    console.clear();
    console.log(pc.dim(`grade: watching ${file} (Ctrl+C to stop)`));
    await gradeOnce(lesson, words, o, lang);
    running = false;
    if (again) {
      again = false;
      void run();
    }
  };
  let timer: Timer | undefined;
  watch(file, () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  await run();
  process.on("SIGINT", () => process.exit(0));
}

const cli = new Cli("grade")
  .description("Grade the lessons, or your own program (any language) as a lesson")
  .argument("[lesson]", "01 (echo server), 02 (hub), 03 (client); all lessons when left out")
  .argument("[command...]", "your program: a file (.ts/.js/.py) or a command after --")
  .option("--seed <n>", "seed of the disturbed transport (printed with every failure)")
  .addOption(new Option("--lang <lang>", "language of the messages (default: from the locale)").choices(["en", "zh"]))
  .option("--tcp", "grade only over TCP")
  .option("--udp", "grade only over UDP")
  .option("--no-disturb", "do not split, merge, duplicate or reorder")
  .option("--init <lesson>", "write a starter for a lesson into workspace/")
  .option("--watch", "re-grade on every save of the file")
  .option("--ready-ms <ms>", "how long your program may take to listen", "5000")
  .option("--wait-ms <ms>", "how long to wait for each expected line", "3000")
  .action(async (lesson: string | undefined, words: string[], o: Opts) => {
    const lang = pickLang(o.lang);
    if (o.init) process.exit(init(o.init, lang));
    if (lesson !== undefined && !LESSON_IDS.includes(lesson as LessonId)) {
      // `bun run grade my-echo.ts` without a lesson: say what is missing.
      console.error(`grade: the first argument is a lesson (${LESSON_IDS.join(", ")}), got ${JSON.stringify(lesson)}`);
      process.exit(2);
    }
    if (o.watch) return watchAndGrade(lesson as LessonId, words, o, lang);
    process.exit((await gradeOnce(lesson as LessonId | undefined, words, o, lang)) ? 0 : 1);
  });

await cli.parseAsync();
