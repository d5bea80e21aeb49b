/**
 * A learner's report as a page: the progress over all exercises at the top,
 * then per exercise each failing check in full (what was expected and what
 * arrived, the wire drawn, the misconception it looks like with its advice and
 * the fix in the program's own language, what to re-read, the program's
 * output) and each passing check as one line.
 *
 * It takes a view already in the reader's language (ReportView), so that both
 * `bun run grade --html` and the class grader's report per student fill it
 * from what they have.
 */
import type { Lang } from "../../src/i18n.ts";
import { sequenceFigure } from "./figure.ts";
import { h, type Child } from "./markup.ts";
import type { Sequence } from "./model.ts";

/** A misconception as a report says it: the fix under its label ("the fix, in Python"). */
export type MisconceptionView = { name: string; explain: string; fixes: string[]; fixLabel?: string; reread: string };

export type CheckView = {
  /** "01 tcp  echoes a line" */
  label: string;
  /** unsure: the machine's timing, not the program, decided: the check could not tell (said in `blocked`). */
  status: "pass" | "fail" | "blocked" | "unsure";
  /** Shown and named when it fails, but it does not fail the exercise. */
  extra?: boolean;
  /** Why, when it was not reached ("could not reach ...: an earlier step failed"). */
  blocked?: string;
  /** Failed as another check said in full already: this, in a line, instead of a card. */
  brief?: string;
  expected?: string;
  arrived?: string;
  sequence?: Sequence;
  /** The wire as text, when there is no sequence to draw. */
  timeline?: string;
  misconceptions: MisconceptionView[];
  /** Said when no misconception matched. */
  hint?: string;
  outputs?: { title: string; text: string }[];
};

export type ExerciseState =
  "passed" | "failing" | "not-started" | "untouched" | "not-graded" | "changed" | "partial" | "missing" | "stopped";

export type ExerciseView = {
  id: string;
  title: string;
  state: ExerciseState;
  /** "failing 3 of 11 checks" */
  detail: string;
  /** The file graded, or how the program was given. */
  where?: string;
  checks: CheckView[];
  /** The command that replays it exactly. */
  replay?: string;
  /** Words about it (a note, why it was not graded). */
  notes?: string[];
};

export type ReportView = {
  lang: Lang;
  title: string;
  /** A line under the title (the program, the seed, the points). */
  subtitle?: string;
  /** Said before anything else (a submission to look at, a grading that stopped). */
  notes?: { text: string; bad?: boolean }[];
  exercises: ExerciseView[];
  /** Over every exercise, not only those shown. */
  progress: { passed: number; total: number };
};

const WORDS = {
  progress: { en: "progress", zh: "进度" },
  passedOf: { en: "exercises passed", zh: "个练习已通过" },
  expected: { en: "expected", zh: "期望" },
  arrived: { en: "arrived", zh: "实际" },
  looksLike: { en: "this looks like", zh: "这看起来是" },
  fix: { en: "the fix, in your program's language", zh: "修正方法（用你的程序的语言）" },
  reread: { en: "re-read", zh: "重读" },
  passing: { en: "passing", zh: "通过的检查" },
  also: { en: "also failing", zh: "其他未通过的检查" },
  replay: { en: "replay exactly", zh: "精确重放" },
  extra: { en: "extra, does not count", zh: "附加项，不计分" },
  timeline: {
    en: "the wire, as text (-> sent by the grader, <- from your program)",
    zh: "线路的文字版（-> 评分器发出，<- 来自你的程序）",
  },
} as const;

const MARK: Record<ExerciseState, string> = {
  passed: "✓",
  failing: "✗",
  "not-started": "·",
  untouched: "·",
  "not-graded": "?",
  changed: "?",
  partial: "◐",
  missing: "·",
  stopped: "!",
};

/** An id for an exercise's section, to link to: "ex-01". */
export const exerciseAnchor = (id: string): string => `ex-${id.replace(/[^\w-]/g, "_")}`;

