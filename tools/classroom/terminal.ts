/**
 * What the teacher sees in the terminal: a progress bar while the class is
 * graded (redrawn in place on a terminal, a line now and then otherwise), then
 * class.md in short, within 80 columns.
 */
import pc from "picocolors";
import { exerciseInfo, misconception, type Lang } from "./grading.ts";
import { exerciseCounts, misconceptionMap, type ClassInfo } from "./class-md.ts";
import { stoppedWords } from "./grades.ts";

const CELLS = 24;
const bar = (done: number, total: number) => {
  const full = total ? Math.round((done / total) * CELLS) : CELLS;
  return pc.green("█".repeat(full)) + pc.dim("░".repeat(CELLS - full));
};

/** A progress bar on stderr: `tick(name)` after each student. */
export function progress(total: number, lang: Lang, runs = 1): { tick(name: string): void; end(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let done = 0;
  let lastStep = -1;
  const all = total * runs;
  const line = (name: string) => {
    const what = lang === "zh" ? `已评 ${done}/${all}` : `graded ${done}/${all}`;
    const who = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    return `${lang === "zh" ? "进度" : "grading"} ${bar(done, all)} ${what}  ${pc.dim(who)}`;
  };
  if (tty) process.stderr.write(line(""));
  return {
    tick(name) {
      done++;
      if (tty) process.stderr.write(`\r\x1b[2K${line(name)}`);
      else {
        const step = Math.floor((done / all) * 10);
        if (step !== lastStep || done === all) process.stderr.write(`${line(name)}\n`);
        lastStep = step;
      }
    },
    end() {
      if (tty) process.stderr.write("\r\x1b[2K");
    },
  };
}

/** class.md in short: per exercise, the first misconceptions, who stopped the grading, where the files are. */
export function summary(c: ClassInfo, out: string): string {
  const { grades, lang } = c;
  const zh = lang === "zh";
  const n = grades.length;
  const perMinute = c.seconds > 0 ? (n * c.runs * 60) / c.seconds : 0;
  const lines = [
    zh
      ? `给 ${n} 名学生打了分，用时 ${Math.round(c.seconds)} 秒（每分钟 ${perMinute.toFixed(1)} 名），种子 ${c.seed}`
      : `graded ${n} students in ${Math.round(c.seconds)} s (${perMinute.toFixed(1)} a minute), seed ${c.seed}`,
  ];
  const titleWidth = Math.max(...c.exercises.map((id) => Bun.stringWidth(`${id} ${exerciseInfo(id).title[lang]}`)));
  for (const id of c.exercises) {
    const k = exerciseCounts(grades, id);
    const title = `${id} ${exerciseInfo(id).title[lang]}`;
    const pad = " ".repeat(titleWidth - Bun.stringWidth(title));
    const rest = zh ? `${k.passed}/${n} 通过` : `${k.passed}/${n} passed`;
    lines.push(`  ${title}${pad}  ${bar(k.passed, n)} ${rest}`);
  }
  const map = misconceptionMap(grades).slice(0, 5);
  if (map.length > 0) {
    lines.push(zh ? "最常见的误解（人数）：" : "most common misconceptions (students):");
    for (const e of map) {
      const name = misconception(e.id)?.name[lang] ?? e.id;
      lines.push(`  ${String(e.students.length).padStart(3)}  ${name.length > 68 ? `${name.slice(0, 67)}…` : name}`);
    }
  }
  const stopped = grades.filter((g) => g.stopped);
  for (const g of stopped) lines.push(pc.yellow(`  ! ${g.id}: ${stoppedWords(g, lang)}`));
  const changed = grades.reduce((s, g) => s + g.unstable.length, 0);
  if (c.runs > 1)
    lines.push(
      changed === 0
        ? zh
          ? `评了 ${c.runs} 遍：每项检查的结论都没有变`
          : `graded ${c.runs} times: no verdict changed`
        : pc.yellow(
            zh
              ? `评了 ${c.runs} 遍：${changed} 项检查的结论变了（见 class.md）`
              : `graded ${c.runs} times: ${changed} verdicts changed (see class.md)`,
          ),
    );
  if (c.similar?.length)
    lines.push(
      zh
        ? `相似的提交：${c.similar.length} 对（见 class.md）`
        : `similar submissions: ${c.similar.length} pairs (see class.md)`,
    );
  lines.push(
    zh
      ? `已写入 ${out}：class.md、class.html、grades.csv、junit.xml、gradescope/、feedback/、reports/`
      : `written to ${out}: class.md, class.html, grades.csv, junit.xml, gradescope/, feedback/, reports/`,
  );
  return lines.join("\n");
}
