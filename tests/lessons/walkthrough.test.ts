/**
 * The lesson READMEs walk through each lesson section by section, keyed to the
 * section markers in the code (`// ── 1 · ...`, `// ── B1 · ...`). This keeps the
 * two in step: every marker is explained in both languages, and no README names
 * a section the code no longer has.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../tools/harness/index.ts";

const LESSONS = [
  { heading: "01-echo.ts", files: ["lessons/01-echo.ts"] },
  { heading: "02-hub.ts", files: ["lessons/02-hub.ts"] },
  { heading: "03-client.ts", files: ["lessons/03-client.ts", "lessons/03-client-worker.ts"] },
  { heading: "04-chat.ts", files: ["lessons/04-chat.ts"] },
  { heading: "05-linked-hubs.ts", files: ["lessons/05-linked-hubs.ts"] },
  { heading: "06-web-window.ts", files: ["lessons/06-web-window.ts"] },
];
const READMES = ["lessons/README.md", "lessons/README.zh-CN.md"];

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/** "1 · Settings: ..." for every `// ── 1 · Settings: ... ───` line. */
const markers = (file: string) => [...read(file).matchAll(/^\/\/ ── (B?\d+ · .+?) ─*$/gm)].map((m) => m[1]!);

/** A lesson's part of a README's walkthrough: from its "### <file>" heading to the next heading. */
function walkthrough(readme: string, heading: string): string {
  const text = read(readme);
  const start = text.indexOf(`\n### ${heading}`, text.lastIndexOf("\n## "));
  if (start < 0) return "";
  const end = text.indexOf("\n#", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe.each(READMES)("%s", (readme) => {
  test.each(LESSONS)("walks through every section of $heading, and only those", ({ heading, files }) => {
    const part = walkthrough(readme, heading);
    expect(part).not.toBe("");
    const inCode = files.flatMap(markers);
    expect(inCode.length).toBeGreaterThan(5);
    expect(inCode.filter((title) => !part.includes(`**${title}`))).toEqual([]); // sections the README does not explain
    const named = [...part.matchAll(/\*\*(B?\d+ · [^*（]+?)(?:（[^*]*）)?\*\*/g)].map((m) => m[1]!);
    expect(named.length).toBe(inCode.length);
    expect(named.filter((title) => !inCode.includes(title))).toEqual([]); // sections the code no longer has
  });
});
