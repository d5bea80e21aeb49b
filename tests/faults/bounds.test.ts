/**
 * Bounds everywhere, black-box:
 * - a roster sent in parts (`"more": true`) by another server that never sends
 *   its last part: the parts held per server are capped, so the memory of every
 *   server on the link stays bounded (anything that writes to Redis can do it);
 * - the kit's TCP client, in front of a server that never reads: what it has
 *   not sent yet is capped, and it says the server is not reading;
 * - the catch-up after an outage never gets a member dropped as "too slow":
 *   reading from Redis waits while members' queues are full.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { RedisClient, type Subprocess } from "bun";
import { killAtExit, readMemory, ROOT, until } from "../../tools/harness/index.ts";
import { LinkedRoom, noRedis, numbersFrom, range } from "./linked.ts";

let room: LinkedRoom | undefined;
let cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups) c();
  cleanups = [];
  await room?.close();
  room = undefined;
});

const rssMiB = (pid: number) => (readMemory(pid)?.rssKiB ?? NaN) / 1024;

describe.skipIf(noRedis)("bounds on a linked server", () => {
  test("a roster whose last part never comes is held within a bound: the server's memory stays flat", async () => {
    room = await new LinkedRoom().start();
    const server = await room.server();
    const alice = await room.join(server, "tcp", "alice");
    // A server that exists only in Redis, written there by hand (anything that can write to Redis can):
    // a heartbeat that lasts, its arrival, then its stream.
    const redis = new RedisClient(room.redis.url);
    cleanups.push(() => redis.close());
    const hub = "0123456789abcdef";
    await redis.send("SET", [`chat:hub:${hub}`, "forged", "PX", "600000"]);
    await redis.send("XADD", ["chat:hubs", "*", "hub", hub]);
    let seq = 0;
    const add = (msgs: unknown[]) =>
      redis.send("XADD", [
        `chat:stream:${hub}`,
        "*",
        "v",
        "1",
        "hub",
        hub,
        "seq",
        String(++seq),
        "msgs",
        JSON.stringify(msgs),
      ]);
    let part = 0;
    /** `n` parts of 2,048 members each, and never the last; then a line, to know they were all read. */
    const parts = async (n: number) => {
      const sent = range(n).map(() => {
        const from = part++ * 2048;
        return add([{ k: "roster", members: range(2048, from).map((i) => [`9/${i}`, `g${i}`]), more: true }]);
      });
      await Promise.all(sent);
      await add([{ k: "line", text: `<ghost> after part ${part}` }]);
      await alice.waitFor(`<ghost> after part ${part}`, 20_000);
    };
    // Reading a few MB of entries at once costs memory of its own (about 30 MiB on this kit's
    // machines, given back to the allocator, not the system): measured after a first round of
    // parts, so that what follows shows only what is kept.
    await parts(40);
    const before = rssMiB(server.pid);
    // 120 more parts: 245,760 more members held, if nothing bounds them (about 100 MiB).
    await parts(120);
    const grew = rssMiB(server.pid) - before;
    expect(grew).toBeLessThan(16);
  }, 60_000);

  test("the catch-up after an outage never gets a member who keeps up dropped as too slow", async () => {
    room = await new LinkedRoom().start();
    const a = await room.server(["--no-flood-limit"]);
    const b = await room.server(["--no-flood-limit", "--max-queue-bytes", "65536"], { proxied: true });
    const sender = await room.join(a, "tcp", "sender");
    const reader = await room.join(b, "tcp", "reader");
    await sender.waitFor("*** reader joined", 5000);
    // The reader reads about 4 MB/s (20 ms of every 25 it reads): it keeps up with the room,
    // which says about 1 MB/s, and with nothing faster.
    const pace = room.every(25, () => {
      reader.peer.hold(true);
      setTimeout(() => reader.peer.hold(false), 5);
    });
    cleanups.push(() => pace.stop());
    // B's path to Redis is held for 2.5 s while the room talks: then its catch-up comes at once.
    b.proxy!.pause();
    const pad = "x".repeat(1000);
    let sent = 0;
    const talk = room.every(10, () => {
      for (let i = 0; i < 10; i++) sender.say(`seq sender ${sent++} ${pad}`);
    });
    await Bun.sleep(2500); // the outage's length
    talk.stop();
    b.proxy!.resume();
    await until(
      () => numbersFrom(reader, "sender").length >= sent || reader.closed,
      20_000,
      () => `the reader to have the sender's ${sent} lines (has ${numbersFrom(reader, "sender").length})`,
    );
    expect(reader.closed).toBe(false);
    expect(b.logs.filter((l) => l.includes("too slow"))).toEqual([]);
    const got = numbersFrom(reader, "sender");
    expect(got).toEqual(range(sent));
  }, 40_000);
});

