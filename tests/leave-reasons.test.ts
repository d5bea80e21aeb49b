/**
 * A member's reason for leaving, as one server of a linked room worded it, is
 * told by every other server in its own language: the web members' reasons
 * (a frame not UTF-8, a frame too big, too slow to read) as much as TCP's.
 */
import { describe, expect, test } from "bun:test";
import { MESSAGES, WEB_MESSAGES, wordNotice, type Lang } from "../src/i18n.ts";

const left = (reason: string, lang: Lang) => wordNotice({ kind: "left", nick: "ann", reason }, MESSAGES[lang]);

describe("a leave reason from another server", () => {
  const cases: [string, (lang: Lang) => string][] = [
    ["a text frame that was not UTF-8", (lang) => WEB_MESSAGES[lang].reasonInvalidUtf8],
    ["a frame too big", (lang) => WEB_MESSAGES[lang].reasonFrameTooBig(16384)],
    ["too slow to read", (lang) => MESSAGES[lang].reasonTooSlow(262144)],
    ["connection reset", (lang) => MESSAGES[lang].reasonReset],
  ];
  test.each(cases)("%s, worded in English, is told in Chinese by a Chinese server, and back", (_what, reason) => {
    expect(left(reason("en"), "zh")).toBe(MESSAGES.zh.left("ann", reason("zh")));
    expect(left(reason("zh"), "en")).toBe(MESSAGES.en.left("ann", reason("en")));
    expect(left(reason("en"), "en")).toBe(MESSAGES.en.left("ann", reason("en")));
  });

  test("keeps its number: a frame over 16384 bytes stays 16384, not some other size", () => {
    expect(left(WEB_MESSAGES.en.reasonFrameTooBig(16384), "zh")).toContain("16384");
    expect(left(MESSAGES.zh.reasonTooSlow(77), "en")).toBe(MESSAGES.en.left("ann", MESSAGES.en.reasonTooSlow(77)));
  });

  test("a reason a person typed stays as typed, even one with a number in it", () => {
    expect(left("back in 5 minutes", "zh")).toBe(MESSAGES.zh.left("ann", "back in 5 minutes"));
  });
});
