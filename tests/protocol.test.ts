import { describe, expect, test } from "bun:test";
import {
  challengeLine,
  checkNick,
  framesOfDatagram,
  LineDecoder,
  nickKey,
  OutLine,
  parseChallenge,
  heartbeatAnswer,
  heartbeatLine,
  parseHeartbeat,
  parseHeartbeatAnswer,
  parseCommand,
  parseServerLine,
  sanitize,
  type Frame,
} from "../src/protocol.ts";
import { MESSAGES } from "../src/i18n.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const lines = (frames: Frame[]) => frames.map((f) => (f.kind === "line" ? f.text : `<${f.kind}:${f.bytes}>`));

function decodeInPieces(bytes: Uint8Array, cuts: number[], options = {}): Frame[] {
  const d = new LineDecoder(options);
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    frames.push(...d.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return frames;
}

describe("LineDecoder", () => {
  const text = "héllo 世界 👋\r\nsecond line\n\nthird\n";
  const bytes = enc(text);
  const whole = lines(new LineDecoder().push(bytes));

  test("splits lines on \\n and drops the \\r of \\r\\n", () => {
    expect(whole).toEqual(["héllo 世界 👋", "second line", "", "third"]);
  });

  test("gives the same lines however the input is split in two, at every byte", () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(lines(decodeInPieces(bytes, [cut]))).toEqual(whole);
    }
  });

  test("gives the same lines when fed one byte at a time", () => {
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(lines(decodeInPieces(bytes, cuts))).toEqual(whole);
  });

  test("does not copy a caller's buffer it no longer needs, but keeps partial lines safe from reuse", () => {
    const d = new LineDecoder();
    const buf = enc("abc");
    d.push(buf);
    buf.fill(0x21); // the caller reuses its buffer
    expect(lines(d.push(enc("def\n")))).toEqual(["abcdef"]);
  });

  test("holds an unfinished line until its newline comes", () => {
    const d = new LineDecoder();
    expect(d.push(enc("no newline yet"))).toEqual([]);
    expect(d.pendingBytes).toBe(14);
    expect(lines(d.push(enc("!\n")))).toEqual(["no newline yet!"]);
    expect(d.pendingBytes).toBe(0);
  });

  test("treats a bare \\r as part of the line, not its end", () => {
    expect(lines(new LineDecoder().push(enc("a\rb\n")))).toEqual(["a\rb"]);
  });

  test("reports invalid UTF-8 and replaces it", () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe4, 0xb8]]) {
      const [frame] = new LineDecoder().push(new Uint8Array([0x61, ...bad, 0x0a]));
      expect(frame).toMatchObject({ kind: "line", invalidUtf8: true });
      expect((frame as { text: string }).text).toContain("\ufffd");
    }
    expect(new LineDecoder().push(enc("fine\n"))[0]).toMatchObject({ invalidUtf8: false });
  });

  test("accepts a line of exactly the limit, with or without \\r", () => {
    const d = new LineDecoder({ maxLineBytes: 8 });
    expect(lines(d.push(enc("12345678\n12345678\r\n")))).toEqual(["12345678", "12345678"]);
  });

  test("refuses a terminated line over the limit once, and goes on with the next", () => {
    for (const cut of [0, 3, 9, 10, 11]) {
      const frames = decodeInPieces(enc("123456789\nok\n"), [cut], { maxLineBytes: 8 });
      expect(frames.map((f) => f.kind)).toEqual(["too-long", "line"]);
      expect(lines(frames.slice(1))).toEqual(["ok"]);
    }
  });

  test("reports an overlong unterminated line as soon as it passes the limit", () => {
    const d = new LineDecoder({ maxLineBytes: 8, hardCapBytes: 100 });
    expect(d.push(enc("12345"))).toEqual([]);
    expect(d.push(enc("67890")).map((f) => f.kind)).toEqual(["too-long"]);
    expect(d.pendingBytes).toBe(0); // nothing of it is kept
    expect(d.push(enc("x".repeat(50)))).toEqual([]);
  });

  test("gives up with an overflow past the hard cap, naming the cap, and then ignores everything", () => {
    const d = new LineDecoder({ maxLineBytes: 8, hardCapBytes: 100 });
    // One read past the cap: only the overflow (a too-long right before the close would be noise).
    expect(d.push(enc("ok\n" + "x".repeat(200)))).toEqual([
      { kind: "line", text: "ok", invalidUtf8: false },
      { kind: "overflow", bytes: 100 },
    ]);
    expect(d.push(enc("\nhello\n"))).toEqual([]);
  });

  test("a line refused in one read, then past the cap in a later one: too-long, then the overflow", () => {
    const d = new LineDecoder({ maxLineBytes: 8, hardCapBytes: 100 });
    expect(d.push(enc("x".repeat(20))).map((f) => f.kind)).toEqual(["too-long"]);
    expect(d.push(enc("x".repeat(100)))).toEqual([{ kind: "overflow", bytes: 100 }]);
  });

  test("a too-long line ended in the same read stays reported when a later line overflows", () => {
    const d = new LineDecoder({ maxLineBytes: 8, hardCapBytes: 100 });
    expect(d.push(enc("x".repeat(20) + "\n" + "y".repeat(200))).map((f) => f.kind)).toEqual(["too-long", "overflow"]);
  });
});

