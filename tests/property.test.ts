/**
 * Properties of the framing and the command parser, checked on seeded random
 * input (fast-check). Where tests/protocol.test.ts tries the cases we thought of,
 * these try hundreds we did not: any text, any bytes, cut into any chunks.
 *
 * A failure prints the seed and the path of the smallest failing input (fast-check
 * shrinks it first). To replay it:  FC_SEED=<seed> FC_PATH=<path> bun test tests/property.test.ts
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  checkNick,
  format,
  framesOfDatagram,
  LineDecoder,
  MAX_NICK_CHARS,
  nickKey,
  parseCommand,
  parseServerLine,
  sanitize,
  type Frame,
} from "../src/protocol.ts";

const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {};
const check = <T>(property: fc.IProperty<T> | fc.IAsyncProperty<T>, numRuns = 300) =>
  fc.assert(property, { numRuns, ...replay });

const encoder = new TextEncoder();
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A small limit, so that lines over it (and the hard cap, 16 × it) come up often. */
const LIMIT = 32;

/** What a frame means, without `bytes`: a too-long line is reported as soon as it is known, which depends on the chunking. */
type Meaning = { kind: Frame["kind"]; text?: string; invalidUtf8?: boolean };
const meaning = (frames: Frame[]): Meaning[] =>
  frames.map((f) =>
    f.kind === "line" ? { kind: f.kind, text: f.text, invalidUtf8: f.invalidUtf8 } : { kind: f.kind },
  );

function decodeWhole(bytes: Uint8Array, maxLineBytes = LIMIT): Frame[] {
  return new LineDecoder({ maxLineBytes }).push(bytes);
}

/**
 * Feeds `bytes` cut at `cuts` (any positions, any order, repeats allowed: empty chunks
 * too), through ONE buffer that is scribbled over after each push, as a socket reuses
 * its read buffer: the decoder must copy what it keeps.
 */
function decodeChunked(bytes: Uint8Array, cuts: number[], maxLineBytes = LIMIT): { frames: Frame[]; held: number[] } {
  const decoder = new LineDecoder({ maxLineBytes });
  const frames: Frame[] = [];
  const held: number[] = [];
  const buffer = new Uint8Array(bytes.length);
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    buffer.set(bytes.subarray(at, cut));
    frames.push(...decoder.push(buffer.subarray(0, cut - at)));
    buffer.fill(0x2a);
    held.push(decoder.pendingBytes);
    at = cut;
  }
  return { frames, held };
}

const startsLikeTls = (bytes: Uint8Array) =>
  bytes.length >= 3 && bytes[0] === 0x16 && bytes[1] === 0x03 && bytes[2]! <= 4;

/** The decoder's specification in a few lines, for a whole input at once (docs/PROTOCOL.md, Lines). */
function model(bytes: Uint8Array, limit = LIMIT): Meaning[] {
  if (startsLikeTls(bytes)) return [{ kind: "not-chat" }];
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
    pieces.push(bytes.subarray(start, nl));
    start = nl + 1;
  }
  const out: Meaning[] = pieces.map((piece): Meaning => {
    const line = piece.at(-1) === 0x0d ? piece.subarray(0, -1) : piece;
    if (line.length > limit) return { kind: "too-long" };
    const text = new TextDecoder().decode(line);
    let valid = true;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(line);
    } catch {
      valid = false;
    }
    return { kind: "line", text, invalidUtf8: !valid };
  });
  const unfinished = bytes.length - start; // held, not yet a line; past the limit it is refused at once
  // Past the hard cap only the overflow: a too-long right before the close is left out.
  if (unfinished > limit * 16) out.push({ kind: "overflow" });
  else if (unfinished > limit + 1) out.push({ kind: "too-long" });
  return out;
}

/** Text of one line: any code point but the newline. */
const lineText = (maxLength: number) => fc.string({ unit: "binary", maxLength }).map((s) => s.replaceAll("\n", " "));
/** Lines of valid UTF-8, each ended by \n or \r\n, and no line longer than the hard cap. */
const validStream = fc.array(fc.tuple(lineText(LIMIT * 2), fc.boolean()), { maxLength: 12 }).map((lines) => ({
  lines: lines.map(([text]) => text),
  bytes: encoder.encode(lines.map(([text, crlf]) => text + (crlf ? "\r\n" : "\n")).join("")),
}));
/** Any bytes, with newlines, CRs and pieces of multibyte characters among them; lines of every length, up to a few times the limit. */
const anyBytes = fc
  .tuple(
    fc.array(
      fc.oneof(
        { arbitrary: fc.constant(0x0a), weight: 1 },
        { arbitrary: fc.constant(0x0d), weight: 1 },
        {
          arbitrary: fc.constantFrom(
            0xe5,
            0xa5,
            0xbd,
            0xf0,
            0x9f,
            0x91,
            0x8b,
            0xff,
            0xc0,
            0x80,
            0xed,
            0xa0,
            0x00,
            0x1b,
          ),
          weight: 4,
        },
        { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 10 },
      ),
      { maxLength: LIMIT * 12 },
    ),
    fc.boolean(), // now and then, the start of a TLS handshake
  )
  .map(([a, tls]) => new Uint8Array(tls && a.length % 4 === 0 ? [0x16, 0x03, 0x01, ...a] : a));
