/**
 * The contract: the same chat scenarios over a real TCP hub and a real UDP hub,
 * each as one hub and as two hubs linked through Redis (tests/helpers/shapes.ts).
 * Where the transports differ, the test says so and why (see docs/PROTOCOL.md).
 *
 * One file, past 400 lines, because it is one table: every scenario a person at
 * `nc` or `nc -u` can play, side by side with where TCP and UDP part ways, over
 * one server and teardown. Behaviour with a file of its own: tests/udp-silence.test.ts
 * (a UDP member who only reads), tests/client-input-end.test.ts (the kit's client).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { tcpClient, TRANSPORTS, udpClient, udpJoin, type RawClient, type TestServer } from "./helpers/chat.ts";
import { member, SHAPES, startServer, useShape } from "./helpers/shapes.ts";
import { pause, until } from "../tools/harness/until.ts";

let server: TestServer | undefined;
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
  useShape("one hub");
});

async function room(transport: "tcp" | "udp", ...nicks: string[]): Promise<RawClient[]> {
  server ??= await startServer(transport);
  const joined: RawClient[] = [];
  for (const nick of nicks) {
    const c = await member(server, nick);
    clients.push(c);
    joined.push(c);
  }
  // Everyone has heard everyone else join (or was there first).
  for (const [i, c] of joined.entries()) {
    for (const later of nicks.slice(i + 1)) await c.waitFor(`*** ${later} joined`);
  }
  return joined;
}

describe.each(SHAPES.flatMap((shape) => TRANSPORTS.map((t) => [t, shape] as const)))(
  "chat over %s, %s",
  (transport, shape) => {
    beforeEach(() => useShape(shape));

    test("welcomes a newcomer with a guest nick and tells the room", async () => {
      const [alice] = await room(transport, "alice");
      const guest = await member(server!);
      clients.push(guest);
      expect(guest.matching("welcome")[0]).toMatch(/^\*\*\* welcome, guest\d+!/);
      await alice!.waitFor(/^\*\*\* guest\d+ joined$/);
    });

    test("delivers a line to every other member and not back to the sender", async () => {
      const [alice, bob, carol] = await room(transport, "alice", "bob", "carol");
      alice!.say("hello, room");
      await bob!.waitFor("<alice> hello, room");
      await carol!.waitFor("<alice> hello, room");
      // A later line from bob reaching alice proves alice's socket was read past her own line.
      bob!.say("hi alice");
      await alice!.waitFor("<bob> hi alice");
      expect(alice!.matching("hello, room")).toEqual([]);
    });

    test("keeps UTF-8 text intact", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.say("你好，世界 👋 Zoë");
      await bob!.waitFor("<alice> 你好，世界 👋 Zoë");
    });

    test("renames with /nick and refuses a nick taken in another case", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      bob!.say("/nick ALICE");
      await bob!.waitFor("!!! the nickname ALICE is taken");
      bob!.say("/nick 张三");
      await alice!.waitFor("*** bob is now 张三");
      alice!.say("hi");
      await bob!.waitFor("<alice> hi");
    });

    test("refuses nicks that are empty, too long or hold forbidden characters", async () => {
      const [alice] = await room(transport, "alice");
      alice!.say("/nick abcdefghijklmnopq");
      await alice!.waitFor("at most 16 characters");
      alice!.say("/nick bad<nick>");
      await alice!.waitFor("only letters, digits");
      alice!.say("/nick");
      await alice!.waitFor("usage: /nick NAME");
      alice!.say("/who");
      await alice!.waitFor("in the room (1): alice");
    });

    test("lists the room with /who", async () => {
      const [alice] = await room(transport, "alice", "bob");
      alice!.say("/who");
      await alice!.waitFor("*** in the room (2): alice, bob");
    });

    test("relays /me as an action", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.say("/me waves");
      await bob!.waitFor("* alice waves");
    });

    test("delivers /msg only to its target and confirms it to the sender", async () => {
      const [alice, bob, carol] = await room(transport, "alice", "bob", "carol");
      alice!.say("/msg Bob a secret");
      await bob!.waitFor("*alice* a secret");
      await alice!.waitFor("-> *bob* a secret");
      alice!.say("/msg dave hello?");
      await alice!.waitFor("!!! no such nickname: dave");
      // A line alice says after her /msg reaching carol proves carol was read past it.
      alice!.say("done");
      await carol!.waitFor("<alice> done");
      expect(carol!.matching("secret")).toEqual([]);
    });

    test("tells the room when a member quits, with the reason", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      bob!.say("/quit gone fishing");
      await bob!.waitFor("*** bye, bob: you left the room"); // at nc the end is not silent
      await alice!.waitFor("*** bob left (gone fishing)");
      if (transport === "tcp") await until(() => bob!.closed, 3000, "the server to close bob's connection");
    });

    test("answers /help and /ping to the sender only", async () => {
      const [alice] = await room(transport, "alice");
      alice!.say("/help");
      await alice!.waitFor("/msg NICK TEXT");
      alice!.say("/ping 42");
      await alice!.waitFor("*** pong 42");
    });

    test("refuses an unknown command without relaying it, and relays //text as text", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.say("/dance now");
      await alice!.waitFor("!!! unknown command /dance");
      alice!.say("//dance is a command");
      await bob!.waitFor("<alice> /dance is a command");
      expect(bob!.matching("dance now")).toEqual([]);
    });

    test("never relays terminal controls raw, and tells the sender", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.say("\x1b]0;pwned\x07title \x1b[2Jclear \u202Eevil \x9b31m");
      await alice!.waitFor("!!! control characters were replaced");
      const line = await bob!.waitFor("<alice> ");
      expect(line).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      expect(line).toContain("title");
    });

    test("replaces invalid UTF-8 and tells the sender", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.write(new Uint8Array([0x68, 0x69, 0x20, 0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x0a]));
      await alice!.waitFor("!!! your line was not valid UTF-8");
      const line = await bob!.waitFor("<alice> hi");
      expect(line).toContain("\ufffd");
    });

    test("refuses a line over the limit, relays none of it, and keeps the member", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.say("x".repeat(1025));
      await alice!.waitFor("!!! line too long");
      alice!.say("still here");
      await bob!.waitFor("<alice> still here");
      expect(bob!.matching("xxx")).toEqual([]);
    });

    test("accepts a line of exactly the limit, multibyte characters counted in bytes", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      const text = "é".repeat(512); // 1024 bytes
      alice!.say(text);
      await bob!.waitFor(`<alice> ${text}`);
    });

    test("takes several lines arriving together, in order", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      alice!.write("one\ntwo\r\nthree\n");
      await bob!.waitFor("<alice> three");
      expect(bob!.matching(/^<alice>/)).toEqual(["<alice> one", "<alice> two", "<alice> three"]);
    });

    test("tells everyone when the server shuts down", async () => {
      const [alice, bob] = await room(transport, "alice", "bob");
      server!.hub.shutdown();
      await alice!.waitFor("*** the server is shutting down");
      await bob!.waitFor("*** the server is shutting down");
    });

    test("refuses newcomers with a clear message when the room is full", async () => {
      server = await startServer(transport, { maxClients: 1 });
      const [alice] = await room(transport, "alice");
      const late = transport === "tcp" ? await tcpClient(server.port) : await udpClient(server.port);
      clients.push(late);
      if (transport === "udp") {
        late.say("/join latecomer-padding-bytes");
        const challenge = await late.waitFor("/join ");
        late.say(`/join ${challenge.split(" ").pop()}`);
      }
      await late.waitFor("!!! the room is full (1 members)");
      alice!.say("/who");
      await alice!.waitFor("in the room (1): alice");
    });
  },
);

describe.each(SHAPES)("chat over tcp only (a stream has no message boundaries), %s", (shape) => {
  beforeEach(() => useShape(shape));

  test("joins a line split across writes, even inside a character", async () => {
    const [alice, bob] = await room("tcp", "alice", "bob");
    const bytes = new TextEncoder().encode("split 好 line\n");
    const cut = bytes.indexOf(0xe5) + 1; // in the middle of 好
    alice!.write(bytes.subarray(0, cut));
    // A gap, not a wait for readiness: there is no event for "the server read the first
    // part alone"; the gap makes that likely, so the halves are decoded in two reads.
    await pause(20);
    alice!.write(bytes.subarray(cut));
    await bob!.waitFor("<alice> split 好 line");
  });

  test("does not treat a bare \\r as the end of a line", async () => {
    const [alice, bob] = await room("tcp", "alice", "bob");
    alice!.write("left\r/nick evil\n");
    await alice!.waitFor("!!! control characters");
    const line = await bob!.waitFor("<alice> left");
    expect(line).toBe("<alice> left\ufffd/nick evil");
  });

  test("disconnects a client sending 100 KB without a newline, and the others chat on", async () => {
    const [alice, bob] = await room("tcp", "alice", "bob");
    alice!.write("y".repeat(100_000));
    await alice!.waitFor("!!! more than 16384 bytes without a newline: closing the connection");
    await until(() => alice!.closed, 3000, "the server to close the flooding connection");
    await bob!.waitFor(/alice left \(no newline\)/);
    const carol = await member(server!, "carol");
    clients.push(carol);
    carol.say("hello bob");
    await bob!.waitFor("<carol> hello bob");
  });

  test("relays no half line from a client reset in the middle of one", async () => {
    const [alice, bob] = await room("tcp", "alice", "bob");
    const a = alice as RawClient & { reset(): void };
    a.write("complete\nhalf a li");
    await bob!.waitFor("<alice> complete");
    a.reset();
    await bob!.waitFor(/alice left \(connection (reset|closed)\)/);
    expect(bob!.matching("half")).toEqual([]);
  });

  // Linked, this one is left out: with both hubs in the test's own process a's 1 KB lines cross at a
  // few hundred a second, and the lazy client's kernel buffers (megabytes) take too long to fill. The
  // same promise over linked servers in child processes: tests/faults/bounds.test.ts (the catch-up).
  (shape === "one hub" ? test : test.skip)(
    "drops a client that never reads once its queue passes the cap, and the others chat on",
    async () => {
      server = await startServer("tcp", { maxQueueBytes: 64 * 1024 });
      const [alice, bob] = await room("tcp", "alice", "bob");
      // A client that connects and never reads: a process whose only thread is
      // blocked (Atomics.wait), so nothing ever takes bytes out of its socket.
      const lazy = Bun.spawn(
        [
          process.execPath,
          "-e",
          `await Bun.connect({ hostname: "127.0.0.1", port: ${server.port}, socket: { data() {} } });
        console.log("connected");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);`,
        ],
        { stdout: "ignore", stderr: "ignore" },
      );
      try {
        await until(() => server!.hub.size === 3, 5000, "the lazy client to join");
        // It says nothing, so the room hears of it when the join hold runs out.
        await bob!.waitFor(/^\*\*\* guest\d+ joined$/);
        const line = "z".repeat(1000);
        for (let i = 0; i < 50_000 && server.hub.size === 3; i++) {
          alice!.say(`${i} ${line}`);
          if (i % 20 === 0) await Bun.sleep(1);
        }
        await until(
          () => server!.logs.some((l) => l.includes("too slow to read")),
          5000,
          "the slow client to be dropped",
        );
        await bob!.waitFor(/guest\d+ left \(too slow to read/);
        alice!.say("after");
        await bob!.waitFor("<alice> after", 5000);
      } finally {
        lazy.kill();
      }
    },
  );
});

describe.each(SHAPES)("chat over udp only (no connection: an address must prove itself), %s", (shape) => {
  beforeEach(() => useShape(shape));

  test("never sends a stranger more than 3x the bytes it sent", async () => {
    server = await startServer("udp");
    const stranger = await udpClient(server.port);
    clients.push(stranger);
    const bytes = () => stranger.chunks.reduce((n, c) => n + c.length, 0);
    stranger.say("hi"); // 3 bytes: 9 may be sent, too few for the 15 bytes of "/join TOKEN"
    stranger.say("/who"); // 3 + 5 bytes: now 24 may be sent, enough for the bare line to type
    const bare = await stranger.waitFor(/^\/join [0-9a-f]{8}$/);
    // One datagram of 15 bytes in all: "hi", handled first, drew nothing.
    expect(stranger.chunks.length).toBe(1);
    expect(bytes()).toBe(15);
    expect(bytes()).toBeLessThanOrEqual(3 * (3 + 5));
    stranger.say("hello, anyone there?"); // 21 more: the whole sentence
    await stranger.waitFor(/^\*\*\* to join, type: \/join [0-9a-f]{8}$/);
    expect(bytes()).toBeLessThanOrEqual(3 * (3 + 5 + 21));
    // It is the same token, and typing the line it names gets you in.
    expect(stranger.lines.at(-1)!.endsWith(bare)).toBe(true);
    stranger.say(bare);
    await stranger.waitFor("*** welcome, guest1!");
  });

  test("tells a person at nc -u what to type as soon as a typed line pays for it, in the room's language", async () => {
    server = await startServer("udp", { lang: "zh" });
    const person = await udpClient(server.port);
    clients.push(person);
    person.say("hello"); // 6 bytes: the bare line (15 bytes) at once
    const bare = await person.waitFor(/^\/join [0-9a-f]{8}$/);
    expect(person.chunks.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(3 * 6);
    person.say(bare);
    await person.waitFor("*** 欢迎，guest1！");
    const newcomer = await udpClient(server.port);
    clients.push(newcomer);
    newcomer.say("/join 老李"); // 13 bytes: the sentence in the room's language (37 bytes)
    const hint = await newcomer.waitFor(/^\*\*\* 加入请输入：\/join [0-9a-f]{8}$/);
    expect(newcomer.chunks.reduce((n, c) => n + c.length, 0)).toBeLessThanOrEqual(3 * 13);
    newcomer.say(hint.slice(hint.indexOf("/join")));
    await newcomer.waitFor("*** 欢迎，guest2！");
    await person.waitFor("*** 老李 加入了聊天室");
  });

  test("relays nothing from an address that has not joined", async () => {
    const [alice] = await room("udp", "alice");
    const stranger = await udpClient(server!.port);
    clients.push(stranger);
    stranger.say("spoofed line that must not be relayed");
    stranger.say("/join 00000000"); // a wrong token
    const bob = await member(server!, "bob");
    clients.push(bob);
    bob.say("real line");
    await alice!.waitFor("<bob> real line");
    expect(alice!.matching("spoofed")).toEqual([]);
  });

  test("takes the nick asked for in the join request: the room hears one join line", async () => {
    const [alice] = await room("udp", "alice");
    const bob = await udpClient(server!.port);
    clients.push(bob);
    await udpJoin(bob, "bob");
    await alice!.waitFor("*** bob joined");
    alice!.say("/who");
    await alice!.waitFor("in the room (2)");
    expect(alice!.matching(/guest2|is now bob/)).toEqual([]);
  });

  test("removes a member that stops sending, with a leave notice", async () => {
    server = await startServer("udp", { udpTimeoutMs: 1000 });
    const [alice, bob] = await room("udp", "alice", "bob");
    // alice keeps sending heartbeats (ten per timeout: room to spare on a busy machine); bob falls silent.
    const beat = setInterval(() => alice!.say("/ping"), 100);
    try {
      await alice!.waitFor("*** bob left (timed out)", 3000);
      await bob!.waitFor("!!! no word from you in 1s: you left the room"); // bob is told too
    } finally {
      clearInterval(beat);
    }
  });

  test("keeps delivering to live members after others vanished without a word", async () => {
    server = await startServer("udp");
    const [alice, bob, carol] = await room("udp", "alice", "bob", "carol");
    // bob and carol's sockets close: sends to them now draw "port unreachable".
    bob!.close();
    carol!.close();
    const dave = await member(server, "dave");
    clients.push(dave);
    for (let i = 0; i < 20; i++) alice!.say(`line ${i}`);
    await dave.waitFor("<alice> line 19");
    expect(dave.matching(/^<alice> line/).length).toBe(20);
  });

  test("refuses a datagram over the line limit with a notice", async () => {
    const [alice, bob] = await room("udp", "alice", "bob");
    alice!.write("w".repeat(5000));
    await alice!.waitFor("!!! line too long");
    alice!.say("short");
    await bob!.waitFor("<alice> short");
    expect(bob!.matching("www")).toEqual([]);
  });
});

describe.each(SHAPES.flatMap((shape) => TRANSPORTS.map((t) => [t, shape] as const)))(
  "big rooms over %s, %s",
  (transport, shape) => {
    beforeEach(() => useShape(shape));

    test("/who of any size arrives whole: in pieces within the line limit, each one datagram over UDP", async () => {
      server = await startServer(transport, { maxLineBytes: 256, maxPerAddress: 1000 });
      const nicks = Array.from({ length: 60 }, (_, i) => `member${String(i).padStart(2, "0")}-longnk`);
      for (const nick of nicks) clients.push(await member(server, nick));
      const asker = clients[0]!;
      const from = asker.lines.length;
      asker.say("/who");
      await asker.waitFor("*** in the room (60): ", 3000, from);
      const named = () =>
        asker.lines
          .slice(from)
          .filter((l) => l.startsWith("*** in the room"))
          .flatMap((l) => l.slice(l.indexOf(": ") + 2).split(", "));
      await until(() => named().length >= 60, 3000, "every nick of /who");
      // Linked, /who lists this server's members (every other one joined it), then the other's (LINKING.md).
      const linked = shape === "two hubs linked";
      expect(named()).toEqual(
        linked ? [...nicks.filter((_, i) => i % 2 === 0), ...nicks.filter((_, i) => i % 2)] : nicks,
      );
      const lines = asker.lines.slice(from).filter((l) => l.startsWith("*** in the room"));
      expect(lines.length).toBeGreaterThanOrEqual(5); // 60 × 17 bytes: five lines of at most 256
      for (const l of lines) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(256);
      if (transport === "udp") {
        // One line per datagram, each within the limit with its newline.
        const whoDatagrams = asker.chunks.filter((c) => new TextDecoder().decode(c).startsWith("*** in the room"));
        expect(whoDatagrams.length).toBe(lines.length);
      }
    });

    test("past the room size, joins and leaves are summed up, and everyone still gets every line", async () => {
      server = await startServer(transport, { summarizeAbove: 3, summaryIntervalMs: 300 });
      const [alice, bob, carol] = await room(transport, "alice", "bob", "carol");
      const dave = await member(server, "dave");
      const erin = await member(server, "erin");
      clients.push(dave, erin);
      erin.say("/quit");
      if (shape === "one hub") {
        for (const c of [alice!, bob!, carol!, dave]) await c.waitFor("*** 2 joined and 1 left in the last 0.3s");
      } else {
        // Linked, each server sums up its own: erin came and went on the first, dave came to the second.
        for (const c of [alice!, bob!, carol!, dave]) {
          await c.waitFor("*** 1 joined and 1 left in the last 0.3s");
          if (c !== dave) await c.waitFor("*** 1 joined in the last 0.3s");
        }
      }
      expect(alice!.matching(/dave|erin/)).toEqual([]);
      dave.say("hello, big room");
      for (const c of [alice!, bob!, carol!]) await c.waitFor("<dave> hello, big room");
    });
  },
);
