/**
 * Classes made for testing and measuring the class grader: a student's folder
 * holds only their own files, so the kit's own programs (which import the
 * kit's other files) are bundled into one file each with Bun's bundler.
 *
 * A manifest (tests/fixtures/class/class.json) says what to add to a folder of
 * students: `copy` a file of the kit as it is, `build` one of the kit's programs.
 */
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "../harness/index.ts";

const bundles = new Map<string, Promise<string>>();

/** One of the kit's programs (a path from the kit's root) as one self-contained file. */
export function bundle(rel: string): Promise<string> {
  let made = bundles.get(rel);
  if (!made) {
    made = Bun.build({ entrypoints: [join(ROOT, rel)], target: "bun" }).then(async (out) => {
      if (!out.success) throw new Error(`cannot bundle ${rel}: ${out.logs.join("\n")}`);
      const code = await out.outputs[0]!.text();
      const note = `// ${rel}, bundled by the kit for a class made to test the class grader.\n`;
      // A "#!" line must stay the first.
      const cut = code.startsWith("#!") ? code.indexOf("\n") + 1 : 0;
      return code.slice(0, cut) + note + code.slice(cut);
    });
    bundles.set(rel, made);
  }
  return made;
}

/** Write `text` at `path`, its folders made readable by everyone (a jailed program runs as another user). */
export function writeReadable(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(path, text, { mode: 0o644 });
}

export type Manifest = { copy?: Record<string, string>; build?: Record<string, string> };

/** Lay a class out in `into`: the folders of `from` if given (not its manifest), then what the manifest adds. */
export async function layOutClass(manifest: Manifest, into: string, from?: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  chmodSync(into, 0o755);
  if (from) cpSync(from, into, { recursive: true, filter: (src) => !src.endsWith(".json") });
  for (const [to, rel] of Object.entries(manifest.copy ?? {}))
    writeReadable(join(into, to), readFileSync(join(ROOT, rel)));
  for (const [to, rel] of Object.entries(manifest.build ?? {})) writeReadable(join(into, to), await bundle(rel));
}
