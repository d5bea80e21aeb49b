/**
 * class.md: the class at a glance, for the teacher: per exercise how many
 * passed; the misconception map (each misconception, how many students, who,
 * and the lesson section to re-teach, most students first); the programs that
 * hit a limit or stopped the grading; submissions to look at; verdicts that
 * changed between runs; similar submissions.
 */
import { exerciseInfo, misconception, type ExerciseId, type Lang } from "./grading.ts";
import { fmtPoints, stoppedWords, type StudentGrade } from "./grades.ts";
import { noteText } from "./notes.ts";
import type { SimilarPair } from "./similar.ts";
import { w } from "./words.ts";

export type ClassInfo = {
  grades: StudentGrade[];
  exercises: readonly ExerciseId[];
  transports: readonly string[];
  lang: Lang;
  seed: number;
  sandboxed: boolean;
  runs: number;
  seconds: number;
  similar?: SimilarPair[];
};

/** Per exercise: how many passed, failed, did not hand in, stopped the grading. */
export function exerciseCounts(grades: StudentGrade[], id: ExerciseId) {
  const of = (s: string) => grades.filter((g) => g.exercises[id]?.state === s).length;
  return { passed: of("passed"), failing: of("failing"), missing: of("missing"), stopped: of("stopped") };
}

export type MapEntry = { id: string; students: string[] };

/** The misconception map: each misconception and who showed it, most students first. */
export function misconceptionMap(grades: StudentGrade[]): MapEntry[] {
  const by = new Map<string, string[]>();
  for (const g of grades) for (const m of g.misconceptions) by.set(m, [...(by.get(m) ?? []), g.id]);
  return [...by]
    .map(([id, students]) => ({ id, students }))
    .sort((a, b) => b.students.length - a.students.length || a.id.localeCompare(b.id));
}

