/**
 * A stand-in hub, for testing a client: it records what the client sends and
 * talks back, over TCP or UDP, saying its greeting to each client that comes.
 */
import type { Socket } from "bun";
import { framedLines } from "./clients.ts";
import { recordNote } from "./notes.ts";
import { HOST, type Transport } from "./ports.ts";
import type { WireLog } from "./wire.ts";

const encoder = new TextEncoder();
const linesOf = (lines: string[]) => encoder.encode(lines.map((l) => l + "\n").join(""));

export type FakeServerOptions = {
  /** Who it is in the wire log. */
  name: string;
  wire: WireLog;
  /**
   * Lines (each + "\n") sent raw to each client as it comes: on connecting (TCP),
   * or with its first datagram (UDP). Default: none.
   */
  greeting?: string[];
};

/** Plays the hub for a client under test: records what it sends, and talks back. */
export interface FakeServer {
  readonly transport: Transport;
  readonly port: number;
  /** Clients seen: TCP connections accepted, or UDP addresses heard from. */
  readonly clients: number;
  /** TCP connections closed by the client. (Always 0 over UDP.) */
  readonly closedClients: number;
  /** Lines received from all clients, framed as in Peer.lines(). */
  lines(): string[];
  /** Send a line (text + "\n") to every client: each open connection, or each address heard from. */
  sendLine(text: string): void;
  close(): void;
}

/**
 * Over TCP. Its writes are honest, as the line client's are: what the kernel
 * does not take at once is queued and written on drain, in order.
 */
export async function tcpServer(o: FakeServerOptions): Promise<FakeServer> {
  type Conn = { received: string[]; decoder: TextDecoder; closed: boolean; unsent: Uint8Array[] };
  const conns: Socket<Conn>[] = [];
  const flush = (s: Socket<Conn>) => {
    const queue = s.data.unsent;
    while (queue.length > 0) {
      const head = queue[0]!;
      const wrote = s.write(head);
      if (wrote < 0) return void queue.splice(0); // the connection is gone
      if (wrote < head.length) return void (queue[0] = head.subarray(wrote));
      queue.shift();
    }
  };
  const send = (s: Socket<Conn>, bytes: Uint8Array) => {
    o.wire.record(o.name, "sent", bytes);
    s.data.unsent.push(bytes);
    flush(s);
  };
  const listener = Bun.listen<Conn>({
    hostname: HOST,
    port: 0,
    socket: {
      binaryType: "uint8array",
      open(s) {
        s.data = { received: [], decoder: new TextDecoder(), closed: false, unsent: [] };
        conns.push(s);
        recordNote(o.wire, o.name, "open", "accepted", { address: `${s.remoteAddress}:${s.remotePort}` });
        if (o.greeting) send(s, linesOf(o.greeting));
      },
      drain: flush,
      data(s, chunk) {
        o.wire.record(o.name, "recv", chunk);
        s.data.received.push(s.data.decoder.decode(chunk, { stream: true }));
      },
      close(s) {
        s.data.closed = true;
        recordNote(o.wire, o.name, "close", "client-closed");
      },
      error(_s, err) {
        recordNote(o.wire, o.name, "note", "error", { message: err.message });
      },
    },
  });
  return {
    transport: "tcp",
    port: listener.port,
    get clients() {
      return conns.length;
    },
    get closedClients() {
      return conns.filter((c) => c.data.closed).length;
    },
    lines: () => conns.flatMap((c) => framedLines("tcp", c.data.received)),
    sendLine(text) {
      const bytes = linesOf([text]);
      for (const c of conns) if (!c.data.closed) send(c, bytes);
    },
    close: () => listener.stop(true),
  };
}

/** Over UDP: a client is an address it has heard from. */
export async function udpServer(o: FakeServerOptions): Promise<FakeServer> {
  const datagrams: string[] = [];
  const heard = new Map<string, { address: string; port: number }>();
  const send = (bytes: Uint8Array, { address, port }: { address: string; port: number }) => {
    recordNote(o.wire, o.name, "sent", "to", { address: `${address}:${port}` }, bytes);
    try {
      sock.send(bytes, port, address);
    } catch (err) {
      recordNote(o.wire, o.name, "note", "send-failed", { message: (err as Error).message });
    }
  };
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, port, address) {
        const key = `${address}:${port}`;
        const known = heard.has(key);
        if (!known) heard.set(key, { address, port });
        recordNote(o.wire, o.name, "recv", "from", { address: key }, buf);
        datagrams.push(new TextDecoder().decode(buf));
        if (!known && o.greeting) for (const line of o.greeting) send(linesOf([line]), { address, port });
      },
      error(...args: unknown[]) {
        const err = args.find((a) => a instanceof Error);
        recordNote(o.wire, o.name, "note", "error", { message: err?.message ?? "unknown" });
      },
    },
  });
  return {
    transport: "udp",
    port: sock.port,
    get clients() {
      return heard.size;
    },
    closedClients: 0,
    lines: () => framedLines("udp", datagrams),
    sendLine(text) {
      for (const to of heard.values()) send(linesOf([text]), to);
    },
    close: () => sock.close(),
  };
}