/** Lines of about the limit's length, ended or not: where off-by-one mistakes live. */
const nearLimit = fc
  .array(fc.tuple(fc.integer({ min: LIMIT - 2, max: LIMIT + 3 }), fc.constantFrom("", "\n", "\r\n", "\r")), {
    minLength: 1,
    maxLength: 6,
  })
  .map((pieces) => encoder.encode(pieces.map(([n, end]) => "x".repeat(n) + end).join("")));
const cutsOf = fc.array(fc.nat(), { maxLength: 40 });

describe("LineDecoder (properties)", () => {
  test("any chunking of valid UTF-8 lines decodes exactly as the unchunked input", () => {
    check(
      fc.property(validStream, cutsOf, ({ bytes }, cuts) => {
        expect(meaning(decodeChunked(bytes, cuts).frames)).toEqual(meaning(decodeWhole(bytes)));
      }),
    );
  });

  test("any chunking of any bytes decodes exactly as the unchunked input, while no line passes the hard cap", () => {
    check(
      fc.property(anyBytes, cutsOf, (bytes, cuts) => {
        const whole = decodeWhole(bytes);
        fc.pre(!whole.some((f) => f.kind === "overflow"));
        const longest = Math.max(
          0,
          ...new TextDecoder("latin1")
            .decode(bytes)
            .split("\n")
            .map((l) => l.length),
        );
        fc.pre(longest <= LIMIT * 16); // past the hard cap a stream cannot wait for a newline that may never come
        expect(meaning(decodeChunked(bytes, cuts).frames)).toEqual(meaning(whole));
      }),
    );
  });

  test("gives back every valid UTF-8 line that fits, intact, and refuses every line that does not", () => {
    check(
      fc.property(validStream, ({ lines, bytes }) => {
        fc.pre(lines.every((l) => !l.endsWith("\r")) && !startsLikeTls(bytes)); // a \r before the newline is dropped
        const expected = lines.map((l): Meaning =>
          encoder.encode(l).length > LIMIT ? { kind: "too-long" } : { kind: "line", text: l, invalidUtf8: false },
        );
        expect(meaning(decodeWhole(bytes))).toEqual(expected);
      }),
    );
  });

  test("decodes any bytes as the simplest model does: split at each newline, drop one CR, refuse past the limit, decode as UTF-8", () => {
    check(
      fc.property(anyBytes, (bytes) => {
        expect(meaning(decodeWhole(bytes))).toEqual(model(bytes));
      }),
      500,
    );
  });

  test("never holds more than the line limit (plus a CR), whatever it is fed", () => {
    check(
      fc.property(fc.oneof(anyBytes, nearLimit), cutsOf, (bytes, cuts) => {
        for (const held of decodeChunked(bytes, cuts).held) expect(held).toBeLessThanOrEqual(LIMIT + 1);
      }),
    );
  });
});

describe("framesOfDatagram (properties)", () => {
  test("a datagram decodes the same with or without its final newline, and never overflows", () => {
    check(
      fc.property(anyBytes, (bytes) => {
        fc.pre(bytes.length > 0); // an empty datagram is a heartbeat: no line at all
        const frames = framesOfDatagram(bytes, LIMIT);
        expect(frames.some((f) => f.kind === "overflow")).toBe(false);
        if (bytes.at(-1) !== 0x0a) {
          const withNewline = new Uint8Array([...bytes, 0x0a]);
          expect(meaning(framesOfDatagram(withNewline, LIMIT))).toEqual(meaning(frames));
        }
      }),
    );
  });
});

describe("sanitize (properties)", () => {
  test("its output never holds a character that could steer a terminal, and it changes nothing else", () => {
    // Any code point, with the C0, C1 and bidi neighbourhoods much more likely than chance would make them.
    const unit = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 0xa0 }).map((c) => String.fromCharCode(c)), weight: 2 },
      { arbitrary: fc.integer({ min: 0x2028, max: 0x206f }).map((c) => String.fromCharCode(c)), weight: 1 },
      { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 3 },
    );
    check(
      fc.property(fc.string({ unit, maxLength: 200 }), (text) => {
        const out = sanitize(text);
        expect(UNSAFE.test(out.text)).toBe(false);
        expect(out.changed).toBe(UNSAFE.test(text));
        expect(out.text.length).toBe(text.length); // one for one
        for (let i = 0; i < text.length; i++) if (out.text[i] !== text[i]) expect(out.text[i]).toBe("\ufffd");
        expect(sanitize(out.text)).toEqual({ text: out.text, changed: false }); // idempotent
      }),
      500,
    );
  });
});