/** The report's body: title, progress, the exercises. */
export function reportBody(v: ReportView): Child[] {
  const say = (k: keyof typeof WORDS) => WORDS[k][v.lang];
  const colon = v.lang === "zh" ? "：" : ": ";
  const { passed, total } = v.progress;
  const body: Child[] = [
    h("h1", {}, v.title),
    v.subtitle && h("p", { class: "dim" }, v.subtitle),
    v.notes?.map((n) => h("p", { class: n.bad ? "bad" : undefined }, n.text)),
    h(
      "div",
      { class: "progress" },
      h("span", {}, say("progress")),
      h("progress", { max: total, value: passed, "aria-label": say("progress") }),
      h(
        "span",
        {},
        v.lang === "zh" ? `${passed}/${total} ${say("passedOf")}` : `${passed}/${total} ${say("passedOf")}`,
      ),
    ),
    h(
      "table",
      { class: "exercises" },
      v.exercises.map((e) =>
        h(
          "tr",
          { class: e.state },
          h("td", { class: e.state === "passed" ? "good" : e.state === "failing" ? "bad" : "dim" }, MARK[e.state]),
          h(
            "td",
            {},
            e.checks.length > 0
              ? h("a", { href: `#${exerciseAnchor(e.id)}` }, `${e.id} ${e.title}`)
              : `${e.id} ${e.title}`,
          ),
          h("td", {}, e.detail),
          h("td", { class: "dim mono" }, e.where ?? ""),
        ),
      ),
    ),
  ];
  v.exercises.forEach((e) => {
    if (e.checks.length === 0 && !e.notes?.length) return;
    const failing = e.checks.filter((c) => c.status !== "pass" && !c.brief);
    const briefly = e.checks.filter((c) => c.status !== "pass" && c.brief);
    const passing = e.checks.filter((c) => c.status === "pass");
    body.push(
      h(
        "section",
        { id: exerciseAnchor(e.id), class: "exercise" },
        h(
          "h2",
          {},
          `${MARK[e.state]} ${e.id} ${e.title}`,
          e.where ? h("span", { class: "dim" }, ` · ${e.where}`) : null,
        ),
        e.notes?.map((n) => h("p", {}, n)),
        failing.map((c, i) => checkCard(c, `${exerciseAnchor(e.id)}-${i}`, v.lang)),
        briefly.length > 0 && [
          h("p", {}, h("strong", {}, say("also"))),
          h(
            "ul",
            { class: "passed" },
            briefly.map((c) => h("li", {}, h("span", { class: "bad" }, "✗ "), `${c.label} — ${c.brief}`)),
          ),
        ],
        passing.length > 0 &&
          h(
            "details",
            { open: failing.length === 0 },
            h("summary", {}, `${say("passing")} (${passing.length})`),
            h(
              "ul",
              { class: "passed" },
              passing.map((c) => h("li", {}, h("span", { class: "good" }, "✓ "), c.label)),
            ),
          ),
        e.replay && h("p", { class: "dim" }, `${say("replay")}${colon}`, h("code", {}, e.replay)),
      ),
    );
  });
  return body;
}

/** One failing check in full. */
function checkCard(c: CheckView, id: string, lang: Lang): Child {
  const say = (k: keyof typeof WORDS) => WORDS[k][lang];
  const colon = lang === "zh" ? "：" : ": ";
  return h(
    "article",
    { class: "card failing" },
    h(
      "h3",
      {},
      h("span", { class: c.extra ? "mark" : "bad" }, c.extra ? "◇ " : "✗ "),
      c.label,
      c.extra ? h("span", { class: "dim" }, ` (${say("extra")})`) : null,
    ),
    c.blocked && h("p", { class: "dim" }, c.blocked),
    (c.expected || c.arrived) &&
      h(
        "dl",
        {},
        c.expected && [h("dt", {}, say("expected")), h("dd", {}, c.expected)],
        c.arrived && [h("dt", {}, say("arrived")), h("dd", {}, c.arrived)],
      ),
    c.sequence
      ? sequenceFigure(c.sequence, { lang, id, summary: say("timeline") })
      : c.timeline && h("details", {}, h("summary", {}, say("timeline")), h("pre", { class: "timeline" }, c.timeline)),
    c.misconceptions.map((m) =>
      h(
        "div",
        { class: "misconception" },
        h("p", {}, h("strong", {}, `${say("looksLike")}${colon}`), lang === "zh" ? `“${m.name}”` : `"${m.name}"`),
        h("p", {}, m.explain),
        m.fixes.length > 0 && [
          h("p", { class: "dim" }, `${m.fixLabel ?? say("fix")}${colon}`),
          m.fixes.map((f) => h("pre", { class: "fix" }, f)),
        ],
        h("p", { class: "dim" }, `${say("reread")}${colon}${m.reread}`),
      ),
    ),
    c.misconceptions.length === 0 && c.hint && h("p", { class: "dim" }, c.hint),
    c.outputs?.map((o) => [h("p", { class: "dim" }, `${o.title}${colon}`), h("pre", { class: "output" }, o.text)]),
  );
}
