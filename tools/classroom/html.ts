/**
 * The class as pages (tools/wire): class.html, the students × exercises grid
 * (each cell a link to that student's report) and the misconception map as a
 * bar chart; and reports/<student>.html, each student's own report, every
 * failing check with its wire drawn, in the class's language.
 */
import { barChart } from "../wire/charts.ts";
import { h, type Child } from "../wire/markup.ts";
import { htmlPage } from "../wire/page.ts";
import { fromRecord } from "../wire/record.ts";
import { exerciseAnchor, reportBody, type CheckView, type ExerciseView } from "../wire/report.ts";
import { exerciseCounts, misconceptionMap, type ClassInfo } from "./class-md.ts";
import { exerciseInfo, misconception, type CheckOutcome, type ExerciseId, type Lang } from "./grading.ts";
import { fileNameOf, fmtPoints, stoppedWords, type ExerciseGrade, type StudentGrade } from "./grades.ts";
import { noteText } from "./notes.ts";
import { w } from "./words.ts";

/** Where a student's report is, from class.html. */
export const reportPath = (id: string): string => `reports/${fileNameOf(id)}.html`;
const reportHref = (id: string, exercise?: ExerciseId) =>
  `reports/${encodeURIComponent(fileNameOf(id))}.html${exercise ? `#${exerciseAnchor(exercise)}` : ""}`;

const SIGN = { passed: "✓", failing: "✗", missing: "·", stopped: "!" } as const;

/** One check as the student's report shows it. */
function checkView(c: CheckOutcome, exercise: ExerciseId, file: string | undefined, lang: Lang): CheckView {
  const kind = file?.endsWith(".py") ? "python" : file ? "bun" : undefined;
  return {
    label: `${exercise} ${c.transport}  ${c.name[lang]}`,
    status: c.verdict === "pass" ? "pass" : c.blocked ? "blocked" : "fail",
    extra: c.extra,
    blocked: c.verdict === "unknown" ? w(lang, "unknown") : c.blocked ? w(lang, "blocked") : undefined,
    expected: c.expected?.[lang],
    arrived: c.arrived?.[lang],
    sequence: c.wire && fromRecord(c.wire),
    timeline: c.timeline,
    misconceptions: c.misconceptions.flatMap((id) => {
      const m = misconception(id, exercise);
      if (!m) return [];
      // As the grader says it: the fix in the program's language, and for Python the article's section first.
      const fix = kind ? m.fix[kind] : undefined;
      const reread = kind === "python" && m.rereadPy ? m.rereadPy : m.reread;
      const fixLabel = w(lang, kind === "python" ? "fixPy" : "fixTs");
      return [
        { name: m.name[lang], explain: m.explain[lang], fixes: fix ? [fix] : [], fixLabel, reread: reread[lang] },
      ];
    }),
  };
}

/** A student's own report, as a whole page. */
export function studentPage(g: StudentGrade, lang: Lang): string {
  const zh = lang === "zh";
  const exercises: ExerciseView[] = (Object.entries(g.exercises) as [ExerciseId, ExerciseGrade][]).map(([id, e]) => {
    const file = g.files[id];
    const checks = e.outcome?.checks.map((c) => checkView(c, id, file, lang)) ?? [];
    const core = checks.filter((c) => !c.extra);
    const failing = core.filter((c) => c.status !== "pass").length;
    const points = zh
      ? `${fmtPoints(e.points)} / ${fmtPoints(e.max)} 分`
      : `${fmtPoints(e.points)} of ${fmtPoints(e.max)} points`;
    const state = e.state === "stopped" ? stoppedWords(g, lang) : w(lang, e.state);
    const count =
      e.state !== "failing"
        ? ""
        : zh
          ? `，未通过 ${failing} / ${core.length} 项检查`
          : `, failing ${failing} of ${core.length} checks`;
    return {
      id,
      title: exerciseInfo(id).title[lang],
      state: e.state,
      detail: zh ? `${state}${count}（${points}）` : `${state}${count} (${points})`,
      where: file,
      checks,
      notes: e.state === "missing" ? [w(lang, "noFile")] : undefined,
      replay: file && e.state === "failing" ? `bun run grade ${id} --seed ${g.seed} -- ${file}` : undefined,
    };
  });
  const title = zh ? `${g.id} 的评分反馈` : `Feedback for ${g.id}`;
  const subtitle = zh
    ? `得分：${fmtPoints(g.points)} / ${fmtPoints(g.max)}（种子 ${g.seed}）`
    : `Points: ${fmtPoints(g.points)} of ${fmtPoints(g.max)} (seed ${g.seed})`;
  const notes = [
    ...(g.stopped ? [{ text: stoppedWords(g, lang), bad: true }] : []),
    ...g.notes.map((n) => ({ text: noteText(n, lang) })),
  ];
  const passed = exercises.filter((e) => e.state === "passed").length;
  const body = reportBody({ lang, title, subtitle, notes, exercises, progress: { passed, total: exercises.length } });
  return htmlPage({ lang, title, body });
}

