/**
 * The reliability checklist (docs/RELIABILITY.md), one test per item
 * and transport, against the real server in a child process over real sockets.
 *
 * Every test puts an offender in front of alice and bob, then asserts what the
 * offender received, and `survived()`: the server is up, alice and bob still chat
 * with nothing lost, nothing unsafe reached them, and the server is idle again.
 * Item 10 is TCP's alone (a datagram is sent whole or not at all), item 12 is UDP's.
 * Within a test, where the transports differ, the test says why.
 *
 * The tests run two at a time (see scene.ts): most of each is its quiet second.
 *
 * One file, over 400 lines, on purpose: one test per item of the checklist, in
 * its order, so that a reader goes from item N of the page to test N here; and
 * `test.concurrent` overlaps tests only within a file (bun test runs files one
 * after another), so split files would take longer. A test's name is its item's
 * sentence, whole on one line, so `bun test -t "7\. floods"` and grep find it.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { TRANSPORTS, udpJoin } from "../helpers/chat.ts";
import { until } from "../../tools/harness/until.ts";
import { parseChallenge } from "../../src/protocol.ts";
import {
  captureClientHello,
  inTurn,
  range,
  Scene,
  SCENE_TIMEOUT_MS,
  stillChat,
  survived,
  UNSAFE,
  withScene,
  type Client,
} from "./scene.ts";

const encode = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...encode(p)] : p)));

/** The chat lines one member received from another, text only. */
const from = (c: Client, nick: string) =>
  c.lines.filter((l) => l.startsWith(`<${nick}> `)).map((l) => l.slice(nick.length + 3));

/** A client sends each of `lines` in its own write (over UDP, its own datagram); strings get a newline. */
const sendEach = (c: Client, lines: (string | Uint8Array)[]) =>
  lines.forEach((l) => c.write(typeof l === "string" ? l + "\n" : l));

/** Asks /who until the answer matches: leaving takes effect asynchronously (a close, a timeout). */
async function roomIs(c: Client, expected: RegExp, ms = 5000): Promise<void> {
  let asked = 0;
  await until(
    () => {
      if (c.matching(expected).length) return true;
      if (performance.now() - asked > 200) {
        asked = performance.now();
        c.say("/who");
      }
      return false;
    },
    ms,
    `/who to answer ${expected}`,
  );
}

/** The UDP join up to the token, without waiting for a welcome (that may be a refusal instead). */
async function udpKnock(c: Client): Promise<void> {
  c.say("/join".padEnd(24, " "));
  const token = await until(() => c.lines.map(parseChallenge).find((t) => t !== undefined), 3000, "the join challenge");
  c.say(`/join ${token}`);
}

