/**
 * The kit's UDP client (`bun src/client.ts --udp`) takes a challenge line after
 * it joined as "the server restarted" only when its server really forgot it:
 * its heartbeats go unanswered. A challenge forged from the server's address
 * while the server answers (what any host on the path can send) must not make
 * it leave the room and join again. And it knows "you are already in the room"
 * by the line's fixed part (`!!! /join: `), in any language, not by its words.
 *
 * The server here is a stand-in, a UDP socket of the test's own that speaks the
 * protocol's lines (docs/PROTOCOL.md): the join, the heartbeat answers
 * (`*** pong hbN COUNT`), and one forged challenge.
 */
import { afterEach, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { killAtExit, ROOT, until } from "../../tools/harness/index.ts";

let stop: (() => void)[] = [];
afterEach(() => {
  for (const s of stop) s();
  stop = [];
});

/**
 * A stand-in UDP server: welcomes one client (or answers its join with `joinedLine`),
 * answers its heartbeats (until told to forget it), records what it sends.
 */
async function standIn(joinedLine = "*** welcome, kit!") {
  const heard: { line: string; port: number }[] = [];
  let client: { port: number; address: string } | undefined;
  let sentToClient = 0;
  let forgot = false;
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(sock, data, port, address) {
        for (const line of new TextDecoder().decode(data).split("\n").filter(Boolean)) {
          heard.push({ line: line.trimEnd(), port });
          const text = line.trim();
          if (forgot)
            sock.send("/join 99999999\n", port, address); // a restarted server: a stranger
          else if (text === "/join 0a1b2c3d") {
            client = { port, address };
            sock.send(joinedLine + "\n", port, address);
            sentToClient = 1;
          } else if (text.startsWith("/join")) sock.send("*** to join, type: /join 0a1b2c3d\n", port, address);
          else if (/^\/ping hb\d+$/.test(text)) sock.send(`*** pong ${text.slice(6)} ${sentToClient}\n`, port, address);
        }
      },
      error() {},
    },
  });
  stop.push(() => socket.close());
  return {
    port: socket.port,
    heard,
    get joined() {
      return client !== undefined;
    },
    /** A line to the client, counted as the server counts it. */
    say(line: string) {
      sentToClient++;
      socket.send(line + "\n", client!.port, client!.address);
    },
    /** A forged challenge, from the server's own address: not counted (the server did not send it). */
    forge(line: string) {
      socket.send(line + "\n", client!.port, client!.address);
    },
    /** As a restarted server: from now on, every datagram from the client draws a challenge, and nothing else. */
    forget() {
      forgot = true;
    },
  };
}

function kitClient(port: number): { proc: Subprocess; output: () => string } {
  const proc = Bun.spawn(
    [process.execPath, "src/client.ts", "--udp", "--port", String(port), "--nick", "kit", "--lang", "en"],
    { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  killAtExit(proc);
  stop.push(() => proc.kill("SIGKILL"));
  let text = "";
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream as ReadableStream<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    })();
  }
  return { proc, output: () => text };
}

test("the kit's UDP client ignores a forged challenge while its server answers its heartbeats, and stays in the room", async () => {
  const server = await standIn();
  const kit = kitClient(server.port);
  await until(() => server.joined && kit.output().includes("welcome, kit"), 10_000, "the kit client to join");
  const joins = () => server.heard.filter((h) => h.line.startsWith("/join")).length;
  const joinsBefore = joins();
  server.forge("*** to join, type: /join 99999999");
  server.say("<bob> after the forged line");
  // Either it is still there and shows bob's line, or it has left and asks to join again.
  await until(
    () => kit.output().includes("<bob> after the forged line") || joins() > joinsBefore,
    5000,
    "the kit client to show bob's line, or to join again",
  );
  // Its next heartbeat is answered: it has no reason to think the server forgot it.
  (kit.proc.stdin as import("bun").FileSink).write("still here\n");
  await until(() => server.heard.some((h) => h.line === "still here"), 3000, "the kit client's next line");
  expect(kit.output()).not.toMatch(/restarted|went away/);
  expect(joins()).toBe(joinsBefore);
}, 20_000);

test("the kit's UDP client believes a challenge when its heartbeats go unanswered: the server restarted, and it joins again", async () => {
  const server = await standIn();
  const kit = kitClient(server.port);
  await until(() => server.joined && kit.output().includes("welcome, kit"), 10_000, "the kit client to join");
  const joins = () => server.heard.filter((h) => h.line.startsWith("/join")).length;
  const joinsBefore = joins();
  server.forget();
  server.forge("/join 99999999");
  await until(() => kit.output().includes("the server restarted"), 5000, "the kit client to say so");
  await until(() => joins() > joinsBefore, 5000, "the kit client to join again");
}, 20_000);

test.each([
  ["en", "!!! /join: you are already in the room"],
  ["zh", "!!! /join: 你已经在聊天室里了"],
  ["any wording", "!!! /join: déjà là"],
])(
  "the kit's UDP client knows 'already in the room' by its fixed part (%s): it is in, and the line is not shown",
  async (_lang, line) => {
    // Its welcome was lost, say: the stand-in answers its join with this line instead.
    const server = await standIn(line);
    const kit = kitClient(server.port);
    await until(() => server.joined && kit.output().includes("connected to"), 10_000, "the kit client to be in");
    server.say("<bob> hello kit");
    await until(() => kit.output().includes("<bob> hello kit"), 5000, "bob's line");
    // Counted as a line the server sent: its next heartbeat's answer shows nothing lost.
    (kit.proc.stdin as import("bun").FileSink).write("hi\n");
    await until(() => server.heard.some((h) => /^\/ping hb1$/.test(h.line)), 5000, "the heartbeat after its line");
    server.say("<bob> after the answer"); // sent after the heartbeat's answer: once shown, that answer was read
    await until(() => kit.output().includes("<bob> after the answer"), 5000, "bob's second line");
    expect(kit.output()).not.toContain(line.slice(4));
    expect(kit.output()).not.toMatch(/lost/);
  },
  20_000,
);
