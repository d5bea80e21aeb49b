/**
 * What one run of `bun run grade` grades (the learner's workspace, one program,
 * or the kit's own), and what it says before and after: which programs it
 * graded, and the learner's next step.
 */
import { relative } from "node:path";
import type { Command, Transport } from "../harness/index.ts";
import type { ExerciseId } from "./exam.ts";
import { commandFrom, EXERCISE_IDS, exercise, referenceCommand, WORKSPACE, workspaceState } from "./exercises.ts";
import type { Row } from "./report.ts";
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

/** One program to grade as one exercise. */
export type Job = { id: ExerciseId; command: Command; where: string; replay: string };
/**
 * What one run grades: jobs, plus (workspace mode) the exercises not started,
 * which count as not passed, and `others`: the rest of the workspace when one
 * exercise is graded, shown so the progress is always out of every exercise.
 */
export type Plan = {
  kind: "workspace" | "program" | "reference";
  jobs: Job[];
  rows: Row[];
  others: Row[];
  watch?: string;
};

export const rel = (path: string) => relative(process.cwd(), path) || path;
export const say = (lang: Lang, en: string, zh: string) => (lang === "zh" ? zh : en);

export function plan(lesson: ExerciseId | undefined, words: string[], o: Opts, lang: Lang): Plan {
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
      others: [],
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
    return { kind: "reference", jobs, rows: [], others: [] };
  }
  const jobs: Job[] = [];
  const rows: Row[] = [];
  const others: Row[] = [];
  for (const id of EXERCISE_IDS) {
    const s = workspaceState(id);
    const chosen = ids.includes(id);
    if (s.state === "missing") {
      (chosen ? rows : others).push({
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
    } else if (!chosen) {
      others.push(
        s.state === "untouched"
          ? {
              id,
              state: "untouched",
              detail: say(lang, "not started (the starter, untouched)", "未开始（起步文件还没改过）"),
              where: rel(s.file),
            }
          : {
              id,
              state: "not-graded",
              detail: say(lang, `not graded now: bun run grade ${id}`, `这次没有打分：bun run grade ${id}`),
              where: rel(s.file),
            },
      );
    } else {
      jobs.push({
        id,
        command: commandFrom([rel(s.file)]),
        where: rel(s.file),
        replay: `bun run grade ${id} {tr} {seed}`,
      });
    }
  }
  return { kind: "workspace", jobs, rows, others, watch: WORKSPACE };
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
