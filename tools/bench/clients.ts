/**
 * The generator's clients, and how they join the room.
 *
 * Its own clients are lean on purpose, and not the harness's line client the
 * tests, the grader and the soak share: the harness's client, which decodes every
 * line it receives to text, costs the generator about 2.5 times the CPU per
 * delivery, and in the burst the generator, not the hub, is the slower side.
 * `bun run bench --scenario burst --client lean,harness` measures both in one run
 * and prints the ratio; docs/PERFORMANCE.md has the figures.
 */
import type { Socket, udp } from "bun";
import { connectPeer, HOST, udpJoin, until } from "../harness/index.ts";
import type { Gen } from "./load.ts";
import { concat, type Client } from "./receiver.ts";

type TcpData = { client: Client; unsent: Uint8Array | undefined; discard: boolean };

/** Writes what the kernel takes; keeps the rest for `drain` (Bun's write() does not queue). */
function flushTcp(s: Socket<TcpData>): void {
  const d = s.data;
  if (!d.unsent) return;
  const wrote = s.write(d.unsent);
  if (wrote < 0) return;
  d.unsent = wrote === d.unsent.length ? undefined : d.unsent.subarray(wrote);
}

/** The hub client `id` joins: with several linked hubs, each in turn. */
function portOf(g: Gen, id: number): number {
  const ports = g.config.ports;
  return ports?.length ? ports[id % ports.length]! : g.config.port;
}

/** A lean TCP client; with `discard`, it only counts the bytes it receives (the idle clients). */
export async function connectTcp(g: Gen, id: number, discard = false): Promise<Client> {
  const c = g.rx.newClient(id);
  const socket = await Bun.connect<TcpData>({
    hostname: HOST,
    port: portOf(g, id),
    data: { client: c, unsent: undefined, discard },
    socket: {
      binaryType: "uint8array",
      data(s, chunk) {
        if (!s.data.discard) return g.rx.chunk(s.data.client, chunk, g.nowUs());
        g.rx.idleBytes += chunk.length;
        s.data.client.greeted = true;
      },
      drain: flushTcp,
      close: (s) => g.rx.closed(s.data.client),
      error() {},
    },
  });
  socket.setNoDelay(true);
  c.send = (bytes) => {
    const d = socket.data;
    d.unsent = d.unsent ? concat(d.unsent, bytes) : bytes;
    flushTcp(socket);
  };
  c.close = () => {
    c.closed = true;
    socket.terminate();
  };
  c.hold = () => socket.pause();
  return c;
}

/** A lean UDP client, connected to the hub: sendMany() sends a batch in one call. */
export async function connectUdp(g: Gen, id: number): Promise<Client> {
  const c = g.rx.newClient(id);
  const socket: udp.ConnectedSocket<"uint8array"> = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    connect: { hostname: HOST, port: portOf(g, id) },
    socket: {
      data(_s, datagram) {
        const newline = datagram.length > 0 && datagram[datagram.length - 1] === 0x0a;
        g.rx.line(c, datagram, 0, newline ? datagram.length - 1 : datagram.length, g.nowUs());
      },
      error() {},
    },
  });
  c.send = (bytes) => {
    try {
      socket.send(bytes);
    } catch {
      // Counted as loss at the receivers.
    }
  };
  c.sendMany = (lines) => {
    try {
      socket.sendMany(lines);
    } catch {
      for (const l of lines) c.send(l);
    }
  };
  c.close = () => {
    c.closed = true;
    socket.close();
  };
  return c;
}

/** The harness's line client in the generator's place (bench --client harness): to measure the difference. */
async function connectHarness(g: Gen, id: number): Promise<Client> {
  const c = g.rx.newClient(id);
  const transport = g.config.transport;
  if (transport === "web") throw new Error("--client harness speaks TCP and UDP, not WebSocket");
  const peer = await connectPeer(transport, portOf(g, id), {
    onLine: (line) => g.rx.textLine(c, line, g.nowUs()),
    onClose: () => g.rx.closed(c),
  });
  peer.forget(); // it counts; it keeps nothing
  c.send = (bytes) => peer.send(bytes);
  c.sendMany = (lines) => lines.forEach((l) => peer.send(l));
  c.hold = () => peer.hold(true);
  c.close = () => {
    c.closed = true;
    peer.reset();
  };
  return c;
}

