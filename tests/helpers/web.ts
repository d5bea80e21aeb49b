/**
 * The room in a browser, without a browser: a hub served over TCP, UDP and the
 * web in this process (`startWebRoom`), members that speak WebSocket as the
 * page does (`webMember`, on Bun's own WebSocket client), and a WebSocket
 * written by hand over a TCP socket (`rawWebSocket`), for what no polite
 * client sends: binary frames, bytes that are not UTF-8, frames too big, a
 * reader that stops reading, another site's Origin.
 */
import type { Socket } from "bun";
import { Hub } from "../../src/hub.ts";
import type { HubOptions } from "../../src/hub/options.ts";
import { serveTcp } from "../../src/transports/tcp.ts";
import type { RunningServer } from "../../src/transports/types.ts";
import { serveUdp } from "../../src/transports/udp.ts";
import { buildPage, roomInfo, serveWeb, type WebPage } from "../../src/transports/web.ts";
import {
  chatServerCommand,
  isWelcomeLine,
  ROOT,
  startProgram,
  until,
  type Program,
} from "../../tools/harness/index.ts";

export interface WebRoom {
  hub: Hub;
  tcpPort: number;
  udpPort: number;
  webPort: number;
  logs: string[];
  stop(): Promise<void>;
}

export type WebRoomOptions = HubOptions & {
  maxQueueBytes?: number;
  /** Origins besides the page's own (--web-origin). */
  origins?: string[];
};

const pages = new Map<string, Promise<WebPage>>();

/** The page, bundled once per language and line limit for the whole test file. */
export function pageFor(lang: "en" | "zh", maxLineBytes: number): Promise<WebPage> {
  const key = `${lang}/${maxLineBytes}`;
  if (!pages.has(key)) pages.set(key, buildPage(roomInfo(lang, maxLineBytes)));
  return pages.get(key)!;
}

/** One hub on 127.0.0.1 served over TCP, UDP and the web (ports picked), in this process. Flood control off unless asked. */
export async function startWebRoom(options: WebRoomOptions = {}): Promise<WebRoom> {
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const hub = new Hub({ floodBurst: 0, log, ...options });
  const maxLineBytes = options.maxLineBytes ?? 1024;
  const maxQueueBytes = options.maxQueueBytes ?? 256 * 1024;
  const common = { host: "127.0.0.1", port: 0, maxLineBytes, log };
  const tcp = serveTcp(hub, { ...common, maxQueueBytes });
  const udp = await serveUdp(hub, { ...common, timeoutMs: 60_000 });
  const web = serveWeb(hub, {
    ...common,
    maxQueueBytes,
    floodBurst: options.floodBurst ?? 0,
    floodRate: options.floodRate ?? 5,
    origins: options.origins,
    page: await pageFor(hub.lang, maxLineBytes),
  });
  const servers: RunningServer[] = [tcp, udp, web];
  return {
    hub,
    tcpPort: tcp.port,
    udpPort: udp.port,
    webPort: web.port,
    logs,
    async stop() {
      hub.shutdown();
      await Promise.all(servers.map((s) => s.stop(200)));
    },
  };
}

const matches = (line: string, match: string | RegExp) =>
  typeof match === "string" ? line.includes(match) : match.test(line);

/** A member over WebSocket, as the page is one: each text frame a line. */
export class WebMember {
  readonly lines: string[] = [];
  /** How the connection closed, once it has. */
  closed: { code: number; reason: string } | undefined;
  readonly opened: Promise<void>;

  constructor(readonly ws: WebSocket) {
    this.opened = new Promise((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("the WebSocket failed to open"));
    });
    ws.onmessage = (e) => void this.lines.push(typeof e.data === "string" ? e.data : `(binary ${e.data})`);
    ws.onclose = (e) => void (this.closed = { code: e.code, reason: e.reason });
  }

  say(line: string): void {
    this.ws.send(line);
  }

  waitFor(match: string | RegExp, ms = 3000, from = 0): Promise<string> {
    return until(
      () => this.lines.slice(from).find((l) => matches(l, match)),
      ms,
      () => `a frame matching ${match} (got: ${JSON.stringify(this.lines.slice(-8))})`,
    );
  }

  matching(match: string | RegExp): string[] {
    return this.lines.filter((l) => matches(l, match));
  }

  waitClosed(ms = 3000): Promise<{ code: number; reason: string }> {
    return until(() => this.closed, ms, "the WebSocket to close");
  }

  close(): void {
    this.ws.close();
  }
}

/** A WebSocket to the room, open (not yet welcomed). */
export async function webSocket(port: number, o: { origin?: string } = {}): Promise<WebMember> {
  const headers = o.origin ? { origin: o.origin } : undefined;
  const member = new WebMember(new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers } as never));
  await member.opened;
  return member;
}

/** A member over WebSocket, welcomed, and renamed to `nick` if one is given. */
export async function webMember(port: number, nick?: string): Promise<WebMember> {
  const member = await webSocket(port, { origin: `http://127.0.0.1:${port}` });
  await until(() => member.lines.find(isWelcomeLine), 3000, "the welcome");
  if (nick) {
    const from = member.lines.length;
    member.say(`/nick ${nick}`);
    await member.waitFor(new RegExp(` is now ${nick}$`), 3000, from);
  }
  return member;
}

