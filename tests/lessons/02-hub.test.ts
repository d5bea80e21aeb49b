/**
 * Lesson 02, the hub, checked from the outside over TCP and UDP.
 * Grade another program with LESSON_02_CMD="python3 my_hub.py" (see harness.ts).
 *
 * Format-tolerant: a relayed line only has to CONTAIN the text that was sent (and
 * the sender's port, since a client's name is its host:port); a notice only has to
 * start with "***" and name the client by its port. Strict on behaviour: every
 * other client gets every line, the sender never gets its own line back, and a
 * client leaving, cleanly or not, never disturbs the others.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Session, TRANSPORTS, pause, type Peer, type Program, type Transport } from "./harness.ts";

let s: Session;
beforeEach(() => {
  s = new Session();
});
afterEach(() => s.close());

/** Notices ("*** ...") that `who` received about `about` (found by its port). */
const notices = (who: Peer, about: Peer) =>
  who.lines().filter((line) => line.startsWith("***") && line.includes(String(about.localPort)));

/** Wait until `who` has a line containing `text`; return it. */
const hears = (who: Peer, text: string) =>
  s.until(() => who.lines().find((line) => line.includes(text)), `${who.name} receives a line containing ${JSON.stringify(text)}`);

/**
 * Clients join one by one. Over UDP a client joins by sending a datagram (an empty
 * line, as when you press Enter in `nc -u`). After each join we wait until the
 * first client hears of it, so the hub surely knows everyone before a test starts.
 */
async function room(hub: Program, names: string[]): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const name of names) {
    const peer = await s.connect(hub.transport, hub.port, name);
    if (hub.transport === "udp") peer.sendLine("");
    const first = peers[0];
    if (first) await s.until(() => notices(first, peer).length > 0, `${first.name} gets a "*** ..." notice that ${name} joined`);
    peers.push(peer);
  }
  return peers;
}

/**
 * Wait until `to` receives a fresh line from `from`. Lines from one hub reach one
 * client in order, so everything the hub sent `to` before this has arrived by then:
 * the way to check that something did NOT happen, without sleeping.
 */
async function sync(from: Peer, to: Peer) {
  const marker = `sync-${from.name}-${Math.random().toString(36).slice(2, 8)}`;
  from.sendLine(marker);
  await hears(to, marker);
}

/** How a client leaves: TCP closes the connection; UDP says "/quit". */
function leave(peer: Peer) {
  if (peer.transport === "udp") peer.sendLine("/quit");
  peer.close();
}