describe("framesOfDatagram", () => {
  test("takes a datagram as one line, with or without its newline", () => {
    expect(lines(framesOfDatagram(enc("hello")))).toEqual(["hello"]);
    expect(lines(framesOfDatagram(enc("hello\n")))).toEqual(["hello"]);
    expect(lines(framesOfDatagram(enc("hello\r\n")))).toEqual(["hello"]);
  });

  test("takes several lines packed in one datagram", () => {
    expect(lines(framesOfDatagram(enc("a\nb\nc")))).toEqual(["a", "b", "c"]);
  });

  test("refuses a datagram over the limit", () => {
    expect(framesOfDatagram(enc("x".repeat(2000)), 1024).map((f) => f.kind)).toEqual(["too-long"]);
  });

  test("gives an empty line for an empty datagram (a heartbeat)", () => {
    expect(lines(framesOfDatagram(new Uint8Array(0)))).toEqual([]);
    expect(lines(framesOfDatagram(enc("\n")))).toEqual([""]);
  });
});

describe("sanitize", () => {
  test("leaves ordinary text, tabs and every script alone", () => {
    const text = "hello\tworld — 你好 مرحبا Zoë 👋";
    expect(sanitize(text)).toEqual({ text, changed: false });
  });

  test.each([
    ["ESC (CSI, OSC, OSC 52)", "\x1b[2J\x1b]0;t\x07", "\ufffd[2J\ufffd]0;t\ufffd"],
    ["BEL, BS, NUL, bare CR, DEL", "\x07\x08\x00\r\x7f", "\ufffd".repeat(5)],
    ["C1 controls", "\x9b31m\x85", "\ufffd31m\ufffd"],
    ["bidi overrides and isolates", "\u202e\u202a\u2066\u2069", "\ufffd".repeat(4)],
  ])("replaces %s", (_name, bad, replaced) => {
    expect(sanitize(`a${bad}b`)).toEqual({ text: `a${replaced}b`, changed: true });
  });
});

describe("parseCommand", () => {
  test.each([
    ["hello", { kind: "say", text: "hello" }],
    ["   ", { kind: "empty" }],
    ["//slash", { kind: "say", text: "/slash" }],
    ["/nick bob", { kind: "nick", name: "bob" }],
    ["/NICK  bob ", { kind: "nick", name: "bob" }],
    ["/nick", { kind: "usage", usage: "/nick NAME" }],
    ["/who", { kind: "who" }],
    ["/me waves hello", { kind: "me", text: "waves hello" }],
    ["/me", { kind: "usage", usage: "/me ACTION" }],
    ["/msg bob hi there", { kind: "msg", to: "bob", text: "hi there" }],
    ["/msg bob", { kind: "usage", usage: "/msg NICK TEXT" }],
    ["/msg bob    ", { kind: "usage", usage: "/msg NICK TEXT" }],
    ["/help", { kind: "help" }],
    ["/quit", { kind: "quit", reason: "" }],
    ["/quit see you", { kind: "quit", reason: "see you" }],
    ["/ping 7", { kind: "ping", token: "7" }],
    ["/join 0a1b2c3d", { kind: "join", arg: "0a1b2c3d" }],
    ["/dance", { kind: "unknown", name: "dance" }],
    ["/", { kind: "unknown", name: "" }],
  ])("parses %j", (line, command) => {
    expect(parseCommand(line)).toEqual(command as never);
  });
});

describe("nicknames", () => {
  test.each([
    "alice",
    "Bob_2",
    "x-y",
    "张三",
    "老李abc",
    "山田たろう",
    "タロウ2",
    "김철수kim",
    "ㄅㄆ王",
    "Zoë",
    "нина",
    "नमस्ते",
    "a234567890123456",
  ])("accepts %s", (nick) => {
    expect(checkNick(nick)).toEqual({ ok: true, nick });
  });

  test.each([
    ["", "empty"],
    ["   ", "empty"],
    ["a2345678901234567", "too-long"],
    ["bad nick", "bad-chars"],
    ["<bob>", "bad-chars"],
    ["\u0301accent", "bad-chars"],
    ["bob\x1b", "bad-chars"],
    ["bob\u202e", "bad-chars"],
    ["\u0430lice", "mixed-scripts"], // a Cyrillic а, then Latin: looks like alice
    ["pаypal", "mixed-scripts"],
    ["alicε", "mixed-scripts"], // a Greek ε
    ["김たろう", "mixed-scripts"], // Hangul with Hiragana: no one writes so
    ["张三нина", "mixed-scripts"],
  ])("refuses %j (%s)", (nick, problem) => {
    expect(checkNick(nick)).toEqual({ ok: false, problem: problem as never });
  });

  test("compares without regard to case", () => {
    expect(nickKey("Alice")).toBe(nickKey("ALICE"));
    expect(nickKey("Zoë")).toBe(nickKey("ZOË"));
  });
});

