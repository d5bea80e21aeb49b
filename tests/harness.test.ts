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
  diesWithUs,
  WireLog,
  escapeBytes,
  joinRoom,
  killAtExit,
  lessonCommand,
  limiter,
  listeningPort,
  readMemory,
  runToEnd,
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
    const words = ["node", "my hub.js", "--fast", "a b", "c d", ""];
    expect(shellWords(`  node "my hub.js"  --fast 'a b' c\\ d ""`)).toEqual(words);
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
    const env = { LESSON_01_CMD: "python3 'my echo.py' -v" };
    expect(lessonCommand("01", "tcp", env).argv).toEqual(["python3", "my echo.py", "-v"]);
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
  let asked = 0;
  await until(() => ++asked && false, 100, "nothing", 40).catch(() => {});
  expect(asked).toBeLessThanOrEqual(4); // asked every 40 ms, not every 5
});

test("untilSteady returns a value once it holds still, at once when it is final, and never throws", async () => {
  let reads = 0;
  let started = performance.now();
  expect(await untilSteady(() => Math.min(++reads, 5), { forMs: 50, ms: 5000 })).toBe(5);
  expect(performance.now() - started).toBeGreaterThanOrEqual(50); // it held still for forMs first
  started = performance.now();
  expect(await untilSteady(() => 7, { forMs: 60_000, ms: 60_000, done: (v) => v === 7 })).toBe(7);
  expect(performance.now() - started).toBeLessThan(1000);
  // Never still: after its limit, its value at the end, read again and again during the call.
  const before = reads;
  started = performance.now();
  const last = await untilSteady(() => ++reads, { forMs: 1000, ms: 30 });
  expect(performance.now() - started).toBeGreaterThanOrEqual(30);
  expect(last).toBe(reads);
  expect(last).toBeGreaterThan(before + 2);
});

test("limiter runs at most n jobs at once, the others in the order they came, a failed one included", async () => {
  const inTurn = limiter(2);
  const started: number[] = [];
  const finish: (() => void)[] = [];
  let now = 0;
  let most = 0;
  const job = (i: number) =>
    inTurn(async () => {
      started.push(i);
      most = Math.max(most, ++now);
      await new Promise<void>((resolve) => (finish[i] = resolve));
      now--;
      if (i === 1) throw new Error("job 1 fails");
      return i;
    });
  const jobs = [0, 1, 2, 3].map(job);
  await until(() => started.length === 2, 1000, "two jobs to start");
  await Bun.sleep(20); // a window in which a third could start, and must not
  expect(started).toEqual([0, 1]);
  finish[1]!();
  await expect(jobs[1]!).rejects.toThrow("job 1 fails");
  await until(() => started.length === 3, 1000, "the third job");
  expect(started).toEqual([0, 1, 2]);
  finish[0]!();
  await until(() => started.length === 4, 1000, "the fourth job");
  finish[2]!();
  finish[3]!();
  expect(await Promise.all([jobs[0], jobs[2], jobs[3]])).toEqual([0, 2, 3]);
  expect(most).toBe(2);
});

test("a limiter's turn is held until the block that took it ends, and given back once", async () => {
  const inTurn = limiter(1);
  const order: string[] = [];
  const first = (async () => {
    using _ = await inTurn.turn();
    order.push("first in");
    await Bun.sleep(20); // a window in which the second could start, and must not
    order.push("first out");
  })();
  const second = (async () => {
    using turn = await inTurn.turn();
    order.push("second in");
    turn[Symbol.dispose](); // given back early: the end of the block gives nothing back twice
  })();
  await Promise.all([first, second]);
  expect(order).toEqual(["first in", "first out", "second in"]);
  const [a, b] = [inTurn(async () => "a"), inTurn(async () => "b")];
  expect(await Promise.all([a, b])).toEqual(["a", "b"]);
  using _third = await inTurn.turn();
  let fourth = false;
  void inTurn.turn().then(() => (fourth = true));
  await Bun.sleep(20);
  expect(fourth).toBe(false); // one place, and it is held
});