type WebData = TcpData & { upgraded: boolean; head: Uint8Array | undefined };

const OPCODE_TEXT = 0x1;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/**
 * One client frame, masked as RFC 6455 requires, with a zero key: the server
 * unmasks it all the same, and the generator's CPU goes to the load, not to XOR.
 */
function clientFrame(opcode: number, payload: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = new Uint8Array(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65_536) {
    out[1] = 0x80 | 126;
    out[2] = n >> 8;
    out[3] = n & 255;
  } else {
    out[1] = 0x80 | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(n));
  }
  out.set(payload.subarray(start, end), head + 4);
  return out;
}

/**
 * The frames of a chunk from the server (never masked): each text frame is a
 * line; a ping is answered. Returns the bytes of an unfinished frame, to join
 * to the next chunk.
 */
function readFrames(g: Gen, s: Socket<WebData>, buf: Uint8Array, now: number): Uint8Array | undefined {
  let at = 0;
  while (at + 2 <= buf.length) {
    const opcode = buf[at]! & 0x0f;
    let len = buf[at + 1]! & 0x7f;
    let start = at + 2;
    if (len === 126) {
      if (at + 4 > buf.length) break;
      len = (buf[at + 2]! << 8) | buf[at + 3]!;
      start = at + 4;
    } else if (len === 127) {
      if (at + 10 > buf.length) break;
      len = Number(new DataView(buf.buffer, buf.byteOffset + at + 2, 8).getBigUint64(0));
      start = at + 10;
    }
    if (start + len > buf.length) break;
    if (opcode === OPCODE_TEXT) g.rx.line(s.data.client, buf, start, start + len, now);
    else if (opcode === OPCODE_PING) s.write(clientFrame(OPCODE_PONG, buf, start, start + len)); // a few bytes
    at = start + len;
  }
  return at < buf.length ? buf.slice(at) : undefined;
}

/**
 * A lean WebSocket client, as the room's page is a member: one text frame per
 * line, each way, written by hand over a TCP socket (as the lean TCP client
 * frames lines without decoding them; Bun's own WebSocket client makes an event
 * per frame, and in a burst the generator would be the slower side). What a TCP
 * client would write at once (lines joined by newlines) goes out as one frame
 * per line, in one write.
 */
