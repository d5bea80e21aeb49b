/**
 * What one run of `bun run grade` grades: the learner's workspace (every
 * exercise started, or the one asked for, from the file it is graded from), one
 * program, or the kit's own; and the learner's next step afterwards.
 */
import { existsSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import type { Command, Transport } from "../harness/index.ts";
import type { ExerciseId } from "./exam.ts";
import {
  commandFrom,
  EXERCISE_IDS,
  exercise,
  invocationDir,
  referenceCommand,
  untouched,
  WORKSPACE,
} from "./exercises.ts";
import { isExerciseFile, readProgress, workspaceState, type Progress, type WorkspaceState } from "./progress.ts";
import type { Verdict } from "./run.ts";
import type { Lang } from "./text.ts";

export type Opts = {
  seed?: number;
  lang?: string;
  tcp?: boolean;
  udp?: boolean;
  disturb: boolean;
  init?: string | true;
  reference?: boolean;
  watch?: boolean;
  verbose?: boolean;
  readyMs: number;
  waitMs: number;
};

/** One program to grade as one exercise; `file` when it is the learner's file in the workspace. */
export type Job = { id: ExerciseId; command: Command; where: string; replay: string; file?: string };
/**
 * What one run grades: jobs, and for the workspace where every exercise stands
 * (graded this time or not: the screen shows them all, with what was remembered).
 */
export type Plan = {
  kind: "workspace" | "program" | "reference";
  jobs: Job[];
  states: WorkspaceState[];
  /** The exercises asked for: each must be graded, and pass, for the run to pass. */
  asked: ExerciseId[];
  progress: Progress;
  watch?: string;
};

export const rel = (path: string) => relative(process.cwd(), path) || path;
export const say = (lang: Lang, en: string, zh: string) => (lang === "zh" ? zh : en);

/** A file named on the command line that is not there: what to say, in one line. */
export function missingFile(words: string[], lang: Lang): string | undefined {
  const file = words.find((w) => /\.(ts|js|mjs|py)$/.test(w) && !existsSync(resolve(invocationDir(), w)));
  if (!file) return undefined;
  return say(lang, `grade: ${file}: no such file`, `grade: ${file}：没有这个文件`);
}

export function plan(lesson: ExerciseId | undefined, words: string[], o: Opts, lang: Lang): Plan {
  const ids = lesson ? [lesson] : EXERCISE_IDS;
  const progress = readProgress();
  // `bun run grade 01 workspace/01-echo.py`: the exercise, graded from the file named.
  const picked = lesson && words.length === 1 ? resolve(invocationDir(), words[0]!) : undefined;
  if (words.length > 0 && !(picked && isExerciseFile(lesson!, picked))) {
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
      states: [],
      asked: [lesson!],
      progress,
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
    return { kind: "reference", jobs, states: [], asked: ids, progress };
  }
  if (picked) {
    // Named, it is the one graded from now on: remembered as the last graded.
    const p = progress[lesson!];
    progress[lesson!] = {
      ...(p ?? { sha1: "", passed: false, failing: 0, total: 0, transports: [], at: "" }),
      file: basename(picked),
    };
  }
  const states = EXERCISE_IDS.map((id) => workspaceState(id, WORKSPACE, progress));
  const jobs: Job[] = [];
  for (const s of states) {
    if (!ids.includes(s.id) || s.state === "missing") continue;
    // All exercises: the started ones. One exercise: even its untouched starter.
    if (s.state === "untouched" && !lesson) continue;
    const where = rel(s.file);
    const named = s.others.some((f) => !untouched(s.id, f)) ? ` ${where}` : "";
    jobs.push({
      id: s.id,
      command: commandFrom([where]),
      where,
      replay: `bun run grade ${s.id}${named} {tr} {seed}`,
      file: s.file,
    });
  }
  return { kind: "workspace", jobs, states, asked: ids, progress, watch: WORKSPACE };
}

export function transportsOf(id: ExerciseId, o: Opts): Transport[] {
  const asked: Transport[] = o.tcp && !o.udp ? ["tcp"] : o.udp && !o.tcp ? ["udp"] : ["tcp", "udp"];
  return asked.filter((t) => exercise(id).transports.includes(t));
}

export function header(p: Plan, o: Opts, lang: Lang, seed: number): string {
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
export function next(p: Plan, verdicts: Verdict[], lang: Lang, watching: boolean): string | undefined {
  const failing = verdicts.find((v) => !v.ok);
  if (failing) {
    if (p.kind !== "workspace") return undefined;
    const job = p.jobs.find((j) => j.id === failing.exercise)!;
    if (watching) return say(lang, `next: fix it in ${job.where} and save`, `下一步：在 ${job.where} 里改好，然后保存`);
    return say(
      lang,
      `next: fix it in ${job.where}; bun run grade ${job.id} --watch grades on every save`,
      `下一步：在 ${job.where} 里改好；bun run grade ${job.id} --watch 每次保存都会重新打分`,
    );
  }
  if (p.kind !== "workspace") return undefined;
  // Nothing graded fails: the next exercise to do, if any.
  const graded = new Set(p.jobs.map((j) => j.id));
  const waiting = p.states.filter((s) => !graded.has(s.id)).find((s) => s.state !== "started");
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
  if (verdicts.length === EXERCISE_IDS.length)
    return say(lang, "every exercise passes: well done.", "所有练习都通过了，做得好。");
  return undefined;
}
