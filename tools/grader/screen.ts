/**
 * The whole screen one run of `bun run grade` prints, on one screen (80×40 by
 * default): what was graded, the first failing exercise's report, the table of
 * every exercise with what was remembered of the others, which file each is
 * graded from, and the next step. The report gets the rows the rest leaves.
 */
import { basename } from "node:path";
import pc from "picocolors";
import type { ExerciseId } from "./exam.ts";
import { exercise, untouched } from "./exercises.ts";
import { header, next, rel, say, type Opts, type Plan } from "./plan.ts";
import { sha1Of, type Remembered } from "./progress.ts";
import { formatExtras, formatProgress, formatVerdict, stateOf, type Row } from "./report.ts";
import { firstFailing, type Verdict } from "./run.ts";
import { clip, wrap, type Lang } from "./text.ts";

export type ScreenOptions = {
  lang: Lang;
  width: number;
  /** Rows of the terminal; the output leaves one for the shell's prompt and one for the command typed. */
  height: number;
  seed: number;
  opts: Opts;
  /** Watching: the first line, which says what is watched and when this grading ran. */
  watching?: string;
};

/** The terminal's height, within reason; 40 when it is not a terminal. */
export function screenHeight(): number {
  const rows = process.stdout.isTTY ? process.stdout.rows : undefined;
  return Math.max(30, Math.min(rows ?? 40, 200));
}

const allTransports = (id: ExerciseId, v: { transports: readonly string[] }) =>
  exercise(id).transports.every((t) => v.transports.includes(t));

/** "passed over tcp (udp not graded)": a pass that is not one yet. */
function partly(id: ExerciseId, graded: readonly string[], lang: Lang): string {
  const over = graded.join("+");
  const not = exercise(id)
    .transports.filter((t) => !graded.includes(t))
    .join("+");
  return say(lang, `passed over ${over} (${not} not graded)`, `${over} 上通过（${not} 没有打分）`);
}

/** A remembered verdict, in words. */
function rememberedState(r: Remembered, lang: Lang): string {
  return r.passed
    ? pc.green(say(lang, `passed (${r.total} checks)`, `通过（${r.total} 项检查）`))
    : pc.red(say(lang, `failing ${r.failing} of ${r.total} checks`, `未通过 ${r.failing} / ${r.total} 项检查`));
}

/** One row per exercise of the workspace: graded now, or what was remembered and whether it still holds. */
export function workspaceRows(p: Plan, verdicts: Verdict[], lang: Lang): Row[] {
  return p.states.map((s): Row => {
    if (s.state === "missing")
      return {
        id: s.id,
        state: "not-started",
        detail: say(lang, "not started", "未开始"),
        where: `bun run grade --init ${s.id}`,
      };
    const where = rel(s.file);
    const v = verdicts.find((x) => x.exercise === s.id && p.jobs.some((j) => j.id === s.id));
    if (v) {
      if (v.ok && !allTransports(s.id, v))
        return { id: s.id, state: "partial", detail: partly(s.id, v.transports, lang), where };
      return { id: s.id, state: v.ok ? "passed" : "failing", detail: stateOf(v, lang), where };
    }
    if (s.state === "untouched")
      return {
        id: s.id,
        state: "untouched",
        detail: say(lang, "not started (starter untouched)", "未开始（起步文件还没改过）"),
        where,
      };
    const r = p.progress[s.id];
    if (!r || r.file !== basename(s.file) || !r.at)
      return {
        id: s.id,
        state: "not-graded",
        detail: say(lang, `not graded yet: bun run grade ${s.id}`, `还没打过分：bun run grade ${s.id}`),
        where,
      };
    if (r.sha1 !== sha1Of(s.file))
      return {
        id: s.id,
        state: "changed",
        detail: r.passed
          ? say(lang, "changed since it passed", "通过之后又改过")
          : say(lang, "changed since it was graded", "打分之后又改过"),
        where,
      };
    if (r.passed && !allTransports(s.id, r))
      return { id: s.id, state: "partial", detail: partly(s.id, r.transports, lang), where };
    return { id: s.id, state: r.passed ? "passed" : "failing", detail: rememberedState(r, lang), where };
  });
}

/**
 * The learner's table: every exercise of the workspace, the progress bar over
 * them all, and which file each is graded from when there are several. What
 * `bun run grade` and `bun test workspace` end with.
 */
export function workspaceTable(p: Plan, verdicts: Verdict[], lang: Lang, width: number, titled = true): string[] {
  const out: string[] = [];
  if (titled) out.push(pc.bold(say(lang, "your exercises (workspace/)", "你的练习（workspace/）")));
  const rows = workspaceRows(p, verdicts, lang);
  out.push(
    ...formatProgress(rows, lang)
      .split("\n")
      .map((line) => clip(line, width)),
  );
  out.push(...filesSaid(p, lang, width));
  return out;
}

