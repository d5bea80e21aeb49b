/**
 * The kit's own tools keep the rule of its programs' command lines: `--help`
 * prints the help and exits 0, a usage error is one line and exit status 2, and
 * neither prints a stack trace. Each is run as a person types it (`bun run ...`).
 */
import { describe, expect, test } from "bun:test";
import { ROOT, runToEnd } from "../tools/harness/index.ts";

/** `bun run TOOL -- ARGS`, to its end. */
const run = (tool: string, args: string[]) => runToEnd([process.execPath, "run", tool, "--", ...args], { cwd: ROOT });
const STACK = /^\s+at |\n\s*\d+ \| /m;

describe.each([
  ["bench", "--scenario"],
  ["soak", "--minutes"],
])("bun run %s", (tool, option) => {
  test("--help prints the help, its options among it, and exits 0", async () => {
    const { code, stdout, stderr } = await run(tool, ["--help"]);
    expect(stdout).toContain(`bun run ${tool}`);
    expect(stdout).toContain(option);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  test.each([
    ["an unknown option", ["--lang", "zh"], "unknown option --lang"],
    ["an option without its value", [option], `${option} needs a value`],
    ["a stray argument", ["now"], "unexpected argument now"],
  ])("says what is wrong with %s in one line, and exits 2", async (_what, args, told) => {
    const { code, stdout, stderr } = await run(tool, args);
    expect(stderr).toBe(`${tool}: ${told} (try --help)\n`);
    expect(stderr).not.toMatch(STACK);
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });
});

test.each([
  ["bench", ["--scenario", "nope"], 'bench: no scenario "nope" (try --help)'],
  ["soak", ["--minutes", "0"], 'soak: --minutes must be a number above 0, not "0" (try --help)'],
])("bun run %s: a value it cannot use is a usage error too", async (tool, args, told) => {
  const { code, stderr } = await run(tool, args);
  expect(stderr).toBe(`${told}\n`);
  expect(code).toBe(2);
});
