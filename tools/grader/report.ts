/**
 * Saying what grading found, in English or Chinese, on one screen by default:
 * per exercise the first failing check in full (failure.ts), then one line per
 * other failing check, and the replay line; the level of detail is the first
 * that fits the rows it is given. `verbose` shows every failure in full. And the
 * learner's table of exercises with its progress bar.
 */
import pc from "picocolors";
import { exercise } from "./exercises.ts";
import type { ExerciseId } from "./exam.ts";
import {
  colon,
  failureLines,
  fit,
  firstStatement,
  fixFor,
  FULL,
  LEVELS,
  MAX_OTHERS,
  paren,
  quoted,
  t,
  type Level,
  type ReportOptions,
} from "./failure.ts";
import { diagnose } from "./misconceptions.ts";
import { firstFailing, type CheckResult, type Verdict } from "./run.ts";
import { clip, padTo, width as widthOf, type Lang } from "./text.ts";

export { formatFailure, programKind, type ReportOptions } from "./failure.ts";

const counts = (results: CheckResult[]) => {
  const core = results.filter((r) => !r.check.extra);
  return { failing: core.filter((r) => r.status !== "pass").length, total: core.length };
};

/** "failing 11 of 24 checks" / "未通过 11 / 24 项检查", or "passed". */
export function stateOf(v: Verdict, lang: Lang): string {
  const { failing, total } = counts(v.results);
  if (v.ok) return pc.green(`${t(lang, "passed")}${paren(lang, `${total} ${t(lang, "checks")}`)}`);
  const unsure = v.results.filter((r) => !r.check.extra && r.status === "unsure").length;
  if (unsure === failing)
    return pc.yellow(
      lang === "zh" ? `${unsure} / ${total} 项检查无法判断` : `could not tell ${unsure} of ${total} checks`,
    );
  return pc.red(lang === "zh" ? `未通过 ${failing} / ${total} 项检查` : `failing ${failing} of ${total} checks`);
}

/**
 * What a learner reads about one exercise's verdict: the first failing check in
 * full, one line per other one, the replay line; within `o.rows` lines, every line
 * within `o.width` columns, whatever the program sent.
 */
export function formatVerdict(v: Verdict, o: ReportOptions): string {
  const first = firstFailing(v);
  if (!first) return "";
  if (o.verbose) {
    const out: string[] = [];
    for (const r of v.results)
      if (r.status !== "pass" && !(r.notListening && r !== first)) out.push(...failureLines(r, o, FULL), "");
    out.push(...replayLines(v, first, o));
    return fit(out, o.width).join("\n");
  }
  const rows = o.rows ?? 30;
  let lines: string[] = [];
  for (const level of LEVELS) {
    lines = fit(
      [...failureLines(first, o, level), ...othersLines(v, first, o, level), ...replayLines(v, first, o)],
      o.width,
    );
    if (lines.length <= rows) break;
  }
  // Still too long (a tiny screen): the start, then where the rest is.
  if (lines.length > rows) lines = [...lines.slice(0, Math.max(1, rows - 2)), ...replayLines(v, first, o)];
  return lines.join("\n");
}

/** The other failing checks, one line each, as many as the level shows, then how many more. */
function othersLines(v: Verdict, first: CheckResult, o: ReportOptions, level: Level): string[] {
  const others = otherLines(v, first, o);
  if (others.length === 0) return [];
  // One line left to say "and 1 more" would say less than the line itself.
  const shown = others.length > level.others + 1 ? others.slice(0, level.others) : others;
  const more = others.length - shown.length;
  const out = ["", `  ${pc.bold(t(o.lang, "alsoFailing"))}${colon(o.lang).trimEnd()}`, ...shown];
  if (more > 0)
    out.push(
      pc.dim(
        o.lang === "zh"
          ? `    ……还有 ${more} 项（加 --verbose 查看）`
          : `    … and ${more} more (--verbose shows them)`,
      ),
    );
  if (shown.length === 0)
    out.splice(
      0,
      2,
      "",
      pc.dim(
        o.lang === "zh"
          ? `  还有 ${more} 项检查未通过（加 --verbose 查看）`
          : `  ${more} more checks failing (--verbose shows them)`,
      ),
    );
  return out;
}

/** The replay line, for the one transport that fails or for both, and where the rest is. */
function replayLines(v: Verdict, first: CheckResult, o: ReportOptions): string[] {
  const failing = v.results.filter((r) => r.status !== "pass");
  const core = failing.filter((r) => !r.check.extra);
  const transports = [...new Set((core.length > 0 ? core : failing).map((r) => r.transport))];
  const replay = o
    .replay(transports.length === 1 ? transports[0] : undefined)
    .replace("{seed}", `--seed ${first.seed}`);
  // The same seed gives the same verdict, unless the machine's timing decided one: then it is only a run again.
  const exact = !v.results.some((r) => r.status === "unsure");
  const out = [pc.dim(`  ${t(o.lang, exact ? "replay" : "runAgain")}${colon(o.lang)}${replay}`)];
  if (!o.verbose) out.push(pc.dim(`  ${t(o.lang, "more")}`));
  return out;
}

/**
 * A passing exercise's extras that fail, one line each (wrapped only when it
 * must be): the check, and the fix in the program's own language.
 */
