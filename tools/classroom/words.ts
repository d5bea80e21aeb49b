/**
 * What the class grader says, in English and Chinese, side by side so that a
 * new line is written in both at once.
 */
import type { Lang } from "./grading.ts";

export const WORDS = {
  passed: { en: "passed", zh: "通过" },
  failing: { en: "failing", zh: "未通过" },
  missing: { en: "not handed in", zh: "未提交" },
  stopped: { en: "the program stopped the grading", zh: "程序中断了评分" },
  unknown: { en: "the grader could not tell", zh: "评分器无法判断" },
  expected: { en: "expected", zh: "期望" },
  arrived: { en: "arrived", zh: "实际" },
  blocked: { en: "not reached: an earlier step failed", zh: "没走到：前面的一步先失败了" },
  looksLike: { en: "looks like", zh: "看起来是" },
  reread: { en: "re-read", zh: "重读" },
  fixPy: { en: "the fix, in Python", zh: "修正方法（Python）" },
  fixTs: { en: "the fix, in TypeScript", zh: "修正方法（TypeScript）" },
  extra: { en: "extra", zh: "附加" },
  noFile: {
    en: "no file for this exercise (named like 01-echo.py or 01-echo.ts)",
    zh: "没有这个练习的文件（文件名应像 01-echo.py 或 01-echo.ts）",
  },
  timeLimit: { en: "it ran past the time limit", zh: "超过了时间限制" },
  ended: { en: "its grader was ended", zh: "它的评分进程被结束了" },
  memory: { en: "memory", zh: "内存" },
  processes: { en: "processes", zh: "进程数" },
  cpu: { en: "CPU time", zh: "CPU 时间" },
  "file-size": { en: "file size", zh: "文件大小" },
} as const satisfies Record<string, Record<Lang, string>>;

export const w = (lang: Lang, key: keyof typeof WORDS): string => WORDS[key][lang];
export const colon = (lang: Lang): string => (lang === "zh" ? "：" : ": ");

/** A mistake on the command line (or a sandbox that cannot run): one line, exit status 2. */
export class UsageError extends Error {}