/** Which file each exercise is graded from, when there are several to choose from. */
function filesSaid(p: Plan, lang: Lang, width: number): string[] {
  return p.states.flatMap((s) => {
    // An untouched starter beside the learner's own file is no choice to mention.
    const others = s.state === "missing" ? [] : s.others.filter((f) => !untouched(s.id, f));
    if (s.state === "missing" || others.length === 0) return [];
    const other = rel(others[0]!);
    const more = others.length > 1 ? say(lang, ` and ${others.length - 1} more`, ` 等 ${others.length} 个`) : "";
    const text = say(
      lang,
      `${s.id} is graded from ${rel(s.file)}; ${other}${more} is there too: bun run grade ${s.id} ${other} grades that one from now on`,
      `${s.id} 用的是 ${rel(s.file)}；还有 ${other}${more}：bun run grade ${s.id} ${other} 从此改用它`,
    );
    return wrap(pc.dim(text), width).split("\n");
  });
}

/** Everything `bun run grade` prints after grading, within `o.height - 2` lines at `o.width` columns. */
export function gradeScreen(p: Plan, verdicts: Verdict[], o: ScreenOptions): string {
  const { lang, width } = o;
  const top: string[] = [];
  if (o.watching) top.push(pc.dim(clip(o.watching, width)));
  else if (p.jobs.length > 0) top.push(...wrap(pc.dim(header(p, o.opts, lang, o.seed)), width).split("\n"));

  // Per exercise graded: the first failing one in full; the others in a line.
  const failing = p.jobs.findIndex((_, i) => !verdicts[i]!.ok);
  const sections: { title: string; body?: string; full?: number }[] = [];
  p.jobs.forEach((j, i) => {
    const v = verdicts[i]!;
    if (!firstFailing(v)) return;
    const mark = v.ok ? pc.green("✓") : pc.red("✗");
    const title = `${mark} ${pc.bold(`${j.id} ${exercise(j.id).title[lang]}`)} · ${j.where}`;
    const replay = (tr?: string) => j.replay.replace(" {tr}", tr ? ` --${tr}` : "");
    const ro = { lang, verbose: o.opts.verbose, width, replay, program: j.command };
    if (v.ok && !o.opts.verbose) sections.push({ title, body: formatExtras(v, ro) });
    else if (i === failing || o.opts.verbose) sections.push({ title, full: i });
    else sections.push({ title: `${title}${say(lang, ": ", "：")}${stateOf(v, lang)} — bun run grade ${j.id}` });
  });

  const bottom: string[] = [];
  if (p.kind === "program") {
    const v = verdicts[0]!;
    const j = p.jobs[0]!;
    const mark = v.ok ? pc.green("✓") : pc.red("✗");
    bottom.push(`${mark} ${j.id} ${exercise(j.id).title[lang]}${say(lang, ": ", "：")}${stateOf(v, lang)}`);
  } else if (p.kind === "workspace") bottom.push(...workspaceTable(p, verdicts, lang, width, !o.watching));
  else {
    const rows: Row[] = p.jobs.map((j, i) => ({
      id: j.id,
      state: verdicts[i]!.ok ? "passed" : "failing",
      detail: stateOf(verdicts[i]!, lang),
      where: j.where,
    }));
    bottom.push(
      ...formatProgress(rows, lang)
        .split("\n")
        .map((line) => clip(line, width)),
    );
  }
  const hint = next(p, verdicts, lang, Boolean(o.watching));
  if (hint) bottom.push(...wrap(hint, width).split("\n"));

  // The full report gets what the rest leaves of the screen.
  const lines = (body: string[]) => [...top, ...body, "", ...bottom];
  const head = (title: string) => ["", ...wrap(title, width).split("\n")];
  const short = sections.flatMap((s) => [...head(s.title), ...(s.body ? s.body.split("\n") : [])]);
  const reserve = o.watching ? 1 : 2;
  const full = sections.filter((s) => s.full !== undefined).length;
  const rows = Math.max(8, Math.floor((o.height - reserve - lines(short).length) / Math.max(1, full)));
  const body = sections.flatMap((s) => {
    if (s.full === undefined) return [...head(s.title), ...(s.body ? s.body.split("\n") : [])];
    const j = p.jobs[s.full]!;
    const replay = (tr?: string) => j.replay.replace(" {tr}", tr ? ` --${tr}` : "");
    const ro = { lang, verbose: o.opts.verbose, width, replay, program: j.command, rows };
    return [...head(s.title), ...formatVerdict(verdicts[s.full]!, ro).split("\n")];
  });
  return lines(body).join("\n");
}