describe("runToEnd", () => {
  test("collects stdout, stderr and the exit code", async () => {
    const code = "console.log('out'); console.error('err'); process.exit(3)";
    const run = await runToEnd([process.execPath, "-e", code]);
    expect(run).toEqual({ code: 3, signal: null, stdout: "out\n", stderr: "err\n", timedOut: false });
  });

  test("kills a program that runs past its limit, and says so", async () => {
    const started = performance.now();
    const run = await runToEnd([process.execPath, "-e", "setTimeout(() => {}, 60_000)"], { timeoutMs: 300 });
    expect(run).toMatchObject({ code: null, signal: "SIGKILL", timedOut: true });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("gives it our environment with `env` on top, in its working directory", async () => {
    const code = "console.log(process.env.KIT_X, process.env.KIT_GONE, process.cwd())";
    process.env.KIT_GONE = "here";
    try {
      const env = { KIT_X: "1", KIT_GONE: undefined };
      const run = await runToEnd([process.execPath, "-e", code], { cwd: "/tmp", env });
      expect(run.stdout).toBe("1 undefined /tmp\n");
    } finally {
      delete process.env.KIT_GONE;
    }
  });
});

test("the tests run in a neutral locale, whatever the machine's, and keep the person's language aside", async () => {
  const run = await runToEnd(["sh", "-c", 'echo "[$LANG] [$LC_ALL] [$LC_MESSAGES]"']);
  expect(run.stdout).toBe("[C.UTF-8] [] []\n");
  expect(["en", "zh"]).toContain(process.env.CHAT_KIT_LANG!);
});

describe("no program the harness starts outlives the process that started it", () => {
  const gone = (pid: number) => readMemory(pid) === undefined; // no such process, or a zombie
  // A server, a program in a terminal, a program run to its end and a redis-server (where there is one).
  const starter = (end: string) => `
    import * as h from ${JSON.stringify(join(ROOT, "tools/harness/index.ts"))};
    const server = await h.startChatServer(["tcp"]);
    const term = h.startTerminal({ command: { argv: ["sleep", "60"], label: "sleep" } });
    void h.runToEnd(["sleep", "61"], { timeoutMs: 60_000 });
    const redis = h.REDIS_SERVER ? [await h.startRedis()] : [];
    await h.until(() => h.runningChildren().length === 3 + redis.length, 5000, "every program started");
    console.log("pids", JSON.stringify(h.runningChildren()));
    ${end}`;

  test.each([
    ["it exits", "for await (const _ of console) process.exit(0);", undefined],
    ["it is stopped with SIGTERM", "setInterval(() => {}, 1000)", "SIGTERM"],
    ["it is stopped with SIGINT", "setInterval(() => {}, 1000)", "SIGINT"],
    ["it is killed with SIGKILL (on Linux, with setpriv)", "setInterval(() => {}, 1000)", "SIGKILL"],
  ] as const)("when %s", async (_how, end, signal) => {
    if (signal === "SIGKILL" && diesWithUs(["true"])[0] === "true") return console.log("no setpriv --pdeathsig here");
    const proc = Bun.spawn([process.execPath, "-e", starter(end)], { env: process.env, stdin: "pipe", stdout: "pipe" });
    killAtExit(proc);
    let out = "";
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    const pids = JSON.parse((await until(() => /pids (.*)/.exec(out), 10_000, "the children's pids"))[1]!) as number[];
    expect(pids.length).toBeGreaterThanOrEqual(3);
    expect(pids.filter(gone)).toEqual([]);
    if (signal) proc.kill(signal);
    else {
      proc.stdin.write("exit now\n");
      await proc.stdin.end();
    }
    await proc.exited;
    if (signal) expect(proc.signalCode).toBe(signal); // it still dies of the signal
    await until(
      () => pids.every(gone),
      3000,
      () => `${pids.filter((p) => !gone(p)).join(", ")} to be gone`,
    );
  });
});

test.each(["en", "zh"])("joinRoom joins a server that speaks %s, over TCP and UDP, under a nick", async (lang) => {
  const s = new Session();
  const server = await startChatServer(["tcp", "udp"], { args: ["--lang", lang] });
  try {
    const tcp = await joinRoom("tcp", server.port, { nick: "tee" });
    const udp = await joinRoom("udp", listeningPort(server, "udp"), { nick: "you" });
    udp.say("hi");
    await tcp.waitFor("<you> hi");
    for (const c of [tcp, udp]) c.close();
  } finally {
    await Promise.all([s.close(), server.stop()]);
  }
});

describe("stopWhenStill: a program asked to stop is killed once it sits still, not while it works", () => {
  const start = (how: string) =>
    startProgram({
      command: { ...fixture("slow-exit.ts"), argv: [...fixture("slow-exit.ts").argv, how] },
      transport: "tcp",
    });

  test("one that works at its exit for longer than the stillness allowed exits by itself, code 0", async () => {
    const p = await start("work");
    expect(await p.stopWhenStill("SIGTERM", 300, 10_000)).toEqual({ code: 0, signal: null });
  });

  test("one that ignores the signal and sleeps is killed after the stillness allowed", async () => {
    const p = await start("ignore");
    const asked = performance.now();
    expect((await p.stopWhenStill("SIGTERM", 300, 10_000)).signal).toBe("SIGKILL");
    expect(performance.now() - asked).toBeLessThan(5_000);
  });

  test("one that ignores it and spins for ever is killed at the cap", async () => {
    const p = await start("spin");
    const asked = performance.now();
    expect((await p.stopWhenStill("SIGTERM", 300, 1_500)).signal).toBe("SIGKILL");
    expect(performance.now() - asked).toBeGreaterThanOrEqual(1_500);
  });
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
    const silent = { command: fixture("silent.ts"), transport: "udp", readyMs: 400 } as const;
    const error = await startProgram(silent).catch((e: Error) => e);
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
    const bound = () => program?.output().includes(`bound ${port}`);
    await until(bound, 2000, "the fixture says it bound the port from env PORT");
  });
});