/** The kit's client, started against `port`, with its output gathered. */
function kitClient(port: number): { proc: Subprocess<"pipe", "pipe", "pipe">; output: () => string } {
  const proc: Subprocess<"pipe", "pipe", "pipe"> = Bun.spawn(
    [process.execPath, "src/client.ts", "--port", String(port), "--nick", "kit", "--lang", "en"],
    { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  killAtExit(proc);
  cleanups.push(() => proc.kill("SIGKILL"));
  let output = "";
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
    })();
  }
  return { proc, output: () => output };
}

describe("bounds on the kit's TCP client", () => {
  test("lines that waited for a server that was not reading go, in order, once it reads again", async () => {
    const got: string[] = [];
    let partial = "";
    let server: import("bun").Socket | undefined;
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          server = s;
          s.write("*** welcome, kit!\n");
          s.pause?.(); // not reading, for now
        },
        data(_s, chunk) {
          const text = partial + new TextDecoder().decode(chunk);
          const lines = text.split("\n");
          partial = lines.pop()!;
          got.push(...lines);
        },
      },
    });
    cleanups.push(() => listener.stop(true));
    const kit = kitClient(listener.port);
    await until(() => kit.output().includes("welcome, kit"), 10_000, "the client to join");
    // 20 MB piped in: more than the kernel's buffers and the client's bound hold.
    const lines = range(20_000).map((i) => `line ${i} ${"z".repeat(990)}`);
    kit.proc.stdin.write(lines.join("\n") + "\n");
    void kit.proc.stdin.flush();
    await until(() => /not reading/.test(kit.output()), 10_000, "the client to say the server is not reading");
    server!.resume?.();
    const arrived = () => got.filter((l) => l.startsWith("line "));
    await until(
      () => arrived().length >= lines.length,
      30_000,
      () => `every line (${arrived().length})`,
    );
    // Every one, once, in order (compared by number: the lines are long).
    expect(arrived().map((l) => Number(l.split(" ")[1]))).toEqual(range(lines.length));
    expect(arrived().every((l, i) => l === lines[i])).toBe(true);
  }, 40_000);

  test("in front of a server that never reads, it keeps a bounded backlog and says the server is not reading", async () => {
    // A server that welcomes and then never reads: its socket's buffers fill, then the client's.
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open(s) {
          s.write("*** welcome, kit!\n");
          s.pause?.();
        },
        data() {},
      },
    });
    cleanups.push(() => listener.stop(true));
    const proc: Subprocess<"pipe", "pipe", "pipe"> = Bun.spawn(
      [process.execPath, "src/client.ts", "--port", String(listener.port), "--nick", "kit", "--lang", "en"],
      { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
    );
    killAtExit(proc);
    cleanups.push(() => proc.kill("SIGKILL"));
    let output = "";
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
      })();
    }
    await until(() => output.includes("welcome, kit"), 10_000, "the client to join");
    const before = rssMiB(proc.pid);
    // Lines of 1,000 bytes piped in for 3 s (as fast as it takes them), 128 MB at most.
    const chunk = ("y".repeat(999) + "\n").repeat(1000);
    const until3s = performance.now() + 3000;
    for (let i = 0; i < 128 && performance.now() < until3s && proc.exitCode === null; i++) {
      proc.stdin.write(chunk);
      await Promise.race([proc.stdin.flush(), Bun.sleep(Math.max(0, until3s - performance.now()))]);
    }
    await until(() => /not reading/.test(output), 2000, "the client to say the server is not reading").catch(() => {});
    const grew = rssMiB(proc.pid) - before;
    expect({ grewUnder32MiB: grew < 32, said: /not reading/.test(output) }).toEqual({
      grewUnder32MiB: true,
      said: true,
    });
  }, 30_000);
});