describe.each(TRANSPORTS)("reliability checklist over %s", (transport) => {
  const tcp = transport === "tcp";

  test.concurrent(
    "1. lines over the limit and data with no newline (4 KB, 100 KB, a TLS ClientHello): refused, then disconnected past the hard cap",
    () =>
      withScene(transport, [], async (scene) => {
        const { alice, bob } = scene;
        const mallory = await scene.join("mallory");
        mallory.say("x".repeat(1025));
        await mallory.waitFor("!!! line too long (1025+ bytes; the limit is 1024)");
        mallory.write("y".repeat(4096)); // no newline
        await until(() => mallory.matching("!!! line too long").length === 2, 3000, "a second too-long notice");
        if (tcp) {
          // Past the limit but under the hard cap: the connection lives on, and the newline ends the refused line.
          mallory.write("\n");
        } else {
          mallory.write("z".repeat(65_507)); // the largest datagram there is
          await mallory.waitFor("!!! line too long (65507+ bytes");
        }
        mallory.say("short");
        await bob.waitFor("<mallory> short");

        if (tcp) {
          // 100 KB without a newline passes the hard cap (16 × the limit): told, then disconnected.
          const from = mallory.lines.length;
          mallory.write("w".repeat(100_000));
          await mallory.waitFor("!!! more than 16384 bytes without a newline: closing the connection", 3000, from);
          await until(() => mallory.closed, 3000, "the server to close the connection");
          await bob.waitFor("*** mallory left (no newline)");
        }

        // A TLS client on the plain port: its binary handshake is not relayed as lines; it is told and let go.
        const hello = await captureClientHello();
        expect(hello.includes(0x0a)).toBe(true); // it holds newlines: read as text it would be lines of garbage
        // (Over TCP the stream must start with it, so trudy sends nothing first, not even /nick.)
        const trudy = tcp ? await scene.raw() : await scene.join("trudy");
        if (tcp) await trudy.waitFor("welcome");
        trudy.write(hello);
        await trudy.waitFor("!!! this is a plain-text chat server (that looked like TLS): closing the connection");
        // Over TCP it came and went before its first line could be announced: the room hears of it
        // neither way. Over UDP it had joined as trudy, and the room hears it go.
        if (!tcp) await bob.waitFor(/^\*\*\* trudy left \(not a chat client\)$/);
        if (tcp) {
          await until(() => trudy.closed, 3000, "the server to close the TLS client");
          expect(bob.matching(/guest\d+ (joined|left)/)).toEqual([]);
          // A real TLS client, not a replay: it gives up at once instead of hanging.
          let ended = false;
          const real = await Bun.connect({
            hostname: "127.0.0.1",
            port: scene.server.port,
            tls: true,
            socket: { data() {}, close: () => void (ended = true), error: () => void (ended = true) },
          }).catch(() => void (ended = true));
          await until(() => ended, 5000, "the TLS client to give up");
          real?.end();
        }

        expect(from(bob, "mallory")).toEqual(["short"]);
        expect(from(bob, "trudy")).toEqual([]);
        expect(bob.lines.filter((l) => /^<guest\d+>/.test(l))).toEqual([]);
        expect(from(alice, "mallory")).toEqual(["short"]);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "2. input one byte at a time, many lines in one chunk, a multibyte character split across reads",
    () =>
      withScene(transport, ["--flood-burst", "500"], async (scene) => {
        const { bob } = scene;
        const mallory = await scene.join("mallory");
        const text = "héllo 好 👋 done";
        const many = range(100).map((i) => `line ${i}`);
        mallory.write(many.join("\n") + "\n"); // one write, or one datagram (as a paste through nc -u)
        await bob.waitFor("<mallory> line 99");
        expect(from(bob, "mallory")).toEqual(many);

        if (tcp) {
          // The client sets TCP_NODELAY: each write travels on its own.
          for (const b of encode(text + "\n")) {
            mallory.write(new Uint8Array([b]));
            await Bun.sleep(1); // pacing, so each byte travels on its own
          }
          await bob.waitFor(`<mallory> ${text}`);
          // Every way to cut a four-byte character in two.
          const emoji = encode("cut 👋 here\n");
          const at = emoji.indexOf(0xf0);
          for (const cut of [1, 2, 3]) {
            mallory.write(emoji.subarray(0, at + cut));
            await Bun.sleep(5);
            mallory.write(emoji.subarray(at + cut));
          }
          await until(() => bob.matching("<mallory> cut 👋 here").length === 3, 3000, "three whole emoji lines");
          expect(mallory.matching("!!!")).toEqual([]);
        } else {
          // UDP: a datagram is a line. Bytes sent one per datagram are lines of one byte each, and a
          // character cut across two datagrams is not joined: each half is invalid UTF-8, and said so.
          sendEach(mallory, [encode("a"), encode("b")]);
          await bob.waitFor("<mallory> b");
          const cat = encode("好");
          sendEach(mallory, [cat.subarray(0, 1), cat.subarray(1)]);
          await until(() => mallory.matching("not valid UTF-8").length === 2, 3000, "two invalid-UTF-8 notices");
          mallory.say(text);
          await bob.waitFor(`<mallory> ${text}`);
          expect(from(bob, "mallory").slice(100)).toEqual(["a", "b", "\ufffd", "\ufffd\ufffd", text]);
        }
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "3. \\n, \\r\\n, a bare \\r, empty lines and NUL bytes",
    () =>
      withScene(transport, [], async (scene) => {
        const { bob } = scene;
        const mallory = await scene.join("mallory");
        const input = ["lf\n", "crlf\r\n", "bare\rcr\n", "\n", "\r\n", "\r\r\n", "   \n", "nul\0byte\n", "end\n"];
        if (tcp) mallory.write(input.join(""));
        else {
          sendEach(mallory, [...input.map(encode), new Uint8Array(0), encode("no newline")]);
        }
        await bob.waitFor(tcp ? "<mallory> end" : "<mallory> no newline");
        // A bare \r is not a line end (it would let a sender forge a second line): it is replaced, with the \0.
        const expected = ["lf", "crlf", "bare\ufffdcr", "nul\ufffdbyte", "end"];
        expect(from(bob, "mallory")).toEqual(tcp ? expected : [...expected, "no newline"]);
        expect(mallory.matching("!!! control characters were replaced")).toHaveLength(2);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "4. invalid UTF-8 (FF, C0 80, ED A0 80, a sequence cut at the end of a line)",
    () =>
      withScene(transport, [], async (scene) => {
        const { bob } = scene;
        const mallory = await scene.join("mallory");
        const lines = [
          bytes("a", [0xff], "b\n"),
          bytes("c", [0xc0, 0x80], "d\n"), // an overlong NUL
          bytes("e", [0xed, 0xa0, 0x80], "f\n"), // a UTF-16 surrogate
          bytes("g", [0xe5, 0xa5], "\n"), // 好 without its last byte
          bytes("/nick ", [0xff], "\n"),
        ];
        if (tcp) mallory.write(new Uint8Array(lines.flatMap((l) => [...l])));
        else sendEach(mallory, lines);
        await mallory.waitFor("!!! a nickname has only letters");
        mallory.say("valid again");
        await bob.waitFor("<mallory> valid again");
        const got = from(bob, "mallory");
        expect(got).toHaveLength(5);
        got.slice(0, 4).forEach((line, i) => {
          expect(line).toContain("\ufffd");
          expect(line.replaceAll("\ufffd", "")).toBe(["ab", "cd", "ef", "g"][i]!);
        });
        expect(mallory.matching("!!! your line was not valid UTF-8")).toHaveLength(5);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "5. terminal controls in text and nicks (ESC, CSI, OSC title and clipboard, BEL, BS, DEL, C1, bidi overrides) are never relayed raw",
    () =>
      withScene(transport, [], async (scene) => {
        const { alice, bob } = scene;
        const mallory = await scene.join("mallory");
        const attacks = [
          "\x1b[2J\x1b[Hscreen cleared",
          "\x1b]0;owned\x07title",
          "\x1b]52;c;cm0gLXJmIH4K\x07clipboard",
          "bell\x07\x07",
          "backspace\x08\x08\x08",
          "delete\x7f",
          "c1 \u009b31m \u0085 \u009d",
          "bidi \u202eevil\u202c \u2066iso\u2069",
        ];
        sendEach(mallory, [
          ...attacks,
          "/me waves \x1b[5m",
          "/msg bob \x1b]52;c;c2VjcmV0\x07",
          "/nick \x1b[31mred",
          "/nick a\u202eb",
          "/nick \u009bx",
          "/quit \x1b]0;bye\x07",
        ]);
        await bob.waitFor("*** mallory left (");
        for (const c of [alice, bob, mallory]) expect(c.lines.filter((l) => UNSAFE.test(l))).toEqual([]);
        expect(from(bob, "mallory")).toHaveLength(attacks.length);
        for (const line of from(bob, "mallory")) expect(line).toContain("\ufffd");
        expect(bob.matching(/^\* mallory waves/)).toHaveLength(1);
        expect(bob.matching(/^\*mallory\* /)).toHaveLength(1);
        expect(mallory.matching("!!! a nickname has only letters")).toHaveLength(3);
        expect(bob.matching("mallory is now")).toEqual([]);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "6. nicks: empty, too long, control characters, duplicates in another case, two clients claiming one nick at once",
    () =>
      withScene(transport, [], async (scene) => {
        const { alice, bob } = scene;
        const mallory = await scene.join("mallory");
        sendEach(mallory, ["/nick", "/nick    ", "/nick abcdefghijklmnopq", "/nick tab\there"]);
        sendEach(mallory, ["/nick ALICE", "/nick Bob"]);
        await mallory.waitFor("!!! the nickname Bob is taken");
        expect(mallory.matching("!!! usage: /nick NAME")).toHaveLength(2);
        expect(mallory.matching("!!! a nickname has at most 16 characters")).toHaveLength(1);
        expect(mallory.matching("!!! a nickname has only letters")).toHaveLength(1);
        expect(mallory.matching("!!! the nickname ALICE is taken")).toHaveLength(1);
        // Composed and decomposed forms of one name are one name.
        mallory.say("/nick Zoë");
        await alice.waitFor("*** mallory is now Zoë");
        const eve = await scene.join();
        eve.say("/nick zoe\u0308");
        await eve.waitFor("is taken");
        mallory.say("/nick abcdefghijklmnop"); // exactly 16
        await alice.waitFor("*** Zoë is now abcdefghijklmnop");

        // Two clients ask for one nick in the same instant: exactly one gets it.
        const carol = await scene.join("carol");
        const dave = await scene.join("dave");
        await alice.waitFor("*** dave joined");
        carol.say("/nick zed");
        dave.say("/nick ZED");
        const taken = () => carol.matching("is taken").length + dave.matching("is taken").length;
        await until(() => alice.matching(/is now (zed|ZED)$/).length && taken(), 3000, "one rename and one refusal");
        expect(alice.matching(/is now (zed|ZED)$/)).toHaveLength(1);
        expect(taken()).toBe(1);
        alice.say("/who");
        const who = await alice.waitFor("*** in the room (6)");
        expect(who).toMatch(/: alice, bob, abcdefghijklmnop, guest\d+, (carol, ZED|zed, dave)$/);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "7. floods: 1,000 lines in one write, sustained sending over the rate, connect/disconnect churn",
    () =>
      withScene(transport, ["--flood-burst", "10", "--flood-rate", "50"], async (scene) => {
        const { alice, bob, server } = scene;
        const mallory = await scene.join("mallory");
        // Refused lines are summed up, once per flood episode: "!!! ... N lines were not sent".
        const refusedIn = (lines: string[]) =>
          lines.reduce(
            (n, l) =>
              n + Number(/^!!! you were sending too fast: (\d+) (?:line was|lines were) not sent$/.exec(l)?.[1] ?? 0),
            0,
          );
        const summaries = () => mallory.matching(/^!!! you were sending too fast/);

        // 1,000 lines in one write (over UDP, one datagram): the burst (10) goes through, the next
        // 50 wait their turn (the delay queue holds 5 × the burst, at least 50), the rest is refused,
        // and said so in one notice when the flood is over. Nothing vanishes without a word.
        mallory.write(
          range(1000)
            .map((i) => `f${i}`)
            .join("\n") + "\n",
        );
        alice.say("while the flood drains");
        await until(() => from(bob, "mallory").length >= 59, 10_000, "the burst and the delayed lines");
        // Told once that lines are delayed (and the rate), once that they are now dropped.
        expect(
          mallory.matching("*** you are sending too fast: your lines are delayed, 50 a second get through"),
        ).toHaveLength(1);
        const dropping = mallory.matching(/^!!! you are sending too fast: 50 lines are waiting /);
        expect(dropping).toHaveLength(1);
        // A /ping waits its turn like any line: its answer means every line accepted before it is out.
        mallory.say("/ping drained");
        await mallory.waitFor("*** pong drained", 5000);
        await until(() => summaries().length > 0, 3000, "the flood's summary");
        const delivered = from(bob, "mallory").map((l) => Number(l.slice(1)));
        expect(delivered).toEqual(range(delivered.length)); // the first ones, in order, none twice
        expect(delivered.length).toBeLessThanOrEqual(60);
        expect(dropping[0]).toEndWith(`the last line that will be sent: "f${delivered.length - 1}"`); // as it said
        // One notice for the whole episode (over UDP a notice per line used to overflow the
        // flooder's own receive buffer), and it accounts for every line not delivered.
        expect(summaries()).toHaveLength(1);
        expect(refusedIn(summaries())).toBe(1000 - delivered.length);
        // One flooder does not slow the others: alice's line overtook mallory's delayed ones.
        const aliceAt = bob.lines.indexOf("<alice> while the flood drains");
        expect(aliceAt).toBeGreaterThan(-1);
        expect(aliceAt).toBeLessThan(bob.lines.lastIndexOf(`<mallory> f${delivered.length - 1}`));

        // Sustained: 150 lines at a few hundred a second, well over 50/s.
        const summariesBefore = summaries().length;
        for (const i of range(150)) {
          mallory.say(`s${i}`);
          if (i % 5 === 4) await Bun.sleep(10);
        }
        const accounted = () =>
          from(bob, "mallory").filter((l) => l.startsWith("s")).length + refusedIn(summaries().slice(summariesBefore));
        await until(() => accounted() === 150, 10_000, "every sustained line delivered or counted as refused");
        expect(summaries().length - summariesBefore).toBe(1);
        const sustained = from(bob, "mallory")
          .filter((l) => l.startsWith("s"))
          .map((l) => Number(l.slice(1)));
        expect(sustained).toEqual([...sustained].sort((a, b) => a - b));
        expect(sustained.length).toBeLessThan(150); // the rate was enforced...
        expect(sustained.length).toBeGreaterThan(10); // ...but not by refusing everything

        // Churn: clients joining and leaving, cleanly, abruptly, or before the welcome.
        const fdsBefore = server.fds();
        for (const round of range(6)) {
          await Promise.all(
            range(10).map(async (i) => {
              const c = await scene.raw();
              if (tcp) {
                if (i % 3 === 0) return c.close(); // gone before the welcome
                await c.waitFor("welcome");
                return i % 3 === 1 ? c.close() : c.reset!();
              }
              if (i % 2 === 0) {
                await udpJoin(c, `churn${round}x${i}`);
                c.say("/quit");
              } else c.say(`hello from a stranger ${round} ${i}`); // never joins
              await Bun.sleep(1);
              c.close();
            }),
          );
        }
        if (tcp) await until(() => server.fds() <= fdsBefore, 5000, "the server to close every churned connection");
        await roomIs(alice, /^\*\*\* in the room \(3\): alice, bob, mallory$/);
        expect(server.fds()).toBeLessThanOrEqual(fdsBefore);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "8. a client that never reads: its queue is capped, it is dropped, the others keep up",
    () =>
      // Over UDP a member is removed only for its silence: here it never falls silent long enough.
      withScene(transport, ["--no-flood-limit", "--max-queue-bytes", "65536", "--udp-timeout", "60"], async (scene) => {
        const { alice, bob, server } = scene;
        // A client whose only thread is blocked (Atomics.wait): nothing ever reads its socket.
        const lazyCode = tcp
          ? `await Bun.connect({ hostname: "127.0.0.1", port: ${server.port}, socket: { data() {} } });`
          : `let joined = false;
           const s = await Bun.udpSocket({ hostname: "127.0.0.1",
             connect: { hostname: "127.0.0.1", port: ${server.udpPort} },
             socket: { data(sock, d) { const t = new TextDecoder().decode(d);
               const m = /\\/join ([0-9a-f]{8})\\n?$/.exec(t); if (m) sock.send("/join " + m[1] + "\\n");
               if (t.includes("welcome")) joined = true; } } });
           s.send("/join lazy".padEnd(30) + "\\n");
           while (!joined) await Bun.sleep(5);`;
        const mark = alice.lines.length;
        scene.child(`${lazyCode}
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);`);
        await alice.waitFor(/^\*\*\* (guest\d+|lazy) joined$/, 5000, mark);
        const rssBefore = server.rssKiB();

        // alice talks, paced by bob's receipts: bob keeps up while the lazy client falls behind.
        const pad = "z".repeat(1000);
        let sent = 0;
        const droppedLine = /^\*\*\* guest\d+ left \(too slow to read/;
        const dropped = () => bob.matching(droppedLine).length > 0;
        // Over UDP the server queues nothing for a member (a datagram goes out at once, and a reader
        // that does not read loses it in its own kernel): 1 MB sent to it, five times its socket's buffer.
        const enough = () => (tcp ? dropped() : sent >= 1000);
        while (!enough() && sent < 40_000) {
          const batch = range(tcp ? 20 : 10, sent).map((i) => `${i} ${pad}`);
          sendEach(alice, batch);
          sent += batch.length;
          await bob.waitFor(`<alice> ${sent - 1} `, 5000);
        }
        if (tcp) {
          expect(dropped()).toBe(true);
          await server.waitForLog(/left: too slow to read: \d+ bytes waiting/);
        } else {
          // Never dropped for not reading (UDP cannot tell), and nothing piles up for it in the server.
          expect(bob.matching(/lazy left/)).toEqual([]);
          await roomIs(alice, /^\*\*\* in the room \(3\): alice, bob, lazy$/);
          expect(server.rssKiB() - rssBefore).toBeLessThan(16 * 1024);
        }
        const got = from(bob, "alice").filter((l) => l.endsWith(pad));
        expect(got).toHaveLength(sent);
        expect(got.map((l) => Number(l.split(" ")[0]))).toEqual(range(sent));
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  test.concurrent(
    "9. a client killed mid-line (FIN, RST, a killed process) relays no half line; clients leaving during a broadcast",
    () =>
      withScene(transport, ["--no-flood-limit", "--udp-timeout", "1"], async (scene) => {
        const { alice, bob, server } = scene;
        if (tcp) {
          for (const how of ["fin", "rst"] as const) {
            const c = await scene.join(how);
            c.write(`complete ${how}\nhalf a li`);
            await bob.waitFor(`<${how}> complete ${how}`);
            if (how === "fin") c.close();
            else c.reset!();
            await bob.waitFor(new RegExp(`^\\*\\*\\* ${how} left \\(connection (closed|reset)\\)$`));
          }
          // A process killed with SIGKILL while its line is half written.
          const victim = scene.child(`
          const s = await Bun.connect({ hostname: "127.0.0.1", port: ${server.port}, socket: { data() {} } });
          s.write("/nick victim\\nwhole line\\nhalf of a li"); console.log("sent"); await Bun.sleep(60_000);`);
          await bob.waitFor("<victim> whole line");
          victim.proc.kill("SIGKILL");
          await bob.waitFor(/^\*\*\* victim left \(connection (closed|reset)\)$/);
          expect(bob.matching("half")).toEqual([]);
        }
        // UDP has no half lines: a datagram arrives whole or not at all. What both share: members
        // vanishing (FIN, RST, a closed UDP socket) while a broadcast to them is under way.
        const fdsBefore = server.fds();
        const leavers = await Promise.all(range(20).map((i) => scene.join(`leaver${i}`)));
        await alice.waitFor("*** leaver19 joined");
        scene.keepAlive([alice, bob], 200);
        alice.write(
          range(100)
            .map((i) => `broadcast ${i}`)
            .join("\n") + "\n",
        );
        leavers.forEach((c, i) => (i % 2 && c.reset ? c.reset() : c.close()));
        await bob.waitFor("<alice> broadcast 99");
        const broadcast = range(100).map((i) => `broadcast ${i}`);
        expect(from(bob, "alice").filter((l) => l.startsWith("broadcast"))).toEqual(broadcast);
        await roomIs(alice, /^\*\*\* in the room \(2\): alice, bob$/);
        if (tcp) await until(() => server.fds() <= fdsBefore, 5000, "every leaver's socket closed");
        expect(bob.matching("half")).toEqual([]);
        await survived(scene);
      }),
    SCENE_TIMEOUT_MS,
  );

  // Over UDP a datagram is sent whole or not at all: there is no partial write to test.
  if (tcp)
    test.concurrent(
      "10. partial writes: what the kernel does not take is queued and written later, whole and in order",
      () =>
        withScene(
          transport,
          ["--no-flood-limit", "--max-line-bytes", "16000", "--max-queue-bytes", String(64 << 20)],
          async (scene) => {
            const { alice, bob, server } = scene;
            // Bun's write() takes what the kernel has room for and forgets the rest. A reader that
            // stops reading for a while makes the kernel's buffers fill up, so the server's writes
            // to it come back short; everything must still arrive, whole and in order.
            const flag = `/tmp/chat-kit-reader-${process.pid}-${Date.now()}`;
            const lines = 1000;
            const pad = "p".repeat(15_900);
            const mark = alice.lines.length;
            const reader = scene.child(`
        const { existsSync } = await import("node:fs");
        const pad = "p".repeat(${pad.length});
        let buf = "", next = 0, intact = true, bytes = 0;
        const decoder = new TextDecoder();
        await Bun.connect({ hostname: "127.0.0.1", port: ${server.port}, socket: { data(_s, chunk) {
          bytes += chunk.length;
          buf += decoder.decode(chunk, { stream: true });
          for (let nl = buf.indexOf("\\n"); nl >= 0; nl = buf.indexOf("\\n")) {
            const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
            if (line === "<alice> end") { console.log(JSON.stringify({ next, intact, bytes })); process.exit(0); }
            if (!line.startsWith("<alice> ")) continue;
            const [i, rest] = line.slice(8).split(" ");
            if (Number(i) !== next++ || rest !== pad) intact = false;
          }
        } } });
        // Block the thread (so nothing reads the socket) until the test says go.
        while (!existsSync(${JSON.stringify(flag)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      `);
            await alice.waitFor(/^\*\*\* guest\d+ joined$/, 5000, mark);
            for (let i = 0; i < lines; i += 4) {
              sendEach(
                alice,
                range(4, i).map((n) => `${n} ${pad}`),
              );
              await bob.waitFor(`<alice> ${i + 3} `, 5000);
            }
            alice.say("end");
            await bob.waitFor("<alice> end");
            // More than twice what the kernel can hold for the stalled reader (its send and receive buffers).
            const [, , wmemMax] = readFileSync("/proc/sys/net/ipv4/tcp_wmem", "utf8").trim().split(/\s+/).map(Number);
            const [, rmemDefault] = readFileSync("/proc/sys/net/ipv4/tcp_rmem", "utf8").trim().split(/\s+/).map(Number);
            expect(lines * pad.length).toBeGreaterThan(2 * (wmemMax! + rmemDefault!));
            await Bun.write(flag, "go");
            try {
              const report = JSON.parse(await reader.waitFor("{", 10_000));
              expect(report).toMatchObject({ next: lines, intact: true });
            } finally {
              await Bun.file(flag).delete();
            }
            await survived(scene);
          },
        ),
      SCENE_TIMEOUT_MS,
    );

  test.concurrent(
    "11. half-open peers found by an idle timeout; a clear refusal at the client limit",
    () =>
      withScene(
        transport,
        tcp ? ["--idle-timeout", "0.5", "--max-per-address", "4"] : ["--udp-timeout", "0.5", "--max-per-address", "4"],
        async (scene) => {
          const { alice, bob, server } = scene;
          scene.keepAlive([alice, bob], 100);
          if (tcp) {
            // The kernel watches every connection (TCP keepalive), so a peer whose machine vanished
            // is found without bothering anyone; the idle timeout adds an IRC-style "still there?".
            const timer = (client: Client) => {
              const port = client.localPort;
              for (const row of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
                const f = row.trim().split(/\s+/);
                const portOf = (field: string | undefined) => parseInt(field?.split(":")[1] ?? "", 16);
                if (portOf(f[1]) === server.port && portOf(f[2]) === port) return f[5]?.split(":")[0];
              }
            };
            await until(() => timer(alice) === "02", 3000, "the server's keepalive timer on alice's connection");
          }
          const mallory = await scene.join("mallory");
          if (tcp) {
            // lurker answers every "still there?" as a person at nc would: by pressing Enter.
            const lurker = await scene.join("lurker");
            let answered = 0;
            const answering = setInterval(() => {
              const asked = lurker.matching("are you still there?").length;
              if (asked > answered) lurker.write("\n");
              answered = asked;
            }, 10);
            try {
              await lurker.waitFor("*** no word from you in 0.5s: are you still there? send any line (or /ping)");
              await mallory.waitFor("*** no word from you in 0.5s: are you still there?");
              await mallory.waitFor("!!! no word from you in 1s: closing the connection");
              await until(() => mallory.closed, 3000, "the server to close the silent connection");
              await bob.waitFor("*** mallory left (timed out)");
              expect(lurker.closed).toBe(false);
              lurker.say("still here");
              await bob.waitFor("<lurker> still here");
            } finally {
              clearInterval(answering);
            }
            lurker.say("/quit");
          } else {
            // Over UDP a silent member is a vanished one: --udp-timeout removes it.
            await bob.waitFor("*** mallory left (timed out)", 5000);
          }

          // Limits: at most four members from one address here, two in all on a second server.
          const two = await Promise.all(["p", "q"].map((n) => scene.join(n)));
          scene.keepAlive(two, 100);
          await roomIs(alice, /^\*\*\* in the room \(4\): alice, bob, (p, q|q, p)$/);
          const refused = await scene.raw();
          if (!tcp) await udpKnock(refused);
          await refused.waitFor("!!! too many connections from your address (at most 4)");
          if (tcp) await until(() => refused.closed, 3000, "the refused connection to be closed");

          const small = await scene.start(["--max-clients", "2"]);
          await scene.join("carol", small);
          await scene.join("dave", small);
          const late = await scene.raw(small);
          if (!tcp) await udpKnock(late);
          await late.waitFor("!!! the room is full (2 members); try again later");
          if (tcp) await until(() => late.closed, 3000, "the refused connection to be closed");
          expect(small.alive()).toBe(true);
          await survived(scene);
        },
      ),
    SCENE_TIMEOUT_MS,
  );

  // Item 12 is about datagrams: UDP only.
  if (!tcp)
    test.concurrent(
      "12. UDP: empty, oversized and truncated datagrams; a client that vanished; heartbeats stopping",
      () =>
        withScene(transport, ["--udp-timeout", "0.6", "--max-line-bytes", "21000"], async (scene) => {
          const { alice, bob } = scene;
          // Empty datagrams are heartbeats: alice and bob send nothing else while they wait.
          scene.keepAlive([alice, bob], 100);
          const sam = await scene.join("sam"); // falls silent: its heartbeats stop
          const mallory = await scene.join("mallory");
          scene.keepAlive([mallory], 100);
          await bob.waitFor("*** sam left (timed out)", 5000);
          expect(bob.matching("mallory left")).toEqual([]);
          // Told once, in case a person is still there reading; no leave notice of anyone's.
          expect(sam.matching("left")).toEqual(["!!! no word from you in 0.6s: you left the room"]);

          // Oversized: over the line limit, and the largest datagram there is. The server sees every
          // byte of it (nothing truncated, so nothing of it relayed), and says so.
          mallory.write("o".repeat(21_001));
          await mallory.waitFor("!!! line too long (21001+ bytes; the limit is 21000)");
          mallory.write("o".repeat(65_507));
          await mallory.waitFor("!!! line too long (65507+ bytes; the limit is 21000)");
          // A line at the limit made only of bad bytes triples in size when relayed (each becomes
          // U+FFFD): it must still fit in one datagram, and must not cost its receivers their place.
          mallory.write(new Uint8Array(21_000).fill(0xff));
          await bob.waitFor("<mallory> \ufffd\ufffd\ufffd");
          expect(bob.lines.find((l) => l.startsWith("<mallory> \ufffd"))).toBe(`<mallory> ${"\ufffd".repeat(21_000)}`);
          // The server refuses a higher limit, where that could not be true any more.
          const tooHighArgs = ["--udp", "--port", "0", "--max-line-bytes", "21001"];
          // env given: Bun hands a child its parent's environment as it started, not process.env.
          const tooHigh = Bun.spawnSync([process.execPath, "src/server.ts", ...tooHighArgs], {
            cwd: `${import.meta.dir}/../..`,
            env: process.env,
          });
          expect(tooHigh.exitCode).not.toBe(0);
          expect(tooHigh.stderr.toString()).toContain("expected a whole number from 16 to 21000");

          // A client that vanished: sends to it draw "port unreachable", which must not cost the others.
          const ghost = await scene.join("ghost");
          await alice.waitFor("*** ghost joined");
          ghost.close();
          sendEach(
            alice,
            range(20).map((i) => `to the living ${i}`),
          );
          await bob.waitFor("<alice> to the living 19");
          expect(from(bob, "alice").filter((l) => l.startsWith("to the living"))).toHaveLength(20);
          await bob.waitFor(/^\*\*\* ghost left \((timed out|connection closed)\)$/, 5000);
          expect(bob.matching(/^\*\*\* (alice|bob|mallory) left/)).toEqual([]);
          await survived(scene);
        }),
      SCENE_TIMEOUT_MS,
    );

  if (!tcp)
    test.concurrent(
      "12. UDP: a crowd of clients that vanished at once: their 'port unreachable' errors cost the living no line",
      () =>
        withScene(
          transport,
          ["--no-flood-limit", "--max-per-address", "1000", "--summarize-above", "1000"],
          async (scene) => {
            const { alice, bob } = scene;
            // 150 members close their sockets without a word. Every line the room sends each of them
            // now draws an ICMP error, which the kernel queues on the server's socket, in the same
            // buffer as incoming datagrams (on loopback, without any rate limit).
            const ghosts: Client[] = [];
            for (const batch of range(6)) {
              ghosts.push(...(await Promise.all(range(25).map((i) => scene.join(`ghost${batch}x${i}`)))));
            }
            await alice.waitFor("*** ghost5x24 joined", 5000);
            ghosts.forEach((g) => g.close());
            // alice's paste fans out to the 150 ghosts (3,000 datagrams at once) while bob talks.
            const bobSays = range(60).map((i) => `bob talks ${i}`);
            alice.write(
              range(20)
                .map((i) => `paste ${i}`)
                .join("\n"),
            );
            for (const [i, line] of bobSays.entries()) {
              bob.say(line);
              if (i % 3 === 2) await Bun.sleep(2); // paced, as a person (or a program) talks
              if (i === 30)
                alice.write(
                  range(20)
                    .map((n) => `second paste ${n}`)
                    .join("\n"),
                );
            }
            // Wait for bob's last line; if it never comes, the comparison below names every line lost.
            await alice.waitFor("<bob> bob talks 59", 5000).catch(() => {});
            expect(from(alice, "bob").filter((l) => l.startsWith("bob talks"))).toEqual(bobSays);
            await bob.waitFor("<alice> second paste 19");
            expect(from(bob, "alice").filter((l) => l.includes("paste"))).toHaveLength(40);
            await survived(scene);
          },
        ),
      SCENE_TIMEOUT_MS,
    );

  if (!tcp)
    test.concurrent(
      "12. UDP: spoofed sources never get more than 3x the bytes sent in their name; loss, duplicates and reordering stay visible",
      () =>
        withScene(transport, [], async (scene) => {
          const { alice, bob } = scene;
          // A forged source address makes the server answer a victim that never asked. So an address
          // that has not joined gets at most 3× the bytes that arrived from it (QUIC's rule), and
          // nothing but the line to type to join (memcached reflection reached 10,000×).
          const strangers = await Promise.all(range(20).map(() => scene.raw()));
          const sent = strangers.map(() => 0);
          for (const [i, s] of strangers.entries()) {
            const payloads = ["/who", "/help", "x", "/join", "/join 00000000", "", "hello, anyone?"];
            payloads.push("/ping " + "p".repeat(i * 10));
            // Half of them send only one short datagram: "hi" (2 bytes, so 6 may be sent) pays for nothing.
            for (const p of i % 2 ? payloads : ["hi"]) {
              s.write(p);
              sent[i]! += encode(p).length;
            }
          }
          // Until both sides are quiet, the answer is not in: bob's chat is the clock.
          await stillChat(alice, bob, "meanwhile");
          for (const [i, s] of strangers.entries()) {
            const received = s.chunks.reduce((m, c) => m + c.length, 0);
            expect(received).toBeLessThanOrEqual(3 * sent[i]!);
            expect(s.lines.every((l) => parseChallenge(l) !== undefined)).toBe(true);
            // Told what to type as soon as a line paid for it; "hi" alone gets silence.
            expect(s.lines.length > 0).toBe(i % 2 === 1);
          }
          expect(from(bob, "guest")).toEqual([]);
          expect(bob.lines.filter((l) => l.includes("hello, anyone"))).toEqual([]);

          // UDP may lose, duplicate and reorder datagrams. The server hides none of it and repairs
          // none of it: it relays what arrives, in the order it arrives. A client that numbers its
          // lines (the soak test does) sees a gap, a repeat or a swap.
          const order = [1, 2, 3, 3, 5, 4, 6, 7, 9, 10]; // 3 twice, 4 and 5 swapped, 8 lost
          for (const n of order) alice.write(`seq ${n}`);
          await bob.waitFor("<alice> seq 10");
          expect(
            from(bob, "alice")
              .filter((l) => l.startsWith("seq "))
              .map((l) => Number(l.slice(4))),
          ).toEqual(order);
          await survived(scene);
        }),
      SCENE_TIMEOUT_MS,
    );

  test.concurrent(
    "13. shutdown: SIGINT and SIGTERM tell every client and exit 0; a restart does not fail with 'address in use'",
    () =>
      inTurn(async () => {
        const scene = new Scene(transport);
        try {
          const first = await scene.start(["--no-flood-limit", "--max-queue-bytes", String(32 << 20)]);
          const port = first.port;
          const alice = await scene.join("alice");
          const bob = await scene.join("bob");
          await alice.waitFor("*** bob joined");
          if (tcp) {
            // A client that never reads, with more waiting for it than the kernel can hold, cannot
            // hold the shutdown up: the server gives it a grace period, then cuts it.
            const mark = alice.lines.length;
            scene.child(`await Bun.connect({ hostname: "127.0.0.1", port: ${port}, socket: { data() {} } });
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);`);
            await alice.waitFor(/^\*\*\* guest\d+ joined$/, 3000, mark);
            const pad = "s".repeat(1000);
            for (let i = 0; i < 6000; i += 20) {
              sendEach(
                alice,
                range(20, i).map((n) => `${n} ${pad}`),
              );
              await bob.waitFor(`<alice> ${i + 19} `);
            }
          }
          first.proc.kill("SIGINT");
          for (const c of [alice, bob]) await c.waitFor("*** the server is shutting down");
          if (tcp) await until(() => alice.closed && bob.closed, 3000, "the server to close every connection");
          expect(await first.proc.exited).toBe(0);

          // At once, on the same port: no "address in use" (TCP or UDP).
          const second = await scene.start([], port);
          expect(second.port).toBe(port);
          const alice2 = await scene.join("alice", second);
          const bob2 = await scene.join("bob", second);
          await alice2.waitFor("*** bob joined");
          await stillChat(alice2, bob2, "restarted");
          second.proc.kill("SIGTERM");
          for (const c of [alice2, bob2]) await c.waitFor("*** the server is shutting down");
          expect(await second.proc.exited).toBe(0);
          expect(second.logs.join("\n")).not.toMatch(/in use|EADDRINUSE|error/i);
        } finally {
          await scene.cleanup();
        }
      }),
    SCENE_TIMEOUT_MS,
  );
});
