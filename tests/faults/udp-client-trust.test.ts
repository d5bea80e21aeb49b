/**
 * The kit's UDP client (`bun src/client.ts --udp`) takes a challenge line after
 * it joined as "the server restarted" only when its server really forgot it:
 * its heartbeats go unanswered. A challenge forged from the server's address
 * while the server answers (what any host on the path can send) must not make
 * it leave the room and join again.
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

/** A stand-in UDP server: welcomes one client, answers its heartbeats, records what it sends. */
async function standIn() {
  const heard: { line: string; port: number }[] = [];
  let client: { port: number; address: string } | undefined;
  let sentToClient = 0;
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: {
      data(sock, data, port, address) {
        for (const line of new TextDecoder().decode(data).split("\n").filter(Boolean)) {
          heard.push({ line: line.trimEnd(), port });
          const text = line.trim();
          if (text === "/join 0a1b2c3d") {
            client = { port, address };
            sock.send("*** welcome, kit!\n", port, address);
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

test.failing(
  "the kit's UDP client ignores a forged challenge while its server answers its heartbeats, and stays in the room",
  async () => {
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
  },
  20_000,
);
