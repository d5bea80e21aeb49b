/**
 * The chat program's command lines end a usage error as the lessons do: exit
 * status 2 (a mistake in how it was started), never 1 (something went wrong while
 * running), and never with a stack trace.
 */
import { describe, expect, test } from "bun:test";
import { ROOT, runToEnd } from "../tools/harness/index.ts";

const run = (file: string, args: string[]) => runToEnd([process.execPath, file, ...args], { cwd: ROOT });

describe.each(["src/server.ts", "src/client.ts"])("%s", (file) => {
  test("--help exits 0", async () => {
    const { code, stdout } = await run(file, ["--help"]);
    expect(stdout).toContain("--port");
    expect(code).toBe(0);
  });

  test.each([
    ["an unknown option", ["--no-such-option"]],
    ["a port that is not a number", ["--port", "abc"]],
    ["a language it does not speak", ["--lang", "fr"]],
    ["an option without its value", ["--port"]],
  ])("exits 2 on %s, without a stack trace", async (_what, args) => {
    const { code, stderr } = await run(file, args);
    expect(stderr).toContain("error:");
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(code).toBe(2);
  });
});
