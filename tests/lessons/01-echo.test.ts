/**
 * Lesson 01, the echo server, checked from the outside over TCP and UDP.
 * Grade another program with LESSON_01_CMD="python3 my_echo.py" (see harness.ts).
 *
 * Format-tolerant: a reply only has to END with the line that was sent (the
 * article puts "[ctime] " in front). Strict on behaviour: framing, several
 * clients, clients that vanish, a clean exit.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Session, TRANSPORTS, pause, type Peer, type Transport } from "./harness.ts";

let s: Session;
beforeEach(() => {
  s = new Session();
});
afterEach(() => s.close());

/** Wait for `c` to get a reply ending with `text`; return it. */
const replyTo = (c: Peer, text: string) =>
  s.until(() => c.lines().find((line) => line.endsWith(text)), `${c.name} gets a reply ending with ${JSON.stringify(text)}`);

/** A time like 03:45:00 somewhere before the last word of the reply. */
const hasTimeBeforeText = (reply: string) => /\d{1,2}:\d{2}:\d{2}.*\S+$/.test(reply);

async function echoAndClient(transport: Transport, name = "alice") {
  const echo = await s.start("01", transport);
  return { echo, c: await s.connect(transport, echo.port, name) };
}

describe.each(TRANSPORTS)("lesson 01 echo server over %s", (transport) => {
  test("answers a line with a reply that ends with that line", async () => {
    const { c } = await echoAndClient(transport);
    c.sendLine("hello, echo");
    await replyTo(c, "hello, echo");
  });

  test("puts the time in front of the echoed line, as the article's [ctime] does", async () => {
    const { c } = await echoAndClient(transport);
    c.sendLine("what time is it");
    const reply = await replyTo(c, "what time is it");
    s.check(hasTimeBeforeText(reply), `expected a time like 03:45:00 before the text, got ${JSON.stringify(reply)}`);
  });

  test("echoes UTF-8 text unchanged", async () => {
    const { c } = await echoAndClient(transport);
    c.sendLine("你好, wörld 🎉");
    await replyTo(c, "你好, wörld 🎉");
  });

  test("answers several clients at once, each with its own reply only", async () => {
    const echo = await s.start("01", transport);
    const clients = await Promise.all(["ann", "bo", "cy", "di"].map((name) => s.connect(transport, echo.port, name)));
    for (const c of clients) c.sendLine(`I am ${c.name}`);
    for (const c of clients) await replyTo(c, `I am ${c.name}`);
    for (const c of clients) {
      const foreign = c.lines().filter((line) => !line.endsWith(`I am ${c.name}`));
      s.check(foreign.length === 0, `${c.name} got replies meant for others: ${JSON.stringify(foreign)}`);
    }
  });

  test("keeps answering others after a client leaves without waiting for its reply", async () => {
    const echo = await s.start("01", transport);
    const quitter = await s.connect(transport, echo.port, "quitter");
    // TCP: half a line, then gone. UDP: a datagram, and the socket closes before
    // the reply arrives, so the server's reply bounces (ICMP port unreachable).
    quitter.send(transport === "tcp" ? "never finish" : "gone before you answer\n");
    quitter.close();
    const c = await s.connect(transport, echo.port, "stayer");
    for (const text of ["still there?", "and now?"]) {
      c.sendLine(text);
      await replyTo(c, text);
    }
  });

  test("stops with exit code 0 on SIGTERM", async () => {
    const { echo } = await echoAndClient(transport);
    const exit = await echo.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

describe("lesson 01 over tcp: a stream has no message boundaries", () => {
  test("joins a line split across two writes, even inside a multibyte character", async () => {
    const { c } = await echoAndClient("tcp");
    const bytes = new TextEncoder().encode("split 你好 here\n");
    const cut = "split ".length + 1; // one byte into the three bytes of 你
    c.send(bytes.subarray(0, cut));
    await pause(50); // a gap, so the server's first read returns only the first part
    c.send(bytes.subarray(cut));
    await replyTo(c, "split 你好 here");
    s.check(c.lines().length === 1, `expected exactly one reply, got ${JSON.stringify(c.lines())}`);
  });

  test("answers each of two lines that arrive in one write", async () => {
    const { c } = await echoAndClient("tcp");
    c.send("first\nsecond\n");
    await replyTo(c, "second");
    const lines = c.lines();
    s.check(lines.length === 2 && lines[0]!.endsWith("first"), `expected two replies, "first" then "second": ${JSON.stringify(lines)}`);
    // Each line gets a reply of its own, time and all: not one reply wrapped around both.
    s.check(lines.every(hasTimeBeforeText), `each reply should start with the time: ${JSON.stringify(lines)}`);
  });

  test("accepts lines that end in \\r\\n, as telnet and nc -C send them", async () => {
    const { c } = await echoAndClient("tcp");
    c.send("one\r\ntwo\r\n");
    await replyTo(c, "two");
    const raw = c.text();
    s.check(!raw.includes("\r\r"), `a "\\r" was kept and doubled: ${JSON.stringify(raw)}`);
  });
});

describe("lesson 01 over udp: one datagram is one message", () => {
  test("answers a datagram that has no newline at all", async () => {
    const { c } = await echoAndClient("udp");
    c.send("no newline here");
    await replyTo(c, "no newline here");
  });

  test("answers two datagrams sent back to back with two replies", async () => {
    const { c } = await echoAndClient("udp");
    c.send("one");
    c.send("two");
    await replyTo(c, "one");
    await replyTo(c, "two");
  });

  test("sends each reply back to the address the datagram came from", async () => {
    const echo = await s.start("01", "udp");
    const a = await s.connect("udp", echo.port, "a");
    const b = await s.connect("udp", echo.port, "b");
    b.sendLine("for b");
    a.sendLine("for a");
    await replyTo(a, "for a");
    await replyTo(b, "for b");
    s.check(!a.text().includes("for b") && !b.text().includes("for a"), "a reply went to the wrong address");
  });
});
