/**
 * The harness's one line client (tools/harness/clients.ts), which the tests, the
 * grader and the soak all talk through: what it frames as lines, that its writes
 * never lose bytes, and what it keeps.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import {
  connectPeer,
  tcpClient,
  tcpServer,
  udpClient,
  udpServer,
  until,
  WireLog,
  type Peer,
} from "../tools/harness/index.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A TCP listener that hands each accepted socket to `onOpen`. */
function listen(onOpen: (s: Socket<undefined>) => void, onData: (chunk: Uint8Array) => void = () => {}): number {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { binaryType: "uint8array", open: onOpen, data: (_s, chunk) => onData(chunk) },
  });
  cleanups.push(() => listener.stop(true));
  return listener.port;
}

const track = (peer: Peer) => {
  cleanups.push(() => peer.close());
  return peer;
};

describe("the TCP line client", () => {
  test("writes more than the kernel takes at once whole and in order, and flushed() waits for it", async () => {
    // Bun's write() takes what the kernel has room for and drops the rest: the client queues it.
    let server: Socket<undefined> | undefined;
    const received: Uint8Array[] = [];
    const port = listen(
      (s) => {
        server = s;
        s.pause(); // a reader that falls behind: the kernel's buffers fill up
      },
      (chunk) => received.push(chunk.slice()),
    );
    const peer = track(await tcpClient(port, {}));
    const big = new Uint8Array(16 << 20).map((_, i) => i % 251);
    peer.send(big);
    let flushed = false;
    void peer.flushed().then(() => (flushed = true));
    await until(() => server, 3000, "the connection");
    await Bun.sleep(50); // a window in which nothing reads: the writes so far cannot all be out
    expect(flushed).toBe(false);
    server!.resume();
    await until(() => flushed, 10_000, "every byte handed to the kernel");
    await until(() => received.reduce((n, c) => n + c.length, 0) === big.length, 10_000, "every byte at the reader");
    expect(Buffer.concat(received).equals(Buffer.from(big))).toBe(true);
  });

  test("frames lines across reads, even a character cut between two, and drops \\r before \\n", async () => {
    const bytes = new TextEncoder().encode("hel");
    const rest = new TextEncoder().encode("lo 你好\r\nsecond\nunfinished");
    const cut = 5; // inside 你
    const port = listen(async (s) => {
      s.setNoDelay(true);
      for (const piece of [bytes, rest.subarray(0, cut), rest.subarray(cut)]) {
        s.write(piece);
        await Bun.sleep(20); // each piece its own read
      }
    });
    const peer = track(await tcpClient(port, {}));
    await until(() => peer.text().endsWith("unfinished"), 3000, "all of it");
    expect(peer.lines()).toEqual(["hello 你好", "second"]);
  });

  test("calls onLine for every line, and onClose when the program closes, not when we do", async () => {
    const seen: string[] = [];
    let closes = 0;
    const port = listen((s) => {
      s.write("one\ntwo\n");
      s.end();
    });
    const peer = await tcpClient(port, { onLine: (l) => seen.push(l), onClose: () => closes++ });
    await until(() => peer.closed, 3000, "the program to close");
    expect(seen).toEqual(["one", "two"]);
    expect(closes).toBe(1);

    const open = track(
      await tcpClient(
        listen(() => {}),
        { onClose: () => closes++ },
      ),
    );
    open.close();
    expect(open.closed).toBe(true);
    expect(closes).toBe(1);
  });

  test("forget() lets go of what was kept; onLine still sees every line", async () => {
    let server: Socket<undefined> | undefined;
    const port = listen((s) => void (server = s));
    const seen: string[] = [];
    const peer = track(await tcpClient(port, { onLine: (l) => seen.push(l) }));
    await until(() => server, 3000, "the connection");
    server!.write("kept\n");
    await until(() => peer.lines().length === 1, 3000, "the first line");
    peer.forget();
    expect([peer.lines(), peer.text(), peer.chunks()]).toEqual([[], "", []]);
    server!.write("not kept\n");
    await until(() => seen.length === 2, 3000, "the second line");
    expect(seen).toEqual(["kept", "not kept"]);
    expect(peer.lines()).toEqual([]);
  });
});

describe("the UDP line client", () => {
  test("takes each datagram as its lines: an empty one holds none, a lone newline one empty line", async () => {
    const server = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(s, _d, port, address) {
          for (const reply of ["", "\n", "a\r\nb\n", "no newline"]) s.send(reply, port, address);
        },
        error() {},
      },
    });
    cleanups.push(() => server.close());
    const peer = track(await udpClient(server.port, {}));
    peer.sendLine("hi");
    await until(() => peer.chunks().length === 4, 3000, "four datagrams");
    expect(peer.lines()).toEqual(["", "a", "b", "no newline"]);
  });

  test("hears a reply from another port, and the wire log says where it came from", async () => {
    // Unconnected, like a program that uses sendto(): a connected socket would never see it.
    const other = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { error() {} } });
    const server = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: { data: (_s, _d, port, address) => void other.send("from elsewhere\n", port, address), error() {} },
    });
    cleanups.push(
      () => server.close(),
      () => other.close(),
    );
    const wire = new WireLog();
    const peer = track(await udpClient(server.port, { name: "ann", wire }));
    peer.sendLine("hi");
    await until(() => peer.lines().includes("from elsewhere"), 3000, "the reply");
    expect(wire.format()).toContain(`(from 127.0.0.1:${other.port})`);
  });
});

describe("the stand-in hub", () => {
  test("over TCP, writes what the kernel does not take at once later, whole and in order", async () => {
    const hub = await tcpServer({ name: "hub", wire: new WireLog() });
    cleanups.push(() => hub.close());
    const peer = track(await tcpClient(hub.port, {}));
    await until(() => hub.clients === 1, 3000, "the connection");
    peer.hold(true); // a reader that falls behind: the kernel's buffers fill up
    const big = Array.from({ length: 4 }, (_, i) => String(i).repeat(4 << 20));
    for (const line of big) hub.sendLine(line);
    await Bun.sleep(50); // a window in which nothing reads
    peer.hold(false);
    await until(() => peer.lines().length === big.length, 10_000, "every line, whole");
    expect(peer.lines()).toEqual(big);
  });

  test.each(["tcp", "udp"] as const)("over %s, greets each client as it comes, and only then", async (transport) => {
    const o = { name: "hub", wire: new WireLog(), greeting: ["*** welcome", "<evil> hi"] };
    const hub = transport === "tcp" ? await tcpServer(o) : await udpServer(o);
    cleanups.push(() => hub.close());
    for (const [n, name] of ["ann", "bo"].entries()) {
      const peer = track(await connectPeer(transport, hub.port, { name }));
      peer.sendLine("/join"); // over UDP the hub only knows a client once it hears from it
      peer.sendLine("again");
      await until(() => hub.lines().filter((l) => l === "again").length === n + 1, 3000, `${name}'s lines`);
      await until(() => peer.lines().length === 2, 3000, `${name}'s greeting`);
      await Bun.sleep(20); // a window for a second greeting, which must not come
      expect(peer.lines()).toEqual(["*** welcome", "<evil> hi"]);
    }
  });
});
