/**
 * Real servers and raw clients for the contract suite.
 *
 * The clients are deliberately dumb (no kit code on their side except the line
 * splitter), so a test sees exactly what a person with `nc` would see.
 */
import type { Socket } from "bun";
import { Hub, type HubOptions } from "../../src/hub.ts";
import { parseChallenge } from "../../src/protocol.ts";
import { serveTcp } from "../../src/transports/tcp.ts";
import type { RunningServer } from "../../src/transports/types.ts";
import { serveUdp } from "../../src/transports/udp.ts";
import { until } from "../../tools/harness/until.ts";

export type Transport = "tcp" | "udp";
export const TRANSPORTS: Transport[] = ["tcp", "udp"];

export interface TestServer {
  hub: Hub;
  port: number;
  transport: Transport;
  logs: string[];
  stop(): Promise<void>;
}

export interface ServerOptions extends HubOptions {
  maxQueueBytes?: number;
  udpTimeoutMs?: number;
}

/** A hub on 127.0.0.1, port 0, over one transport, in this process. Flood control off unless asked. */
export async function startServer(transport: Transport, options: ServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const hub = new Hub({ floodBurst: 0, log, ...options });
  const common = { host: "127.0.0.1", port: 0, maxLineBytes: options.maxLineBytes ?? 1024, log };
  const server: RunningServer =
    transport === "tcp"
      ? serveTcp(hub, { ...common, maxQueueBytes: options.maxQueueBytes ?? 256 * 1024 })
      : await serveUdp(hub, { ...common, timeoutMs: options.udpTimeoutMs ?? 60_000 });
  return {
    hub,
    port: server.port,
    transport,
    logs,
    async stop() {
      hub.shutdown();
      await server.stop(200);
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RawClient {
  readonly transport: Transport;
  /** Every line received so far, newline removed. */
  readonly lines: string[];
  /** Every chunk (TCP) or datagram (UDP) received, as it arrived. */
  readonly chunks: Uint8Array[];
  closed: boolean;
  /** Send text as is (add "\n" yourself) or raw bytes: one write, or one datagram. */
  write(data: string | Uint8Array): void;
  /** Send one line (newline added). */
  say(line: string): void;
  /** Wait for a line matching `match` (a substring or a RegExp) that arrived after `from` (index). */
  waitFor(match: string | RegExp, ms?: number, from?: number): Promise<string>;
  /** Lines matching, so far. */
  matching(match: string | RegExp): string[];
  close(): void;
}

function matches(line: string, match: string | RegExp): boolean {
  return typeof match === "string" ? line.includes(match) : match.test(line);
}

function baseClient(transport: Transport): Omit<RawClient, "write" | "close"> & { receive(bytes: Uint8Array): void } {
  let partial = "";
  const client = {
    transport,
    lines: [] as string[],
    chunks: [] as Uint8Array[],
    closed: false,
    receive(bytes: Uint8Array) {
      client.chunks.push(bytes.slice());
      const text = partial + decoder.decode(bytes, { stream: transport === "tcp" });
      const parts = text.split("\n");
      partial = transport === "tcp" ? parts.pop()! : "";
      for (const p of parts) if (transport === "tcp" || p !== "") client.lines.push(p.replace(/\r$/, ""));
    },
    say(line: string) {
      (client as unknown as RawClient).write(line + "\n");
    },
    matching(match: string | RegExp) {
      return client.lines.filter((l) => matches(l, match));
    },
    async waitFor(match: string | RegExp, ms = 3000, from = 0) {
      return until(
        () => client.lines.slice(from).find((l) => matches(l, match)),
        ms,
        `a line matching ${match} (got: ${JSON.stringify(client.lines.slice(-8))})`,
      );
    },
  };
  return client;
}

/** A TCP client, like `nc 127.0.0.1 PORT`. `join` waits for the welcome. */
export async function tcpClient(port: number): Promise<RawClient & { socket: Socket<undefined>; reset(): void }> {
  const base = baseClient("tcp");
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, chunk) => base.receive(chunk),
      close: () => void (base.closed = true),
      error: () => {},
    },
  });
  return Object.assign(base, {
    socket,
    write(data: string | Uint8Array) {
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      const wrote = socket.write(bytes);
      if (wrote !== bytes.length) throw new Error(`test client wrote ${wrote} of ${bytes.length} bytes`);
    },
    close() {
      socket.end();
    },
    /** Close with a RST instead of a FIN, like a killed process on some systems. */
    reset() {
      socket.terminate();
    },
  });
}

/** A UDP client, like `nc -u 127.0.0.1 PORT`; `udpJoin` does the join handshake. */
export async function udpClient(port: number): Promise<RawClient & { localPort: number }> {
  const base = baseClient("udp");
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    binaryType: "uint8array",
    connect: { hostname: "127.0.0.1", port },
    socket: {
      data: (_s, datagram) => base.receive(datagram),
      error: () => {},
    },
  });
  return Object.assign(base, {
    localPort: socket.port,
    write(data: string | Uint8Array) {
      socket.send(data);
    },
    close() {
      base.closed = true;
      socket.close();
    },
  });
}

/** Runs the UDP join of docs/PROTOCOL.md by hand: hello, challenge, token, welcome. */
export async function udpJoin(client: RawClient, nick = ""): Promise<void> {
  const from = client.lines.length;
  client.say(`/join ${nick}`.padEnd(24, " "));
  const token = await until(() => client.lines.slice(from).map(parseChallenge).find((t) => t !== undefined), 3000, "the join challenge");
  client.say(`/join ${token}`);
  await client.waitFor("welcome", 3000, from);
}

/** A client that has joined the room (TCP: connected; UDP: handshake done), optionally renamed. */
export async function member(server: TestServer, nick?: string): Promise<RawClient & { reset?(): void }> {
  if (server.transport === "tcp") {
    const c = await tcpClient(server.port);
    await c.waitFor("welcome");
    if (nick) {
      c.say(`/nick ${nick}`);
      await c.waitFor(`is now ${nick}`);
    }
    return c;
  }
  const c = await udpClient(server.port);
  await udpJoin(c, nick);
  if (nick) await c.waitFor(`is now ${nick}`);
  return c;
}