describe.each(TRANSPORTS)("lesson 02 hub over %s", (transport: Transport) => {
  test("delivers a line to every other client", async () => {
    const hub = await s.start("02", transport);
    const [ann, bo, cy] = (await room(hub, ["ann", "bo", "cy"])) as [Peer, Peer, Peer];
    ann.sendLine("hello, everyone");
    await hears(bo, "hello, everyone");
    await hears(cy, "hello, everyone");
  });

  test("never echoes a line back to its sender", async () => {
    const hub = await s.start("02", transport);
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    ann.sendLine("only for the others");
    await hears(bo, "only for the others");
    await sync(bo, ann);
    const echoed = ann.lines().filter((line) => line.includes("only for the others"));
    s.check(echoed.length === 0, `ann got her own line back: ${JSON.stringify(echoed)}`);
  });

  test("names the sender of each line by its host:port", async () => {
    const hub = await s.start("02", transport);
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    ann.sendLine("who said this?");
    const line = await hears(bo, "who said this?");
    s.check(line.includes(String(ann.localPort)), `expected ann's port ${ann.localPort} in ${JSON.stringify(line)}`);
  });

  test('announces a client joining and leaving with lines starting with "***"', async () => {
    const hub = await s.start("02", transport);
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    expect(notices(ann, bo).length).toBe(1); // the join notice
    leave(bo);
    await s.until(() => notices(ann, bo).length >= 2, `ann gets a "*** ..." notice that bo left`);
  });

  test("keeps delivering to the others after a client vanishes in the middle", async () => {
    const hub = await s.start("02", transport);
    const [ann, bo, cy] = (await room(hub, ["ann", "bo", "cy"])) as [Peer, Peer, Peer];
    // No goodbye: over TCP the connection just closes; over UDP the socket is
    // gone, and every datagram the hub sends it comes back as an ICMP error.
    cy.close();
    for (const text of ["one", "two", "three"]) ann.sendLine(`after cy: ${text}`);
    for (const text of ["one", "two", "three"]) await hears(bo, `after cy: ${text}`);
    const di = await s.connect(transport, hub.port, "di");
    di.sendLine("di is new here");
    await hears(ann, "di is new here");
    await hears(bo, "di is new here");
    bo.sendLine("welcome, di");
    await hears(di, "welcome, di");
  });

  test("relays lines from several clients at once, each to all the others", async () => {
    const hub = await s.start("02", transport);
    const peers = await room(hub, ["p1", "p2", "p3", "p4", "p5"]);
    for (const p of peers) p.sendLine(`line from ${p.name}`);
    for (const p of peers) for (const q of peers) if (q !== p) await hears(q, `line from ${p.name}`);
    for (const p of peers) {
      const own = p.lines().filter((line) => line.includes(`line from ${p.name}`));
      s.check(own.length === 0, `${p.name} got its own line back`);
    }
  });

  test("stops with exit code 0 on SIGTERM", async () => {
    const hub = await s.start("02", transport);
    await room(hub, ["ann"]);
    expect(await hub.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});

describe("lesson 02 over tcp: lines, not reads", () => {
  test("joins a line split across two writes, even inside a multibyte character", async () => {
    const hub = await s.start("02", "tcp");
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    const bytes = new TextEncoder().encode("split 你好 in two\n");
    const cut = "split ".length + 2; // two bytes into the three bytes of 你
    ann.send(bytes.subarray(0, cut));
    await pause(50); // a gap, so the hub's first read returns only the first part
    ann.send(bytes.subarray(cut));
    await hears(bo, "split 你好 in two");
    const pieces = bo.lines().filter((line) => line.includes("split") || line.includes("in two"));
    s.check(pieces.length === 1, `the line arrived in pieces: ${JSON.stringify(pieces)}`);
  });

  test("relays two lines that arrive in one write as two lines", async () => {
    const hub = await s.start("02", "tcp");
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    ann.send("first line\nsecond line\n");
    const first = await hears(bo, "first line");
    const second = await hears(bo, "second line");
    s.check(first !== second, `both lines came as one: ${JSON.stringify(first)}`);
    // Each is a relayed line of its own, naming its sender: not one chunk passed on whole.
    const port = String(ann.localPort);
    s.check(first.includes(port) && second.includes(port), `each line should name ann (${port}): ${JSON.stringify([first, second])}`);
  });

  test("never relays the half line of a client that leaves mid-line", async () => {
    const hub = await s.start("02", "tcp");
    const [ann, bo, cy] = (await room(hub, ["ann", "bo", "cy"])) as [Peer, Peer, Peer];
    cy.send("half a li");
    cy.close();
    await s.until(() => notices(ann, cy).length >= 2, "ann hears that cy left");
    await sync(bo, ann);
    const leaked = ann.lines().filter((line) => line.includes("half a li"));
    s.check(leaked.length === 0, `a half line was relayed: ${JSON.stringify(leaked)}`);
  });
});

describe("lesson 02 over udp: a client is an address", () => {
  test("relays a datagram that has no newline", async () => {
    const hub = await s.start("02", "udp");
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    ann.send("no newline");
    await hears(bo, "no newline");
  });

  test('forgets a client that sent "/quit": it gets no more lines', async () => {
    const hub = await s.start("02", "udp");
    const [ann, bo, cy] = (await room(hub, ["ann", "bo", "cy"])) as [Peer, Peer, Peer];
    bo.sendLine("/quit");
    await s.until(() => notices(ann, bo).length >= 2, "ann hears that bo left");
    ann.sendLine("bo should not see this");
    await hears(cy, "bo should not see this");
    await sync(cy, ann);
    s.check(!bo.text().includes("bo should not see this"), "bo still got lines after /quit");
  });

  test("forgets a client that stays silent longer than --idle", async () => {
    const hub = await s.start("02", "udp", { args: ["--idle", "0.5"] });
    const [ann, bo] = (await room(hub, ["ann", "bo"])) as [Peer, Peer];
    // ann keeps talking; bo says nothing after joining.
    const chatter = setInterval(() => ann.sendLine("still here"), 100);
    try {
      await s.until(() => notices(ann, bo).length >= 2, "ann hears that the silent bo was forgotten", 5000);
      // ann kept talking, so she is still in the room: she hears of a newcomer.
      const cy = await s.connect("udp", hub.port, "cy");
      cy.sendLine("");
      await s.until(() => notices(ann, cy).length > 0, "ann, who kept talking, is still there and hears that cy joined");
    } finally {
      clearInterval(chatter);
    }
  });
});
