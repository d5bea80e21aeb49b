import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../tools/harness/index.ts";
import { similarPairs } from "../../tools/classroom/similar.ts";
import { classInFolder } from "../../tools/classroom/submissions.ts";

const dir = mkdtempSync(join(tmpdir(), "kit-similar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mutant = (name: string) => readFileSync(join(ROOT, "tests/fixtures/mutants", name), "utf8");
const put = (student: string, file: string, text: string) => {
  mkdirSync(join(dir, student), { recursive: true });
  writeFileSync(join(dir, student, file), text);
};

// ann and ben hand in one program, ben's with every name changed; cat and dan hand in
// programs of their own; eve and fay both hand in the starter, each with code of their own added.
const article = mutant("01-article-echo.py");
put("ann", "01-echo.py", article);
put("ben", "01-echo.py", article.replaceAll("data", "payload").replaceAll("conn", "peer").replaceAll("addr", "where"));
const fixture = (path: string) => readFileSync(join(ROOT, "tests/fixtures/class", path), "utf8");
put("cat", "01-echo.py", fixture("mallory/01-echo.py"));
put("dan", "01-echo.py", fixture("trudy/01-echo.py"));
const starter = readFileSync(join(ROOT, "lessons/starters/01-echo.ts"), "utf8");
put("eve", "01-echo.ts", `${starter}\nfor (let i = 0; i < 3; i++) console.log(i * 2);\n`);
put("fay", "01-echo.ts", `${starter}\nconst seen = new Map<string, number>();\nexport function count(k: string) {\n  seen.set(k, (seen.get(k) ?? 0) + 1);\n}\n`);

describe("similar submissions", () => {
  test("finds a copy with its names changed, and only that pair", async () => {
    const pairs = await similarPairs(classInFolder(dir).students, ["01"]);
    expect(pairs.map((p) => [p.a, p.b])).toEqual([["ann", "ben"]]);
    expect(pairs[0]!.similarity).toBeGreaterThan(0.8);
  });

  test("the starter's own lines do not count", async () => {
    const pairs = await similarPairs(classInFolder(dir).students, ["01"], 0);
    const starters = pairs.find((p) => p.a === "eve" && p.b === "fay");
    expect(starters?.similarity ?? 0).toBeLessThan(0.2);
  });
});