export async function connectWeb(g: Gen, id: number): Promise<Client> {
  const c = g.rx.newClient(id);
  const port = portOf(g, id);
  const socket = await Bun.connect<WebData>({
    hostname: HOST,
    port,
    data: { client: c, unsent: undefined, discard: false, upgraded: false, head: undefined },
    socket: {
      binaryType: "uint8array",
      data(s, chunk) {
        const d = s.data;
        let buf = d.head ? concat(d.head, chunk) : chunk;
        d.head = undefined;
        if (!d.upgraded) {
          const end = Buffer.from(buf.buffer, buf.byteOffset, buf.length).indexOf("\r\n\r\n");
          if (end < 0) return void (d.head = buf.slice());
          d.upgraded = true;
          buf = buf.subarray(end + 4);
        }
        d.head = readFrames(g, s, buf, g.nowUs());
      },
      drain: (s) => flushTcp(s as unknown as Socket<TcpData>),
      close: (s) => g.rx.closed(s.data.client),
      error() {},
    },
  });
  socket.setNoDelay(true);
  const write = (bytes: Uint8Array) => {
    const d = socket.data;
    d.unsent = d.unsent ? concat(d.unsent, bytes) : bytes;
    flushTcp(socket as unknown as Socket<TcpData>);
  };
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  write(
    new TextEncoder().encode(
      `GET /ws HTTP/1.1\r\nHost: ${HOST}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ),
  );
  /** Lines (newline-separated) into frames, all in one write. */
  const frames = (lines: Uint8Array[]) => {
    const out: Uint8Array[] = [];
    for (const bytes of lines) {
      let start = 0;
      while (start < bytes.length) {
        const nl = bytes.indexOf(0x0a, start);
        const end = nl < 0 ? bytes.length : nl;
        out.push(clientFrame(OPCODE_TEXT, bytes, start, end));
        start = end + 1;
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  };
  c.send = (bytes) => write(frames([bytes]));
  c.sendMany = (lines) => write(frames(lines));
  c.close = () => {
    c.closed = true;
    socket.terminate();
  };
  c.hold = () => socket.pause();
  return c;
}

function connect(g: Gen, id: number): Promise<Client> {
  if (g.config.client === "harness") return connectHarness(g, id);
  const transport = g.config.transport;
  return transport === "tcp" ? connectTcp(g, id) : transport === "web" ? connectWeb(g, id) : connectUdp(g, id);
}

const encoder = new TextEncoder();
const lineOf = (text: string) => encoder.encode(text + "\n");

export type WaitOptions = {
  /** A retry, called at once and then every `againMs` (default 500) while `check` is still false. */
  again?: () => void;
  againMs?: number;
  /** How often to ask `check` (default: the harness's 5 ms). */
  everyMs?: number;
};

/** The harness's `until`, bounded by the run's time limit. */
export function waitFor(
  g: Pick<Gen, "deadline">,
  check: () => boolean,
  ms: number,
  what: string,
  o: WaitOptions = {},
): Promise<unknown> {
  let last = -Infinity;
  const retried = () => {
    if (check()) return true;
    if (o.again && performance.now() - last >= (o.againMs ?? 500)) {
      last = performance.now();
      o.again();
    }
    return false;
  };
  return until(retried, Math.max(0, Math.min(ms, g.deadline - Date.now())), what, o.everyMs);
}

/**
 * Joins one client to the room. TCP: the welcome. UDP, the kit's hub: the
 * handshake of docs/PROTOCOL.md (the harness's udpJoin, asking again every
 * 500 ms); another hub: an empty datagram, until it welcomes us.
 */
export async function join(g: Gen, id: number): Promise<Client> {
  const c = await connect(g, id);
  if (!g.config.relays) return c;
  const ms = Math.max(0, Math.min(10_000, g.deadline - Date.now()));
  if (g.config.transport !== "udp") await waitFor(g, () => c.greeted, ms, `client ${id}'s welcome`);
  else {
    const heard: string[] = (c.heard = []);
    const welcomed = () => heard.some((l) => l.includes("welcome"));
    if (g.config.join === "kit") {
      await udpJoin({ lines: heard, say: (line) => c.send(lineOf(line)) }, `bench${id}`, { ms, retryMs: 500 });
    } else await waitFor(g, welcomed, ms, `client ${id}'s welcome`, { again: () => c.send(lineOf("")) });
    c.heard = undefined;
  }
  return c;
}

/** `count` clients, joined a batch at a time; `discard`: idle TCP clients that only count bytes. */
export async function joinAll(g: Gen, count: number, firstId: number, discard = false): Promise<Client[]> {
  const out: Client[] = [];
  const BATCH = g.config.transport === "udp" ? 10 : g.config.transport === "web" ? 50 : 100;
  for (let i = 0; i < count; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => firstId + i + k);
    out.push(...(await Promise.all(ids.map((id) => (discard ? connectTcp(g, id, true) : join(g, id))))));
  }
  return out;
}

/**
 * Waits until every client has heard a line that client 0 sends now: the hub
 * handles lines in order, so everything queued before it (the join notices)
 * has been delivered too.
 */
export async function barrier(g: Gen, clients: Client[]): Promise<void> {
  if (!g.config.relays || clients.length < 2) return;
  const first = clients[0]!;
  const want = clients.slice(1).map((c) => c.syncs + 1);
  const settled = () => clients.slice(1).every((c, i) => c.syncs >= want[i]!);
  await waitFor(g, settled, 15_000, "the room to settle", { again: () => first.send(lineOf("#sync")) });
  await Bun.sleep(200); // a margin for lines still in the kernel, not a wait for readiness
}
