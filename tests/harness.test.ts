/**
 * The harness is what grades learners' programs, so it is tested too: command
 * lines, readiness (a crash is reported at once, a late UDP bind is waited for, a
 * program that never listens gets a clear error), and the byte-level reports.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  ROOT,
  Session,
  WireLog,
  escapeBytes,
  lessonCommand,
  listeningPort,
  shellWords,
  startChatServer,
  startProgram,
  stripAnsi,
  until,
  untilSteady,
  type Command,
  type Program,
} from "../tools/harness/index.ts";

const fixture = (name: string): Command => ({
  argv: [process.execPath, join(import.meta.dir, "fixtures", "programs", name)],
  label: `bun tests/fixtures/programs/${name}`,
  custom: true,
});

describe("shellWords", () => {
  test("splits a command line into words like a shell", () => {
    expect(shellWords("python3 my_hub.py")).toEqual(["python3", "my_hub.py"]);
    expect(shellWords(`  node "my hub.js"  --fast 'a b' c\\ d ""`)).toEqual(["node", "my hub.js", "--fast", "a b", "c d", ""]);
    expect(shellWords(`sh -c "echo \\"hi\\" \\$HOME"`)).toEqual(["sh", "-c", 'echo "hi" $HOME']);
  });

  test("refuses an unclosed quote", () => {
    expect(() => shellWords(`python3 "my hub.py`)).toThrow("unclosed");
  });
});

describe("lessonCommand", () => {
  test("runs the kit's own lesson with this Bun by default, --udp appended for UDP", () => {
    const cmd = lessonCommand("02", "udp", {});
    expect(cmd.argv).toEqual([process.execPath, join(ROOT, "lessons/02-hub.ts"), "--udp"]);
    expect(cmd.label).toBe("bun lessons/02-hub.ts --udp");
    expect(cmd.custom).toBe(false);
  });

  test("takes the program from LESSON_0N_CMD, and runs a leading bun as this Bun", () => {
    expect(lessonCommand("01", "tcp", { LESSON_01_CMD: "python3 'my echo.py' -v" }).argv).toEqual(["python3", "my echo.py", "-v"]);
    const cmd = lessonCommand("03", "udp", { LESSON_03_CMD: "bun mine.ts" });
    expect(cmd.argv).toEqual([process.execPath, "mine.ts", "--udp"]);
    expect(cmd.custom).toBe(true);
  });
});

describe("escapeBytes", () => {
  test("shows text as text and everything else as escapes", () => {
    const bytes = new TextEncoder().encode('hé "x"\r\n\x1b[31m\u202E');
    expect(escapeBytes(bytes)).toBe('"hé \\"x\\"\\r\\n\\x1b[31m\\u{202e}"');
  });

  test("shows a UTF-8 character cut in two as raw bytes", () => {
    const bytes = new TextEncoder().encode("你");
    expect(escapeBytes(bytes.subarray(0, 2))).toBe('"\\xe4\\xbd"');
    expect(escapeBytes(bytes.subarray(2))).toBe('"\\xa0"');
  });
});

test("stripAnsi leaves what a person reads", () => {
  expect(stripAnsi("\x1b[1G\x1b[0J> \x1b[3Ghi\x1b]0;title\x07\r\n")).toBe("> hi\n");
});

test("WireLog keeps one event per read or write, in order, per peer", () => {
  const wire = new WireLog();
  wire.record("ann", "sent", new TextEncoder().encode("a\n"));
  wire.record("bo", "recv", new TextEncoder().encode("<ann> a"));
  wire.record("bo", "recv", new TextEncoder().encode("\n"));
  expect(new TextDecoder().decode(wire.bytes("bo"))).toBe("<ann> a\n");
  expect(wire.format()).toMatch(/ann\s+->\s+"a\\n"\n.*bo\s+<-\s+"<ann> a"\n.*bo\s+<-\s+"\\n"$/);
});

test("until returns the first truthy value, and says what it waited for on timeout", async () => {
  let n = 0;
  expect(await until(() => ++n >= 3 && n, 1000, "three")).toBe(3);
  await expect(until(() => false, 50, "Godot")).rejects.toThrow("timed out after 50 ms waiting for: Godot");
});

test("untilSteady returns a value once it holds still, at once when it is final, and never throws", async () => {
  let reads = 0;
  expect(await untilSteady(() => Math.min(++reads, 5), { forMs: 50, ms: 5000 })).toBe(5);
  expect(await untilSteady(() => 7, { forMs: 60_000, ms: 60_000, done: (v) => v === 7 })).toBe(7);
  expect(await untilSteady(() => ++reads, { forMs: 1000, ms: 30 })).toBeGreaterThan(5); // never still: its value at the end
});

describe("startProgram", () => {
  let program: Program | undefined;
  afterEach(async () => {
    await program?.stop("SIGKILL");
    program = undefined;
  });

  test("reports a program that exits before listening at once, with its output", async () => {
    const started = performance.now();
    const error = await startProgram({ command: fixture("crash.ts"), transport: "tcp" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("exited with code 3 before it listened");
    expect((error as Error).message).toContain("crash: something is wrong");
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("gives up on a program that never listens after its limit, saying so", async () => {
    const error = await startProgram({ command: fixture("silent.ts"), transport: "udp", readyMs: 400 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/did not listen on udp 127\.0\.0\.1:\d+ within 400 ms/);
    expect((error as Error).message).toContain("silent: thinking");
  });

  test("waits for a UDP program that binds its port late, without a fixed sleep", async () => {
    const s = new Session();
    try {
      program = await startProgram({ command: fixture("late-udp.ts"), transport: "udp" });
      const peer = await s.connect("udp", program.port, "probe");
      peer.send("there?");
      await s.until(() => peer.lines().includes("ok there?"), "the late program answers");
    } finally {
      await s.close();
    }
  });

  test("with ready lines, waits for them and reads the port the program picked from the first", async () => {
    program = await startChatServer(["tcp", "udp"], { env: { LANG: "C" } });
    expect(program.port).toBeGreaterThan(0);
    expect(program.output()).toContain(`:${program.port} (tcp)`);
    expect(program.output()).toContain(`:${listeningPort(program, "udp")} (udp)`);
  });

  test("with ready lines, reports a program that exits before printing them at once, with its output", async () => {
    const ready = [/listening on \S*:(\d+)/];
    const error = await startProgram({ command: fixture("crash.ts"), transport: "tcp", ready }).catch((e: Error) => e);
    expect((error as Error).message).toContain("exited with code 3 before it was ready");
    expect((error as Error).message).toContain("crash: something is wrong");
  });

  test("passes the port both as --port N and as env PORT", async () => {
    program = await startProgram({ command: fixture("late-udp.ts"), transport: "udp" });
    expect(program.label).toEndWith(`--port ${program.port}`);
    const port = program.port;
    await until(() => program?.output().includes(`bound ${port}`), 2000, "the fixture says it bound the port from env PORT");
  });
});
