/**
 * The floors of src/ (docs/ARCHITECTURE.md), kept by reading every import:
 * type imports and re-exports included. A file imports only from a floor below
 * its own, or from its own unit (a folder, or a file with the folder of its
 * parts: src/hub.ts and src/hub/); never from above, never sideways into
 * another unit on its floor, and never in a circle.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "../tools/harness/command.ts";

/** Floor by unit, lowest first: the same table as docs/ARCHITECTURE.md's picture. */
const FLOORS: readonly (readonly string[])[] = [
  ["address", "nick", "notices", "wrap", "tcp-probe", "pace"],
  ["i18n", "protocol"],
  ["config", "room", "cli", "render", "screen"],
  ["hub"],
  ["transports", "link"],
  ["server", "client", "page"],
];

/** Only these files touch sockets (Bun.listen, Bun.connect, Bun.udpSocket, Bun.serve) or Redis (RedisClient). */
const SOCKETS = /^(transports\/.*|tcp-probe\.ts)$/;
const REDIS = /^link\/redis-line\.ts$/;

const SRC = join(ROOT, "src");

/** "hub.ts" and "hub/flood-gate.ts" are both of the unit "hub". */
const unitOf = (file: string) => file.split("/")[0]!.replace(/\.ts$/, "");

function floorOf(file: string): number {
  return FLOORS.findIndex((units) => units.includes(unitOf(file)));
}

/** Every module a source file names: imports, `import type`, re-exports, dynamic imports. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const statement =
    /^\s*(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+["']([^"']+)["']/gm;
  const bare = /^\s*import\s+["']([^"']+)["']/gm;
  const dynamic = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (const re of [statement, bare, dynamic]) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

function srcFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? srcFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [relative(SRC, join(dir, e.name))] : [],
  );
}

/** Source without its comments (a `//` only after whitespace, so "redis://" stays). */
const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");

/** file -> the src/ files it imports (paths relative to src/). */
function readGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of srcFiles()) {
    const deps = specifiers(readFileSync(join(SRC, file), "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) => relative(SRC, resolve(dirname(join(SRC, file)), s)));
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** The imports that break a floor rule, each as "from -> to (why)". */
function upward(graph: Map<string, string[]>, floor = floorOf): string[] {
  const bad: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      const [a, b] = [floor(from), floor(to)];
      if (b > a) bad.push(`${from} -> ${to} (up, floor ${a} to ${b})`);
      else if (b === a && unitOf(from) !== unitOf(to)) bad.push(`${from} -> ${to} (sideways, floor ${a})`);
    }
  }
  return bad;
}

/** Every import circle, each as "a -> b -> ... -> a". */
function circles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") found.push([...path.slice(path.indexOf(dep)), dep].join(" -> "));
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

describe("the floors of src/", () => {
  const graph = readGraph();

  test("every file of src/ stands on a floor", () => {
    expect([...graph.keys()].filter((f) => floorOf(f) < 0)).toEqual([]);
  });

  test("every import resolves to a file of src/", () => {
    const missing = [...graph].flatMap(([from, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${from} -> ${d}`),
    );
    expect(missing).toEqual([]);
  });

  test("no file imports from a floor above its own, or sideways into another unit", () => {
    expect(upward(graph)).toEqual([]);
  });

  test("no import circle, type imports included", () => {
    expect(circles(graph)).toEqual([]);
  });

  test("only the transports and the probe touch sockets, and only the Redis line touches Redis", () => {
    const misplaced: string[] = [];
    for (const file of graph.keys()) {
      const code = withoutComments(readFileSync(join(SRC, file), "utf8"));
      if (/Bun\.(listen|connect|udpSocket|serve)\b/.test(code) && !SOCKETS.test(file))
        misplaced.push(`${file}: sockets`);
      if (/\bRedisClient\b/.test(code) && !REDIS.test(file)) misplaced.push(`${file}: Redis`);
    }
    expect(misplaced).toEqual([]);
  });
});

describe("the floor checker itself", () => {
  test("reads every kind of import, over several lines, type-only ones too", () => {
    const source = [
      'import { a,\n  b } from "./one.ts";',
      'import type { C } from "./two.ts";',
      'export { d } from "./three.ts";',
      'export type { E } from "./four.ts";',
      'import * as f from "./five.ts";',
      'import g, { h } from "./six.ts";',
      'import "./seven.ts";',
      'const i = await import("./eight.ts");',
      '// a comment that says import x from "./nine.ts" is not an import',
    ].join("\n");
    expect(specifiers(source)).toEqual([
      "./one.ts",
      "./two.ts",
      "./three.ts",
      "./four.ts",
      "./five.ts",
      "./six.ts",
      "./seven.ts",
      "./eight.ts",
    ]);
  });

  test("finds a circle and an upward or sideways import when there is one", () => {
    const graph = new Map([
      ["i18n.ts", ["link/wire.ts"]],
      ["link/wire.ts", ["protocol.ts"]],
      ["protocol.ts", ["i18n.ts"]],
      ["link/reach.ts", ["transports/tcp.ts"]],
      ["transports/tcp.ts", []],
    ]);
    expect(circles(graph)).toEqual(["i18n.ts -> link/wire.ts -> protocol.ts -> i18n.ts"]);
    expect(upward(graph)).toEqual([
      "i18n.ts -> link/wire.ts (up, floor 1 to 4)",
      "protocol.ts -> i18n.ts (sideways, floor 1)",
      "link/reach.ts -> transports/tcp.ts (sideways, floor 4)",
    ]);
  });
});
