/**
 * A stand-in hub, for testing a client: it records what the client sends and
 * talks back, over TCP or UDP.
 */
import type { Socket } from "bun";
import { framedLines } from "./clients.ts";
import { recordNote } from "./notes.ts";
import { HOST, type Transport } from "./ports.ts";
import type { WireLog } from "./wire.ts";

const encoder = new TextEncoder();


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

export async function tcpServer(o: { name: string; wire: WireLog }): Promise<FakeServer> {
  type Conn = { received: string[]; decoder: TextDecoder; closed: boolean };
  const conns: Socket<Conn>[] = [];
  const listener = Bun.listen<Conn>({
    hostname: HOST,
    port: 0,
    socket: {
      binaryType: "uint8array",
      open(s) {
        s.data = { received: [], decoder: new TextDecoder(), closed: false };
        conns.push(s);
        recordNote(o.wire, o.name, "open", "accepted", { address: `${s.remoteAddress}:${s.remotePort}` });
      },
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
      const bytes = encoder.encode(text + "\n");
      for (const c of conns) {
        if (c.data.closed) continue;
        o.wire.record(o.name, "sent", bytes);
        if (c.write(bytes) !== bytes.length) recordNote(o.wire, o.name, "note", "short-write");
      }
    },
    close: () => listener.stop(true),
  };
}

export async function udpServer(o: { name: string; wire: WireLog }): Promise<FakeServer> {
  const datagrams: string[] = [];
  const heard = new Map<string, { address: string; port: number }>();
  const sock = await Bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(_s, buf, port, address) {
        const key = `${address}:${port}`;
        if (!heard.has(key)) heard.set(key, { address, port });
        recordNote(o.wire, o.name, "recv", "from", { address: key }, buf);
        datagrams.push(new TextDecoder().decode(buf));
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
      const bytes = encoder.encode(text + "\n");
      for (const { address, port } of heard.values()) {
        recordNote(o.wire, o.name, "sent", "to", { address: `${address}:${port}` }, bytes);
        try {
          sock.send(bytes, port, address);
        } catch (err) {
          recordNote(o.wire, o.name, "note", "send-failed", { message: (err as Error).message });
        }
      }
    },
    close: () => sock.close(),
  };
}
