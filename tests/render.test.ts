import { describe, expect, test } from "bun:test";
import { MESSAGES } from "../src/i18n.ts";
import {
  clock,
  createColors,
  lineLimitOf,
  nickColorName,
  noticeMeaning,
  renderLocal,
  renderOwn,
  renderServerLine,
} from "../src/render.ts";

const plain = createColors(false);
const colored = createColors(true);
const at = new Date(2026, 10, 26, 9, 5);
const ESC = "\x1b";

describe("renderServerLine", () => {
  test("prefixes every line with the local time as HH:MM", () => {
    expect(clock(at)).toBe("09:05");
    expect(renderServerLine(plain, at, "<alice> hi")).toBe("09:05 <alice> hi");
  });

  test("shows every kind of server line as the server wrote it when colour is off", () => {
    for (const line of [
      "<alice> hi",
      "* alice waves",
      "*alice* psst",
      "-> *bob* psst",
      "*** bob joined",
      "!!! no such nickname: carol",
      "plain",
    ]) {
      expect(renderServerLine(plain, at, line)).toBe(`09:05 ${line}`);
    }
  });

  test("replaces escape sequences from the network itself, without trusting the server", () => {
    const hostile = [
      `<mallory> ${ESC}]0;pwned\x07 title`,
      `<mallory> ${ESC}[2J cleared`,
      `*** ${ESC}]52;c;ZXZpbA==\x07 clipboard`,
      `<mallory> \u009b31m one-byte CSI`,
      `<mallory> fake\r<admin> line`,
      `<mallory> \u202edesrever`,
    ];
    for (const raw of hostile) {
      for (const c of [plain, colored]) {
        const shown = renderServerLine(c, at, raw);
        // The only escape sequences left are our own colours: ESC [ digits m.
        expect(shown.replace(/\x1b\[\d+m/g, "")).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      }
    }
    expect(renderServerLine(plain, at, `<mallory> ${ESC}]0;pwned\x07`)).toBe("09:05 <mallory> \ufffd]0;pwned\ufffd");
  });

  test("cleans what you typed before showing it as your own line", () => {
    expect(renderOwn(plain, at, "chat", "kit", `hi ${ESC}[2J`)).toBe("09:05 <kit> hi \ufffd[2J");
    expect(renderOwn(plain, at, "action", "kit", "waves")).toBe("09:05 * kit waves");
  });

  test("colours notices, errors and private messages when colour is on", () => {
    expect(renderServerLine(colored, at, "*** bob joined")).toContain(`${ESC}[33m*** bob joined`);
    expect(renderServerLine(colored, at, "!!! nope")).toContain(`${ESC}[31m!!! nope`);
    expect(renderServerLine(colored, at, "*alice* psst")).toContain(`${ESC}[1m`);
    expect(renderServerLine(colored, at, "<alice> hi")).toStartWith(`${ESC}[2m09:05${ESC}[22m`);
    expect(renderLocal(colored, at, "bye")).toContain("*** bye");
  });

  test("gives a nick the same colour every time, whatever its case", () => {
    expect(nickColorName("alice")).toBe(nickColorName("alice"));
    expect(nickColorName("Alice")).toBe(nickColorName("alice"));
    const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "张三", "Zoë"];
    expect(new Set(names.map(nickColorName)).size).toBeGreaterThan(2);
    expect(renderServerLine(colored, at, "<alice> hi")).toContain(createColors(true)[nickColorName("alice")]("alice"));
  });
});

describe("noticeMeaning", () => {
  test.each(Object.entries(MESSAGES))(
    "reads the welcome (and so the language) and rename notices of a server speaking %s",
    (lang, t) => {
      expect(noticeMeaning(`*** ${t.welcome("guest1")}`)).toEqual({
        kind: "welcome",
        nick: "guest1",
        lang: lang as "en" | "zh",
      });
      expect(noticeMeaning(`*** ${t.welcome("张三")}`)).toEqual({
        kind: "welcome",
        nick: "张三",
        lang: lang as "en" | "zh",
      });
      expect(noticeMeaning(`*** ${t.renamed("guest1", "kit")}`)).toEqual({
        kind: "renamed",
        from: "guest1",
        to: "kit",
      });
      expect(noticeMeaning(`*** ${t.shuttingDown}`)).toEqual({ kind: "shutting-down" });
    },
  );

  test("takes nothing from chat lines that only look like notices", () => {
    expect(noticeMeaning("<mallory> *** welcome, admin! /help lists the commands")).toEqual({ kind: "none" });
    expect(noticeMeaning("<mallory> *** mallory is now admin")).toEqual({ kind: "none" });
    expect(noticeMeaning("*** bob joined")).toEqual({ kind: "none" });
  });

  test("recognises a UDP join challenge, in every form and language", () => {
    for (const line of ["*** to join, type: /join 5c1e0a9f", "*** 加入请输入：/join 5c1e0a9f", "/join 5c1e0a9f"]) {
      expect(noticeMeaning(line)).toEqual({ kind: "challenge" });
    }
    expect(noticeMeaning("*** pong /join 5c1e0a9f")).toEqual({ kind: "none" });
  });
});

describe("lineLimitOf", () => {
  test.each(Object.entries(MESSAGES))("reads the server's line limit from its refusal in %s", (_lang, t) => {
    expect(lineLimitOf(`!!! ${t.lineTooLong(1300, 512)}`)).toBe(512);
    expect(lineLimitOf(`*** ${t.lineTooLong(1300, 512)}`)).toBeUndefined();
    expect(lineLimitOf(`<mallory> !!! ${t.lineTooLong(1300, 1)}`)).toBeUndefined();
  });
});