export function formatExtras(v: Verdict, o: ReportOptions): string {
  const { lang } = o;
  const out: string[] = [];
  for (const id of new Set(v.results.filter((r) => r.check.extra && r.status !== "pass").map((r) => r.check.id))) {
    const r = v.results.find((x) => x.check.id === id)!;
    const [m] = diagnose(r.symptoms, r.check.lesson);
    const fix = m ? fixFor(m, o.program) : undefined;
    const how = fix ? ` — ${firstStatement(fix)}` : m ? ` — ${quoted(m, lang)}` : "";
    const line = `  ${pc.yellow("◇")} ${t(lang, "extraShort")}${colon(lang)}${r.check.name[lang]}${how}`;
    if (widthOf(line) <= o.width) out.push(line);
    // Too long for one line: the fix on a line of its own, never broken (it is code).
    else out.push(clip(line.slice(0, line.length - how.length), o.width), `    ${how.slice(3)}`);
  }
  return out.join("\n");
}

/** One line per other failing check: its name, and why in a word. */
function otherLines(v: Verdict, first: CheckResult, o: ReportOptions): string[] {
  type Entry = { transport: string; mark: string; label: string; extra: string; why: string };
  const entries: Entry[] = [];
  const told = new Set<string>();
  const firstNames = diagnose(first.symptoms).map((m) => quoted(m, o.lang));
  for (const r of v.results) {
    if (r === first || r.status === "pass") continue;
    if (r.notListening) {
      if (!told.has(r.transport) && first.transport !== r.transport)
        entries.push({
          transport: r.transport,
          mark: pc.red("✗"),
          // How: it exited first, or listened elsewhere, or not at all (a crash is not "never listened").
          label: r.arrived
            ? `${t(o.lang, "everyCheck")}${colon(o.lang)}${r.arrived[o.lang]}`
            : t(o.lang, "neverListened"),
          extra: "",
          why: "",
        });
      told.add(r.transport);
      continue;
    }
    const names = diagnose(r.symptoms).map((m) => quoted(m, o.lang));
    const same = names.length > 0 && names.join() === firstNames.join();
    const silent = names.length === 0 && !r.events.some((e) => e.kind === "recv");
    const why =
      r.status === "unsure"
        ? t(o.lang, "couldNotTell")
        : r.status === "blocked"
          ? t(o.lang, "notReachedShort")
          : same
            ? t(o.lang, "sameAsAbove")
            : silent
              ? t(o.lang, "nothingBack")
              : names.join(o.lang === "zh" ? "、" : ", ");
    entries.push({
      transport: r.transport,
      mark: r.check.extra ? pc.yellow("◇") : pc.red("✗"),
      label: r.check.name[o.lang],
      extra: r.check.extra ? paren(o.lang, t(o.lang, "extraShort")) : "",
      why,
    });
  }
  // Many failing over one transport: the checks that fail for the same reason are one line.
  // A check that fails the same way over both transports is one line too.
  const crowded = (tr: string) => entries.filter((e) => e.transport === tr && !e.extra).length > 4;
  const lines: string[] = [];
  const done = new Set<Entry>();
  for (const e of entries) {
    if (done.has(e)) continue;
    const twin = (x: Entry) => x !== e && !done.has(x) && x.label === e.label && x.why === e.why;
    const alike =
      e.why && !e.extra && crowded(e.transport)
        ? entries.filter((x) => x.transport === e.transport && !x.extra && x.why === e.why)
        : [e, ...entries.filter(twin)];
    for (const x of alike) done.add(x);
    const transports = [...new Set(alike.map((x) => x.transport))].join("+");
    const head = `${v.exercise} ${transports}`;
    const checks = new Set(alike.map((x) => x.label)).size;
    const label = checks > 1 ? (o.lang === "zh" ? `${checks} 项检查` : `${checks} checks`) : e.label;
    // The name gives way to the reason: the reason is what differs from line to line.
    const tail = e.why ? ` — ${e.why}` : "";
    const room = Math.max(24, o.width - 6 - widthOf(head) - 2 - widthOf(tail) - widthOf(e.extra));
    lines.push(clip(`    ${e.mark} ${head}  ${clip(label, room)}${pc.dim(e.extra)}${tail}`, o.width));
  }
  return lines;
}

export type Row = {
  id: ExerciseId;
  /**
   * not-graded: started, never graded (or from another file); changed: saved since
   * its remembered verdict; partial: passed over one transport only. Only "passed"
   * counts in the progress bar.
   */
  state: "passed" | "failing" | "not-started" | "untouched" | "not-graded" | "changed" | "partial";
  detail: string;
  where: string;
};

/** The learner's table of exercises (`rows`), and the progress bar over all of them (`all`, by default the rows). */
export function formatProgress(rows: Row[], lang: Lang, all: Row[] = rows): string {
  const title = (id: ExerciseId) =>
    padTo(
      `${id} ${exercise(id).title[lang]}`,
      Math.max(...rows.map((r) => widthOf(`${r.id} ${exercise(r.id).title[lang]}`))),
    );
  const mark = {
    passed: pc.green("✓"),
    failing: pc.red("✗"),
    "not-started": pc.dim("·"),
    untouched: pc.dim("·"),
    "not-graded": pc.dim("?"),
    changed: pc.yellow("?"),
    partial: pc.yellow("◐"),
  };
  const details = rows.map((r) => r.detail);
  const detailWidth = Math.max(...details.map((d) => widthOf(d.replace(/\x1b\[[0-9;]*m/g, ""))));
  const lines = rows.map(
    (r) => `  ${mark[r.state]} ${title(r.id)}  ${padTo(r.detail, detailWidth)}  ${pc.dim(r.where)}`,
  );
  const passed = all.filter((r) => r.state === "passed").length;
  const cells = 24;
  const full = Math.round((passed / all.length) * cells);
  const bar = pc.green("█".repeat(full)) + pc.dim("░".repeat(cells - full));
  const word = lang === "zh" ? `${passed}/${all.length} 个练习已通过` : `${passed}/${all.length} exercises passed`;
  lines.push(`${lang === "zh" ? "进度" : "progress"} ${bar} ${word}`);
  return lines.join("\n");
}
