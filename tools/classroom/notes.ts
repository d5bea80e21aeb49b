/** What the teacher and the learner read about a submission's files. */
import type { Lang } from "./grading.ts";
import type { Note } from "./submissions.ts";

export function noteText(n: Note, lang: Lang): string {
  const zh = lang === "zh";
  switch (n.kind) {
    case "wrong-name":
      return zh
        ? `${n.file}：文件名不是练习的名字（应以练习编号开头，如 01-echo.py），没有打分`
        : `${n.file}: not named as an exercise (names start with its number, as in 01-echo.py): not graded`;
    case "several":
      return zh
        ? `练习 ${n.exercise} 有好几个文件：给最新的 ${n.chosen} 打了分，没有给 ${n.others.join("、")} 打分`
        : `several files for ${n.exercise}: graded the newest, ${n.chosen}, not ${n.others.join(", ")}`;
    case "zip-inside":
      return zh
        ? `${n.file}：压缩包没有解开，里面的文件没有打分`
        : `${n.file}: a zip, left packed: its files were not graded`;
    case "empty":
      return zh ? "文件夹是空的" : "the folder is empty";
  }
}
