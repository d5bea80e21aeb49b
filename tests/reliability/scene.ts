/**
 * A scene for one item of the reliability checklist: a server in a child process,
 * two bystanders (alice and bob) already chatting, and whatever the offender
 * needs. `survived()` is the checklist's definition of "pass", asserted the same
 * way after every ordeal.
 */
import { expect } from "bun:test";
import type { Subprocess } from "bun";
import type { RawClient, Transport } from "../helpers/chat.ts";
import { diesWithUs, killAtExit, limiter, until } from "../../tools/harness/index.ts";
import { IDLE_CPU_MS, member, quietCpuMs, rawClient, startChild, type ChildServer } from "./child-server.ts";

/** What the server must never relay raw (docs/PROTOCOL.md, "Text the server will not relay raw"). */
export const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export type Client = RawClient;

export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** A program run as a child of the test (a client that must be killed, or block, for real). */
export interface ChildClient {
  proc: Subprocess<"ignore", "pipe", "inherit">;
  /** Its stdout, line by line. */
  lines: string[];
  waitFor(match: string, ms?: number): Promise<string>;
}

export class Scene {
  readonly servers: ChildServer[] = [];
  server!: ChildServer;
  alice!: Client;
  bob!: Client;
  private readonly clients: RawClient[] = [];
  private readonly children: Subprocess[] = [];
  private readonly timers: ReturnType<typeof setInterval>[] = [];

  constructor(readonly transport: Transport) {}

  /** Starts a server (the first one becomes `scene.server`). */
  async start(args: string[], port = 0): Promise<ChildServer> {
    const server = await startChild(args, port);
    this.servers.push(server);
    this.server ??= server;
    return server;
  }

  /** A client that has joined the room over this scene's transport. */
  async join(nick?: string, server = this.server): Promise<Client> {
    return this.track(await member(server, this.transport, nick));
  }

  /** A raw client: over TCP connected (so joined), over UDP only a socket (a stranger). */
  async raw(server = this.server): Promise<Client> {
    return this.track(await rawClient(server, this.transport));
  }

  track<T extends RawClient>(client: T): T {
    this.clients.push(client);
    return client;
  }

  /** Runs `code` in a child Bun process; it is killed when the scene ends. */
  child(code: string): ChildClient {
    const options = { env: process.env, stdin: "ignore", stdout: "pipe", stderr: "inherit" } as const;
    const proc = Bun.spawn(diesWithUs([process.execPath, "-e", code]), options);
    killAtExit(proc);
    this.children.push(proc);
    const lines: string[] = [];
    void (async () => {
      const decoder = new TextDecoder();
      let partial = "";
      for await (const chunk of proc.stdout) {
        const parts = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = parts.pop()!;
        lines.push(...parts);
      }
    })();
    return {
      proc,
      lines,
      waitFor: (match, ms = 5000) =>
        until(() => lines.find((l) => l.includes(match)), ms, `the child to print ${match}`),
    };
  }

  /** Clients that must look alive to a short timeout send an empty line (over UDP, an empty datagram) every `ms`. */
  keepAlive(clients: Client[], ms = 100): void {
    const beat = this.transport === "tcp" ? "\n" : new Uint8Array(0);
    this.timers.push(setInterval(() => clients.forEach((c) => c.closed || c.write(beat)), ms));
  }

  async cleanup(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const c of this.clients) if (!c.closed) c.close();
    for (const p of this.children) p.kill("SIGKILL");
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** A test's time limit, waiting for its turn included. */
export const SCENE_TIMEOUT_MS = 90_000;

/**
 * Scenes run two at a time (the tests are `test.concurrent`): most of a scene is its
 * quiet second, so two overlap well, and two cores are not crowded by more.
 */
export const inTurn = limiter(2);

/** Runs `body` (in its turn) with a server started with `args`, and alice and bob in the room; always cleans up. */
export function withScene(transport: Transport, args: string[], body: (scene: Scene) => Promise<void>): Promise<void> {
  return inTurn(() => playScene(transport, args, body));
}

async function playScene(transport: Transport, args: string[], body: (scene: Scene) => Promise<void>): Promise<void> {
  const scene = new Scene(transport);
  try {
    await scene.start(args);
    scene.alice = await scene.join("alice");
    scene.bob = await scene.join("bob");
    await scene.alice.waitFor("*** bob joined");
    await body(scene);
  } finally {
    await scene.cleanup();
  }
}

/**
 * alice and bob each send `n` lines; each receives every line of the other, once,
 * in order. (Over UDP a lost datagram would show here as a missing line.)
 */
export async function stillChat(alice: Client, bob: Client, tag: string, n = 5): Promise<void> {
  for (const i of range(n)) {
    alice.say(`${tag} from alice ${i}`);
    bob.say(`${tag} from bob ${i}`);
  }
  await bob.waitFor(`<alice> ${tag} from alice ${n - 1}`);
  await alice.waitFor(`<bob> ${tag} from bob ${n - 1}`);
  expect(bob.matching(`${tag} from alice `)).toEqual(range(n).map((i) => `<alice> ${tag} from alice ${i}`));
  expect(alice.matching(`${tag} from bob `)).toEqual(range(n).map((i) => `<bob> ${tag} from bob ${i}`));
}

/**
 * The checklist's "pass": the server is still up, the bystanders still chat with
 * nothing lost, nothing unsafe ever reached them, and the server is idle again
 * (its CPU time over a quiet second is far below what a busy loop would use).
 */
export async function survived(scene: Scene, tag = "afterwards"): Promise<void> {
  const { server, alice, bob } = scene;
  expect(server.alive()).toBe(true);
  await stillChat(alice, bob, tag);
  for (const c of [alice, bob]) expect(c.lines.filter((l) => UNSAFE.test(l))).toEqual([]);
  const cpu = await quietCpuMs(server);
  expect(cpu).toBeLessThan(IDLE_CPU_MS);
  expect(server.alive()).toBe(true);
}

/** The first bytes a real TLS client sends (its ClientHello), caught by a listener of our own. */
export async function captureClientHello(): Promise<Uint8Array> {
  let hello: Uint8Array | undefined;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, chunk) {
        hello ??= chunk.slice();
        socket.end();
      },
    },
  });
  try {
    const tls = { hostname: "127.0.0.1", port: listener.port, tls: true, socket: { data() {}, error() {} } };
    Bun.connect(tls).catch(() => {});
    return await until(() => hello, 3000, "a TLS ClientHello");
  } finally {
    listener.stop(true);
  }
}
