/**
 * feedback/<student>.md: the learner's own report, in the class's language:
 * per exercise the points, and for one that fails what `bun run grade` would
 * have told them (the first failing check in full, the others one a line, and
 * the command that replays it).
 */
import { exerciseInfo, type ExerciseId, type Lang } from "./grading.ts";
import { fmtPoints, stoppedWords, type ExerciseGrade, type StudentGrade } from "./grades.ts";
import { noteText } from "./notes.ts";
import { w } from "./words.ts";

const stateWords = (e: ExerciseGrade, lang: Lang): string =>
  e.state === "stopped" ? w(lang, "stopped") : w(lang, e.state);

export function feedbackMarkdown(g: StudentGrade, lang: Lang): string {
  const zh = lang === "zh";
  const out = [
    zh ? `# ${g.id} 的评分反馈` : `# Feedback for ${g.id}`,
    "",
    zh
      ? `得分：${fmtPoints(g.points)} / ${fmtPoints(g.max)}（种子 ${g.seed}：重放时用 --seed ${g.seed}）`
      : `Points: ${fmtPoints(g.points)} of ${fmtPoints(g.max)} (seed ${g.seed}: replay with --seed ${g.seed})`,
  ];
  if (g.stopped) out.push("", `**${stoppedWords(g, lang)}**`);
  for (const n of g.notes) out.push("", `- ${noteText(n, lang)}`);
  for (const [id, e] of Object.entries(g.exercises) as [ExerciseId, ExerciseGrade][]) {
    const title = exerciseInfo(id).title[lang];
    const pts = zh
      ? `${fmtPoints(e.points)} / ${fmtPoints(e.max)} 分`
      : `${fmtPoints(e.points)} of ${fmtPoints(e.max)} points`;
    out.push("", `## ${id} ${title}: ${stateWords(e, lang)} (${pts})`);
    if (e.state === "missing") out.push("", w(lang, "noFile"));
    const report = e.outcome?.report.trim();
    if (report) out.push("", "```text", report, "```");
  }
  return out.join("\n") + "\n";
}