/** class.html: the grid, the misconception map as bars, each cell a link to the student's report. */
export function classPage(c: ClassInfo): string {
  const { grades, lang } = c;
  const zh = lang === "zh";
  const title = zh ? `全班评分：${grades.length} 名学生` : `The class: ${grades.length} students`;
  const trs = c.transports.join(zh ? " 和 " : " and ");
  const subtitle = zh
    ? `种子 ${c.seed} · ${trs} · 用时 ${Math.round(c.seconds)} 秒` + (c.runs > 1 ? ` · 评了 ${c.runs} 遍` : "")
    : `seed ${c.seed} · ${trs} · ${Math.round(c.seconds)} s` + (c.runs > 1 ? ` · graded ${c.runs} times` : "");
  const head = h(
    "tr",
    {},
    h("th", {}, zh ? "学生" : "student"),
    h("th", {}, zh ? "得分" : "points"),
    c.exercises.map((id) => h("th", { title: exerciseInfo(id).title[lang] }, `${id} ${exerciseInfo(id).title[lang]}`)),
  );
  const rows = grades.map((g) =>
    h(
      "tr",
      {},
      h("th", {}, h("a", { href: reportHref(g.id) }, g.id)),
      h("td", { class: "mono" }, `${fmtPoints(g.points)} / ${fmtPoints(g.max)}`),
      c.exercises.map((id) => {
        const e = g.exercises[id]!;
        const cls = e.state === "passed" ? "good" : e.state === "failing" || e.state === "stopped" ? "bad" : "dim";
        return h(
          "td",
          { class: `cell ${e.state}` },
          h(
            "a",
            { href: reportHref(g.id, id), class: cls, title: w(lang, e.state) },
            `${SIGN[e.state]} ${fmtPoints(e.points)}`,
          ),
        );
      }),
    ),
  );
  const counts = c.exercises.map((id) => {
    const k = exerciseCounts(grades, id);
    return h(
      "li",
      {},
      `${id} ${exerciseInfo(id).title[lang]}${zh ? "：" : ": "}`,
      zh
        ? `${k.passed} 通过，${k.failing} 未通过，${k.missing} 未提交，${k.stopped} 中断了评分`
        : `${k.passed} passed, ${k.failing} failing, ${k.missing} not handed in, ${k.stopped} stopped the grading`,
    );
  });
  const map = misconceptionMap(grades);
  const mapTitle = zh ? "误解地图：每个误解有多少名学生" : "The misconception map: how many students showed each";
  const named = map.map((e) => ({ e, m: misconception(e.id) }));
  const chart =
    map.length === 0
      ? h("p", {}, zh ? "没有学生的程序显出已命名的误解。" : "No student's program showed a named misconception.")
      : barChart({
          id: "map",
          title: mapTitle,
          desc: named.map(({ e, m }) => `${m?.name[lang] ?? e.id}: ${e.students.length}`).join("; "),
          bars: named.map(({ e, m }) => ({
            label: m?.name[lang] ?? e.id,
            value: e.students.length,
            shown: zh
              ? `${e.students.length} 名学生`
              : `${e.students.length} student${e.students.length === 1 ? "" : "s"}`,
            href: `#m-${e.id}`,
          })),
          width: 560,
        });
  const who = named.map(({ e, m }) =>
    h(
      "li",
      { id: `m-${e.id}` },
      h("strong", {}, m?.name[lang] ?? e.id),
      ` (${e.students.length})${zh ? "：" : ": "}`,
      e.students.map((s, i) => [i > 0 ? (zh ? "、" : ", ") : "", h("a", { href: reportHref(s) }, s)]),
      m && h("span", { class: "dim" }, ` — ${w(lang, "reread")}${zh ? "：" : ": "}${m.reread[lang]}`),
    ),
  );
  const legend = zh
    ? "✓ 通过 · ✗ 未通过 · · 未提交 · ! 程序中断了评分；点一格看那名学生的报告。"
    : "✓ passed · ✗ failing · · not handed in · ! the program stopped the grading; a cell opens that student's report.";
  const body: Child[] = [
    h("h1", {}, title),
    h("p", { class: "dim" }, subtitle),
    h("ul", {}, counts),
    h("h2", {}, zh ? "每名学生" : "Students"),
    h("div", { class: "scroll" }, h("table", { class: "grid" }, h("thead", {}, head), h("tbody", {}, rows))),
    h("p", { class: "dim" }, legend),
    h("h2", {}, mapTitle),
    chart,
    h("ul", {}, who),
    h(
      "p",
      { class: "dim" },
      zh
        ? "同一文件夹里还有：class.md、grades.csv、junit.xml、gradescope/、feedback/"
        : "Beside it: class.md, grades.csv, junit.xml, gradescope/, feedback/",
    ),
  ];
  return htmlPage({ lang, title, body });
}