/** A nickname the server accepts. */
const nick = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,15}$/);
/** Text of a message as a person types it: no newline, not blank, no space at either end. */
const text = fc
  .string({ unit: "binary", minLength: 1, maxLength: 80 })
  .map((s) => s.replace(/\n/g, " ").trim())
  .filter((s) => s !== "");

describe("parseCommand (properties)", () => {
  test("never throws, on any line at all", () => {
    check(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 100 }),
          fc.string({ unit: "binary", maxLength: 100 }).map((s) => "/" + s),
        ),
        (line) => {
          const command = parseCommand(line);
          expect(typeof command.kind).toBe("string");
        },
      ),
      1000,
    );
  });

  test("a line that does not start with / is said as it is", () => {
    check(
      fc.property(
        text.filter((t) => !t.startsWith("/")),
        (t) => {
          expect(parseCommand(t)).toEqual({ kind: "say", text: t });
        },
      ),
    );
  });

  test("//text says /text", () => {
    check(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (t) => {
        expect(parseCommand("//" + t)).toEqual({ kind: "say", text: "/" + t });
      }),
    );
  });

  test("the documented forms round-trip, in any case", () => {
    const upper = fc.boolean();
    const name = (word: string, shout: boolean) => (shout ? word.toUpperCase() : word);
    check(
      fc.property(nick, text, upper, (n, t, shout) => {
        expect(parseCommand(`/${name("nick", shout)} ${n}`)).toEqual({ kind: "nick", name: n });
        expect(parseCommand(`/${name("me", shout)} ${t}`)).toEqual({ kind: "me", text: t });
        expect(parseCommand(`/${name("msg", shout)} ${n} ${t}`)).toEqual({ kind: "msg", to: n, text: t });
        expect(parseCommand(`/${name("quit", shout)} ${t}`)).toEqual({ kind: "quit", reason: t });
        expect(parseCommand(`/${name("ping", shout)} ${t}`)).toEqual({ kind: "ping", token: t });
        expect(parseCommand(`/${name("who", shout)}`)).toEqual({ kind: "who" });
        expect(parseCommand(`/${name("help", shout)}`)).toEqual({ kind: "help" });
      }),
    );
  });
});

describe("nicknames and server lines (properties)", () => {
  test("checkNick never throws, and what it accepts is 1-16 letters, digits, _ and -, with nothing unsafe", () => {
    check(
      fc.property(fc.string({ unit: "binary", maxLength: 24 }), (requested) => {
        const checked = checkNick(requested);
        if (!checked.ok) return;
        expect([...checked.nick].length).toBeGreaterThanOrEqual(1);
        expect([...checked.nick].length).toBeLessThanOrEqual(MAX_NICK_CHARS);
        expect(sanitize(checked.nick).changed).toBe(false);
        expect(/\s/.test(checked.nick)).toBe(false);
        expect(nickKey(nickKey(checked.nick))).toBe(nickKey(checked.nick));
      }),
      1000,
    );
  });

  test("a nick mixing Latin with Cyrillic or Greek letters is refused; Latin with Chinese is not", () => {
    const latin = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCXYZéü");
    const lookalike = fc.constantFrom(..."аеорсухіАВЕКМНОРСТХαεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ");
    const han = fc.constantFrom(..."张三老李王小明中文");
    const common = fc.constantFrom(..."0123456789_-");
    const word = (...units: fc.Arbitrary<string>[]) =>
      fc.array(fc.oneof(...units), { minLength: 1, maxLength: 5 }).map((a) => a.join(""));
    check(
      fc.property(word(latin, common), word(lookalike), word(latin, common), (before, foreign, after) => {
        const nick = (before + foreign + after).slice(0, MAX_NICK_CHARS);
        fc.pre(/\p{sc=Latn}/u.test(nick) && /[\p{sc=Cyrl}\p{sc=Grek}]/u.test(nick));
        expect(checkNick(nick)).toEqual({ ok: false, problem: "mixed-scripts" });
      }),
    );
    check(
      fc.property(word(latin, han, common), (nick) => {
        fc.pre(/^[\p{L}\p{Nd}_-]/u.test(nick) && [...nick].length <= MAX_NICK_CHARS);
        expect(checkNick(nick)).toEqual({ ok: true, nick });
      }),
    );
  });

  test("a client tells every kind of server line apart, whatever the text", () => {
    check(
      fc.property(
        nick,
        fc.string({ unit: "binary", maxLength: 80 }).map((s) => s.replaceAll("\n", " ")),
        (n, t) => {
          expect(parseServerLine(format.chat(n, t))).toEqual({ kind: "chat", nick: n, text: t });
          expect(parseServerLine(format.privateReceived(n, t))).toEqual({ kind: "private", nick: n, text: t });
          expect(parseServerLine(format.privateSent(n, t))).toEqual({ kind: "private-sent", nick: n, text: t });
          expect(parseServerLine(format.notice(t))).toEqual({ kind: "notice", text: t });
          expect(parseServerLine(format.error(t))).toEqual({ kind: "error", text: t });
        },
      ),
    );
  });
});