describe("server lines", () => {
  test.each([
    ["<alice> hi", { kind: "chat", nick: "alice", text: "hi" }],
    ["* alice waves", { kind: "action", nick: "alice", text: "waves" }],
    ["*alice* psst", { kind: "private", nick: "alice", text: "psst" }],
    ["-> *bob* psst", { kind: "private-sent", nick: "bob", text: "psst" }],
    ["*** bob joined", { kind: "notice", text: "bob joined" }],
    ["!!! no such nickname: x", { kind: "error", text: "no such nickname: x" }],
    ["plain", { kind: "other", text: "plain" }],
  ])("tells %j apart", (line, parsed) => {
    expect(parseServerLine(line)).toEqual(parsed as never);
  });

  test("encodes an outgoing line once, with its newline", () => {
    const line = new OutLine("héllo");
    expect(line.bytes).toBe(line.bytes);
    expect(new TextDecoder().decode(line.bytes)).toBe("héllo\n");
  });

  test("reads back the UDP join challenge it builds, and nothing else", () => {
    const hint = MESSAGES.en.joinHint;
    expect(parseChallenge(challengeLine("65d625df", hint)!)).toBe("65d625df");
    expect(parseChallenge(challengeLine("65d625df", hint)! + "\n")).toBe("65d625df");
    expect(parseChallenge("<alice> *** /join 65d625df")).toBeUndefined();
    expect(parseChallenge("*** /join alice")).toBeUndefined();
    expect(parseChallenge("*** pong /join 65d625df")).toBeUndefined();
    expect(parseChallenge("*** pong a: /join 65d625df")).toBeUndefined();
    expect(parseChallenge("*** alice left (: /join 65d625df)")).toBeUndefined();
    expect(parseChallenge("<alice> to join, type: /join 65d625df")).toBeUndefined();
  });

  test("reads the challenge's machine part without the catalogue: any sentence ending in a colon", () => {
    expect(parseChallenge("*** pour rejoindre, tapez : /join 65d625df")).toBe("65d625df");
    expect(parseChallenge("*** 加入请输入：/join 65d625df")).toBe("65d625df");
    expect(parseChallenge("*** to join /join 65d625df")).toBeUndefined();
  });

  test("tells a UDP newcomer the line to type, in the room's language, within 3x what it sent", () => {
    const bytes = (line: string) => new TextEncoder().encode(line + "\n").length;
    // Enough budget: the whole sentence, in either language, and it reads back.
    expect(challengeLine("65d625df", MESSAGES.en.joinHint)).toBe("*** to join, type: /join 65d625df");
    expect(challengeLine("65d625df", MESSAGES.zh.joinHint)).toBe("*** 加入请输入：/join 65d625df");
    for (const lang of ["en", "zh"] as const)
      expect(parseChallenge(challengeLine("65d625df", MESSAGES[lang].joinHint)!)).toBe("65d625df");
    // "hello" and its newline (6 bytes, so 18 may be sent): the bare line to type.
    expect(challengeLine("65d625df", MESSAGES.en.joinHint, 3 * 6)).toBe("/join 65d625df");
    expect(parseChallenge("/join 65d625df")).toBe("65d625df");
    // "/join 老李" and its newline (13 bytes: 39 may be sent): the sentence, in either language.
    expect(challengeLine("65d625df", MESSAGES.zh.joinHint, 3 * 13)).toBe("*** 加入请输入：/join 65d625df");
    // "hi" (3 bytes: 9 may be sent): nothing fits yet.
    expect(challengeLine("65d625df", MESSAGES.en.joinHint, 3 * 3)).toBeUndefined();
    for (const budget of [9, 15, 18, 33, 34, 36, 37, 39, 100]) {
      for (const lang of ["en", "zh"] as const) {
        const line = challengeLine("65d625df", MESSAGES[lang].joinHint, budget);
        if (line !== undefined) expect(bytes(line)).toBeLessThanOrEqual(budget);
      }
    }
  });

  test("builds and reads the heartbeat and its answer with the server's count", () => {
    expect(heartbeatLine(7)).toBe("/ping hb7");
    expect(parseHeartbeat("/ping hb7")).toBe(7);
    expect(parseHeartbeat("/ping hb")).toBeUndefined();
    expect(parseHeartbeat("/ping hello")).toBeUndefined();
    expect(heartbeatAnswer(7, 123)).toBe("*** pong hb7 123");
    expect(parseHeartbeatAnswer("*** pong hb7 123")).toEqual({ sentLines: 7, count: 123 });
    expect(parseHeartbeatAnswer("*** pong hb7")).toEqual({ sentLines: 7, count: undefined });
    expect(parseHeartbeatAnswer("<bob> *** pong hb7 123")).toBeUndefined();
  });
});
