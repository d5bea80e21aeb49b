/**
 * The README's pictures of a report (`bun run grade --html`), made by
 * `bun run shots` from the kit's own fixture: the mutant that takes one read
 * for one message (tests/fixtures/mutants/01-one-read.ts), graded over TCP with
 * a fixed seed, in English on a wide screen and in Chinese on a phone:
 *
 *   docs/images/report-en-wide.png  report-zh-phone.png
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { decodePng, ink, runToEnd, type Browser } from "../harness/index.ts";

const ROOT = resolve(import.meta.dir, "../..");
const MUTANT = "tests/fixtures/mutants/01-one-read.ts";

/** Grade the fixture into a page for each language, and photograph it. */
export async function reportShots(browser: Browser, out: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "report-shots-"));
  try {
    for (const [lang, name, viewport] of [
      ["en", "wide", { width: 1100, height: 860 }],
      ["zh", "phone", { width: 375, height: 900 }],
    ] as const) {
      const page = join(dir, `report-${lang}.html`);
      const argv = ["tools/grader/grade.ts", "01", "--tcp", "--seed", "7", "--lang", lang, "--html", page];
      const run = await runToEnd([process.execPath, ...argv, "--", "bun", MUTANT], {
        cwd: ROOT,
        env: { NO_COLOR: "1" },
        timeoutMs: 60_000,
      });
      if (run.stdout.trim().split("\n").at(-1) !== page)
        throw new Error(`the grader wrote no page:\n${run.stdout}${run.stderr}`);
      const tab = await browser.open(pathToFileURL(page).href, viewport);
      const path = join(out, `report-${lang}-${name}.png`);
      const png = await tab.screenshot(path);
      const image = decodePng(png);
      if (ink(image).pixels < 5000) throw new Error(`${path}: almost nothing drawn`);
      console.log(`shots: ${path} (${image.width}×${image.height}, ${Math.round(png.length / 1024)} KiB)`);
      await tab.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