/** A table cell: no "|" or line break inside. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function classMarkdown(c: ClassInfo): string {
  const { grades, lang } = c;
  const zh = lang === "zh";
  const n = grades.length;
  const trs = c.transports.join(zh ? " 和 " : " and ");
  const out: string[] = [
    zh ? `# 全班评分：${n} 名学生` : `# The class: ${n} students`,
    "",
    zh
      ? `种子 ${c.seed} · ${trs} · 沙箱：${c.sandboxed ? "bubblewrap" : "无（--no-sandbox）"} · 用时 ${Math.round(c.seconds)} 秒` +
        (c.runs > 1 ? ` · 评了 ${c.runs} 遍` : "")
      : `seed ${c.seed} · ${trs} · sandbox: ${c.sandboxed ? "bubblewrap" : "none (--no-sandbox)"} · ${Math.round(c.seconds)} s` +
        (c.runs > 1 ? ` · graded ${c.runs} times` : ""),
    "",
    zh ? "## 各练习" : "## Exercises",
    "",
    zh
      ? "| 练习 | 通过 | 未通过 | 未提交 | 中断评分 | 平均得分 |"
      : "| exercise | passed | failing | not handed in | stopped the grading | mean points |",
    "|---|---|---|---|---|---|",
  ];
  for (const id of c.exercises) {
    const k = exerciseCounts(grades, id);
    const max = grades[0]?.exercises[id]?.max ?? 0;
    const mean = n ? grades.reduce((s, g) => s + (g.exercises[id]?.points ?? 0), 0) / n : 0;
    out.push(
      `| ${id} ${exerciseInfo(id).title[lang]} | ${k.passed} | ${k.failing} | ${k.missing} | ${k.stopped} | ${fmtPoints(mean)} / ${fmtPoints(max)} |`,
    );
  }
  out.push("", zh ? "## 误解地图" : "## The misconception map", "");
  const map = misconceptionMap(grades);
  if (map.length === 0)
    out.push(zh ? "没有学生的程序显出已命名的误解。" : "No student's program showed a named misconception.");
  else {
    out.push(
      zh ? "| 误解 | 人数 | 哪些学生 | 要重讲的内容 |" : "| misconception | students | who | re-teach |",
      "|---|---|---|---|",
    );
    for (const e of map) {
      const m = misconception(e.id);
      const name = m ? `${m.name[lang]} (\`${e.id}\`)` : `\`${e.id}\``;
      out.push(
        `| ${cell(name)} | ${e.students.length} | ${cell(e.students.join(", "))} | ${cell(m?.reread[lang] ?? "")} |`,
      );
    }
  }
  const stopped = grades.filter((g) => g.stopped);
  const limited = grades.filter((g) => g.limits.length > 0);
  out.push("", zh ? "## 碰到限制或中断了评分的程序" : "## Programs that hit a limit or stopped the grading", "");
  if (stopped.length + limited.length === 0) out.push(zh ? "没有。" : "None.");
  for (const g of stopped)
    out.push(`- ${g.id}: ${stoppedWords(g, lang)}${g.stopped!.detail ? ` — ${g.stopped!.detail.split("\n")[0]}` : ""}`);
  for (const g of limited)
    out.push(
      `- ${g.id}: ${zh ? "碰到了限制：" : "hit a limit: "}${g.limits.map((l) => w(lang, l)).join(zh ? "、" : ", ")}`,
    );
  const noted = grades.filter(
    (g) => g.notes.length > 0 || Object.values(g.exercises).every((e) => e?.state === "missing"),
  );
  out.push("", zh ? "## 要看一看的提交" : "## Submissions to look at", "");
  if (noted.length === 0) out.push(zh ? "没有。" : "None.");
  for (const g of noted) {
    const notes = g.notes.map((x) => noteText(x, lang));
    if (notes.length === 0) notes.push(zh ? "没有找到任何练习文件" : "no exercise file found");
    out.push(`- ${g.id}: ${notes.join(zh ? "；" : "; ")}`);
  }
  if (c.runs > 1) {
    const changed = grades.filter((g) => g.unstable.length > 0 || (g.stoppedRuns > 0 && g.stoppedRuns < g.runs));
    out.push(
      "",
      zh ? `## 几遍之间结论变了的检查（评了 ${c.runs} 遍）` : `## Verdicts that changed between runs (${c.runs} runs)`,
      "",
    );
    if (changed.length === 0)
      out.push(zh ? "没有：每一项检查每一遍的结论都一样。" : "None: every check gave the same verdict in every run.");
    for (const g of changed) {
      for (const u of g.unstable)
        out.push(`- ${g.id} ${u.exercise} ${u.transport} \`${u.check}\`: ${u.verdicts.join(", ")}`);
      if (g.stoppedRuns > 0 && g.stoppedRuns < g.runs)
        out.push(
          `- ${g.id}: ${zh ? `${g.runs} 遍中有 ${g.stoppedRuns} 遍评分被中断` : `the grading stopped in ${g.stoppedRuns} of ${g.runs} runs`}`,
        );
    }
  }
  if (c.similar) {
    out.push("", zh ? "## 相似的提交（--similar）" : "## Similar submissions (--similar)", "");
    if (c.similar.length === 0)
      out.push(zh ? "没有相似度达到 60% 的两份提交。" : "No two submissions are 60% alike or more.");
    else {
      out.push(
        zh ? "| 练习 | 学生 | 相似度 | 最长的共同片段 |" : "| exercise | students | similarity | longest shared run |",
        "|---|---|---|---|",
      );
      for (const p of c.similar)
        out.push(`| ${p.exercise} | ${cell(`${p.a}, ${p.b}`)} | ${Math.round(p.similarity * 100)}% | ${p.longest} |`);
    }
  }
  out.push("", zh ? "## 每名学生" : "## Students", "");
  out.push(`| ${zh ? "学生" : "student"} | ${zh ? "得分" : "points"} | ${c.exercises.join(" | ")} |`);
  out.push(`|---|---|${c.exercises.map(() => "---|").join("")}`);
  for (const g of grades) {
    const marks = c.exercises.map((id) => {
      const e = g.exercises[id]!;
      const sign = { passed: "✓", failing: "✗", missing: "·", stopped: "!" }[e.state];
      return `${sign} ${fmtPoints(e.points)}`;
    });
    out.push(`| ${cell(g.id)} | ${fmtPoints(g.points)} / ${fmtPoints(g.max)} | ${marks.join(" | ")} |`);
  }
  out.push(
    "",
    zh
      ? "✓ 通过 · ✗ 未通过 · · 未提交 · ! 程序中断了评分"
      : "✓ passed · ✗ failing · · not handed in · ! the program stopped the grading",
    "",
  );
  return out.join("\n");
}
