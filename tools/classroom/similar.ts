/**
 * --similar: pairs of students whose programs share unusual code, found by
 * Dolos's own matcher (@dodona/dolos-core: winnowed fingerprints of syntax-tree
 * tokens, the algorithm of MOSS) over trees parsed by tree-sitter's WebAssembly
 * build (@vscode/tree-sitter-wasm). Dolos's full library, @dodona/dolos-lib,
 * needs native parsers that do not load in Bun; this is its tokenizer's rule
 * (each node's type, in brackets) on the WebAssembly parsers instead.
 *
 * Not unusual, so not counted: the exercise's starter and lesson (code every
 * student was given), and code that half the class or more shares.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { File, FingerprintIndex, Region, TokenizedFile } from "@dodona/dolos-core";
import { ROOT } from "../harness/index.ts";
import { exerciseInfo, type ExerciseId } from "./grading.ts";
import type { Student } from "./submissions.ts";

/** Dolos's defaults: k-grams of 23 tokens, one fingerprint kept in each window of 17. */
const KGRAM = 23;
const WINDOW = 17;

export type SimilarPair = {
  exercise: ExerciseId;
  a: string;
  b: string;
  /** Share of both programs' fingerprints they have in common, 0 to 1. */
  similarity: number;
  /** The longest run of shared fingerprints. */
  longest: number;
};

type Grammar = "python" | "typescript";
const grammarOf = (file: string): Grammar | undefined =>
  /\.py$/.test(file) ? "python" : /\.(ts|js|mjs)$/.test(file) ? "typescript" : undefined;

type TreeSitter = typeof import("@vscode/tree-sitter-wasm");
type Parser = InstanceType<TreeSitter["Parser"]>;
type SyntaxNode = NonNullable<ReturnType<Parser["parse"]>>["rootNode"];

let parsers: Promise<Record<Grammar, Parser>> | undefined;

/** tree-sitter's parsers for Python and TypeScript, loaded once. */
function loadParsers(): Promise<Record<Grammar, Parser>> {
  parsers ??= (async () => {
    const require = createRequire(import.meta.url);
    const ts = require("@vscode/tree-sitter-wasm") as TreeSitter;
    const dir = dirname(require.resolve("@vscode/tree-sitter-wasm"));
    await ts.Parser.init({ locateFile: (name: string) => join(dir, name) });
    const make = async (grammar: string) => {
      const p = new ts.Parser();
      p.setLanguage(await ts.Language.load(join(dir, `tree-sitter-${grammar}.wasm`)));
      return p;
    };
    return { python: await make("python"), typescript: await make("typescript") };
  })();
  return parsers;
}

/** A file as Dolos tokenizes code: "(", the node's type, its children, ")"; comments left out. */
function tokenize(parser: Parser, path: string, text: string): TokenizedFile {
  const tokens: string[] = [];
  const mapping: Region[] = [];
  const walk = (node: SyntaxNode) => {
    const at = new Region(
      node.startPosition.row,
      node.startPosition.column,
      node.endPosition.row,
      node.endPosition.column,
    );
    const counted = !node.type.includes("comment");
    if (counted) (tokens.push("(", node.type), mapping.push(at, at));
    for (const child of node.namedChildren) if (child) walk(child);
    if (counted) (tokens.push(")"), mapping.push(at));
  };
  const tree = parser.parse(text);
  if (tree) walk(tree.rootNode);
  return new TokenizedFile(new File(path, text), tokens, mapping);
}

/**
 * Pairs whose similarity is at least `threshold`, most similar first: within
 * one exercise and one language (Python is not compared with TypeScript).
 */
export async function similarPairs(
  students: Student[],
  exercises: readonly ExerciseId[],
  threshold = 0.6,
): Promise<SimilarPair[]> {
  const p = await loadParsers();
  const pairs: SimilarPair[] = [];
  for (const exercise of exercises) {
    for (const grammar of ["python", "typescript"] as const) {
      const owners = new Map<TokenizedFile, string>();
      for (const s of students) {
        const file = s.files[exercise];
        if (file && grammarOf(file) === grammar)
          owners.set(tokenize(p[grammar], file, readFileSync(file, "utf8")), s.id);
      }
      if (owners.size < 2) continue;
      const index = new FingerprintIndex(KGRAM, WINDOW);
      index.addFiles([...owners.keys()]);
      // Code that half the class or more shares is not unusual (at least 3 students: two alike are a pair).
      index.updateMaxFingerprintFileCount(Math.max(2, Math.floor(owners.size / 2)));
      if (grammar === "typescript") {
        const given = [exerciseInfo(exercise).starter, exerciseInfo(exercise).lesson];
        for (const rel of given) {
          const path = join(ROOT, rel);
          index.addIgnoredFile(tokenize(p.typescript, path, readFileSync(path, "utf8")));
        }
      }
      for (const pair of index.allPairs()) {
        if (pair.similarity < threshold) continue;
        const [a, b] = [owners.get(pair.leftFile)!, owners.get(pair.rightFile)!].sort((x, y) => x.localeCompare(y));
        pairs.push({ exercise, a: a!, b: b!, similarity: pair.similarity, longest: pair.longest });
      }
    }
  }
  return pairs.sort((x, y) => y.similarity - x.similarity || x.a.localeCompare(y.a));
}