// ---------------------------------------------------------------------------
// A WebSocket by hand.
// ---------------------------------------------------------------------------

export const OPCODE = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
}

/** One client frame: masked, as RFC 6455 requires of a client. */
export function clientFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const n = payload.length;
  const head = n < 126 ? [n | 0x80] : n < 65536 ? [126 | 0x80, n >> 8, n & 255] : [127 | 0x80, 0, 0, 0, 0, ...u32(n)];
  const out = new Uint8Array(1 + head.length + 4 + n);
  out[0] = (fin ? 0x80 : 0) | opcode;
  out.set(head, 1);
  out.set(mask, 1 + head.length);
  for (let i = 0; i < n; i++) out[1 + head.length + 4 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** A WebSocket client written by hand over a TCP socket: any frame, any header, and a reader that can stop. */
export class RawWebSocket {
  /** The server's answer to the upgrade: its status line and headers, once read. */
  response: string | undefined;
  readonly frames: RawFrame[] = [];
  ended = false;
  private buffer = new Uint8Array(0);

  constructor(readonly socket: Socket<RawWebSocket>) {}

  /** Bytes from the server: the HTTP answer, then frames. */
  received(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    this.buffer = joined;
    if (this.response === undefined) {
      const end = Buffer.from(this.buffer).indexOf("\r\n\r\n");
      if (end < 0) return;
      this.response = Buffer.from(this.buffer.subarray(0, end)).toString("latin1");
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      let len = b[1]! & 127;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = (b[2]! << 8) | b[3]!;
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(new DataView(b.buffer, b.byteOffset + 2, 8).getBigUint64(0));
        at = 10;
      }
      if (b.length < at + len) return;
      this.frames.push({ opcode: b[0]! & 15, payload: b.slice(at, at + len) });
      this.buffer = b.subarray(at + len);
    }
  }

  get status(): number {
    return Number(/^HTTP\/1\.1 (\d+)/.exec(this.response ?? "")?.[1] ?? 0);
  }

  /** The text frames so far. */
  get texts(): string[] {
    return this.frames.filter((f) => f.opcode === OPCODE.text).map((f) => new TextDecoder().decode(f.payload));
  }

  /** The server's close frame: its code and reason, if it sent one. */
  get closeFrame(): { code: number; reason: string } | undefined {
    const f = this.frames.find((f) => f.opcode === OPCODE.close);
    if (!f) return undefined;
    const code = f.payload.length >= 2 ? (f.payload[0]! << 8) | f.payload[1]! : 1005;
    return { code, reason: new TextDecoder().decode(f.payload.subarray(2)) };
  }

  send(opcode: number, payload: string | Uint8Array): void {
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    this.socket.write(clientFrame(opcode, bytes));
  }

  /** Stop reading (true), or read again: a browser whose tab is stuck. */
  hold(on: boolean): void {
    if (on) this.socket.pause();
    else this.socket.resume();
  }

  close(): void {
    this.socket.end();
  }
}

/** Opens a WebSocket by hand: the upgrade request with `headers` (Host and Origin: the page's own, unless given). */
export async function rawWebSocket(
  port: number,
  o: { path?: string; headers?: Record<string, string | undefined>; receiveBuffer?: number } = {},
): Promise<RawWebSocket> {
  let raw!: RawWebSocket;
  const socket = await Bun.connect<RawWebSocket>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        raw = new RawWebSocket(s);
        s.data = raw;
      },
      data: (s, chunk) => s.data.received(chunk),
      close: (s) => void (s.data.ended = true),
      error() {},
    },
  });
  const headers: Record<string, string | undefined> = {
    host: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
    "sec-websocket-version": "13",
    ...o.headers,
  };
  const lines = Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [`${k}: ${v}`]));
  socket.write(`GET ${o.path ?? "/ws"} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
  await until(() => raw.response !== undefined || raw.ended, 3000, "the answer to the upgrade");
  return raw;
}

// ---------------------------------------------------------------------------
// The real server, in a child process: `bun src/server.ts --tcp --udp --web PORT`.
// ---------------------------------------------------------------------------

export interface ServerProcess {
  program: Program;
  tcpPort: number;
  udpPort: number;
  webPort: number;
  /** The page's address. */
  url: string;
}

/** Starts the kit's server with every transport, the web on `webPort` (so that a restart finds it again). */
export async function startServerProcess(webPort: number, args: string[] = []): Promise<ServerProcess> {
  const port = (transport: string) => new RegExp(`(?:listening on|正在监听) \\S*?:(\\d+) \\(${transport}\\)`);
  const program = await startProgram({
    command: chatServerCommand(),
    transport: "tcp",
    port: 0,
    args: ["--tcp", "--udp", "--web", String(webPort), ...args],
    cwd: ROOT,
    ready: ["tcp", "udp", "web"].map(port),
    readyMs: 20_000,
  });
  const read = (transport: string) =>
    Number(
      program
        .lines()
        .map((l) => port(transport).exec(l))
        .find(Boolean)![1],
    );
  return {
    program,
    tcpPort: read("tcp"),
    udpPort: read("udp"),
    webPort: read("web"),
    url: `http://127.0.0.1:${read("web")}/`,
  };
}
