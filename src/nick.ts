/**
 * Nicknames, pure: what a nick may be, and when two are the same person's.
 * docs/PROTOCOL.md (Nicknames) is the rule; docs/SECURITY.md (Impersonation)
 * says what it stops and what it cannot.
 */
import CONFUSABLES from "unhomoglyph/data.json";

/** Nicknames are 1..MAX_NICK_CHARS characters. */
export const MAX_NICK_CHARS = 16;

const NICK = /^[\p{L}\p{Nd}_-][\p{L}\p{M}\p{Nd}_-]*$/u;

/** Characters that show nothing (Hangul fillers, variation selectors): a nick of them would look empty, or like another. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

export type NickProblem = "empty" | "too-long" | "bad-chars" | "mixed-scripts";

/** Checks a requested nickname; returns the name to use (NFC) or what is wrong with it. */
export function checkNick(requested: string): { ok: true; nick: string } | { ok: false; problem: NickProblem } {
  const nick = requested.trim().normalize("NFC");
  if (nick === "") return { ok: false, problem: "empty" };
  if ([...nick].length > MAX_NICK_CHARS) return { ok: false, problem: "too-long" };
  if (!NICK.test(nick) || INVISIBLE.test(nick)) return { ok: false, problem: "bad-chars" };
  // Compatibility forms count as what they stand for: `𝚩ob` is a Greek Β beside Latin letters.
  if (!oneScript(nick.normalize("NFKC"))) return { ok: false, problem: "mixed-scripts" };
  return { ok: true, nick };
}

/**
 * Two nicks are the same person's when their keys are equal: when a person
 * could take one for the other. The key is what the nick looks like, not a name
 * to show (`m` becomes `rn`): members keep the nick they typed.
 *
 * - compatibility forms count as their letter (NFKC): `ａlice` (fullwidth) is `alice`;
 * - case does not count (Unicode's full case folding): `ALICE`, `STRASSE` and `straße`;
 * - look-alikes are one (Unicode's confusables, UTS #39's skeleton), looked at
 *   in capitals and in small letters: `alıce` (dotless i), `аре` (all Cyrillic)
 *   beside `ape`, `ΒΕΝ` (all Greek) beside `ben`, `Ivan` beside `lvan`;
 * - small capitals count as their letter: `ᴀlice` (see borrowCase).
 *
 * Each step can make work for another (`ꭺ` looks like `ᴀ`, a small `A`, whose
 * case is `a`), so they are repeated until nothing changes: a key is its own key.
 */
export function nickKey(nick: string): string {
  let key = nick;
  for (let round = 0; round < 8; round++) {
    const next = lookRound(key);
    if (next === key) break;
    key = next;
  }
  return key.normalize("NFC").replace(DIGIT_LOOKS, (c) => (c === "l" ? "1" : "0"));
}

/**
 * In a key, the letters that look like `1` and `0` (`l`, `I`, `i`; `o`, `O`) are
 * written as those digits: the same comparison, but a guest nick (`guest10`) is
 * then its own key, as it was when keys were only lower case; the hub counts on it.
 */
const DIGIT_LOOKS = /[lo]/g;

// ---------------------------------------------------------------------------
// What a nick looks like: compatibility forms, case, confusables.
// ---------------------------------------------------------------------------

/** One round of nickKey, in NFD (so that `é` and `e` + accent are one). */
function lookRound(text: string): string {
  // Unicode's "compatibility caseless match" (D146): NFKD(fold(NFKD(fold(NFD(x))))).
  const caseless = fold(fold(text.normalize("NFD")).normalize("NFKD")).normalize("NFKD");
  // The confusables are in both cases (`Β` looks like `B`, `а` like `a`): so the
  // nick is looked at in capitals, then in small letters. The price: `I` looks
  // like `l`, so `i`, `I`, `l` (and `1`) are one letter here, as `0`, `O`, `o` are.
  return skeleton(fold(skeleton(caseless.toUpperCase())));
}

/** UTS #39's skeleton: each character replaced by what it looks like; invisible ones dropped. */
function skeleton(text: string): string {
  let looks = "";
  for (const char of text.normalize("NFD")) {
    if (!INVISIBLE.test(char)) looks += lookalikes().get(char) ?? char;
  }
  return looks.normalize("NFD");
}

/** Unicode's Cherokee letters fold to their capitals (CaseFolding.txt), not to the small ones. */
const CHEROKEE = /\p{sc=Cher}/gu;

/**
 * Unicode's full case folding (CaseFolding.txt, C + F), from JavaScript's own
 * case mappings: `ß`, `ẞ` and `SS` give `ss`, `ǅ` gives `ǆ`, `ς` and `Σ` give
 * `σ` (toLowerCase alone keeps `ß` and `ς`, and makes a final `Σ` a `ς`). The
 * one difference: dotless `ı` becomes `i`, as the confusables have it anyway.
 */
function fold(text: string): string {
  return text
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .replaceAll("ς", "σ")
    .replace(CHEROKEE, (c) => c.toUpperCase());
}

let table: Map<string, string> | undefined;

/**
 * Unicode's confusables (confusables.txt, UTS #39), one character to what it
 * looks like: `а` (Cyrillic) to `a`, `ı` to `i`, `m` to `rn`. From the npm
 * package unhomoglyph (Unicode 13.0 data, 6,311 characters), with the case
 * borrowCase finds. Built at the first nick (about 20 ms).
 */
function lookalikes(): Map<string, string> {
  return (table ??= borrowCase(new Map(Object.entries(CONFUSABLES as Record<string, string>))));
}

const LETTER = /^\p{L}$/u;
const hasCase = (c: string) => c.toUpperCase() !== c || c.toLowerCase() !== c;

/**
 * Small capitals have no case: neither folding nor the confusables take `ᴀ` to
 * `a` (in the data `ᴀ` is only what others look like). Unicode's data links them
 * all the same: the Cherokee `ꭺ` looks like `ᴀ`, and its capital `Ꭺ` looks like
 * `A`; so, case aside, `ᴀ` is an `A`. A caseless letter takes the case such pairs
 * give it when they all give one letter of its own script: `ᴀ`, `ʙ`, `ᴅ`, `ᴇ`,
 * `ɢ`, `ʜ`, `ᴊ`, `ʟ`, `ᴘ`, `ᴛ`, `ĸ` get theirs this way. Returns `looks` with them.
 */
function borrowCase(looks: Map<string, string>): Map<string, string> {
  const found = new Map<string, Set<string>>();
  for (const [source, prototype] of looks) {
    if (!LETTER.test(prototype) || hasCase(prototype)) continue;
    for (const other of [source.toUpperCase(), source.toLowerCase()]) {
      if (other === source || !LETTER.test(other)) continue;
      const look = looks.get(other) ?? other;
      if (look === prototype || !LETTER.test(look) || scriptOf(look) !== scriptOf(prototype)) continue;
      found.set(prototype, (found.get(prototype) ?? new Set()).add(look));
    }
  }
  for (const [prototype, letters] of found) if (letters.size === 1) looks.set(prototype, [...letters][0]!);
  return looks;
}

// ---------------------------------------------------------------------------
// Scripts: `аlice` (a Cyrillic а) must not sit beside `alice`.
// ---------------------------------------------------------------------------

/**
 * The scripts of Unicode (ISO 15924 codes), but Common and Inherited: a letter
 * in none of these (a script newer than this list) counts as a script of its own.
 */
const SCRIPTS = (
  "Adlm Ahom Hluw Arab Armn Avst Bali Bamu Bass Batk Beng Bhks Bopo Brah Brai Bugi Buhd Cans Cari Aghb Cakm Cham " +
  "Cher Chrs Copt Xsux Cprt Cpmn Cyrl Dsrt Deva Diak Dogr Dupl Egyp Elba Elym Ethi Geor Glag Goth Gran Grek Gujr " +
  "Gong Guru Hani Hang Rohg Hano Hatr Hebr Hira Armi Phli Prti Java Kthi Knda Kana Kali Khar Kits Khmr Khoj Sind " +
  "Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mlym Mand Mani Marc Gonm Medf Mtei Mend Merc Mero Plrd " +
  "Modi Mong Mroo Mult Mymr Nbat Nand Talu Newa Nkoo Nshu Hmnp Ogam Olck Hung Ital Narb Perm Xpeo Sogo Sarb Orkh " +
  "Ougr Orya Osge Osma Hmng Palm Pauc Phag Phnx Phlp Rjng Runr Samr Saur Shrd Shaw Sidd Sgnw Sinh Sogd Sora Soyo " +
  "Sund Sylo Syrc Tglg Tagb Tale Lana Tavt Takr Taml Tnsa Tang Telu Thaa Thai Tibt Tfng Tirh Toto Ugar Vaii Vith " +
  "Wcho Wara Yezi Yiii Zanb"
)
  .split(" ")
  .map((code) => ({ code, re: new RegExp(`^\\p{sc=${code}}$`, "u") }));

/** Digits, `_`, `-` and combining marks go with any script. */
const ANY_SCRIPT = /^[\p{sc=Zyyy}\p{sc=Zinh}]$/u;

/**
 * The scripts that may be mixed, as UTS #39's "highly restrictive" level has it:
 * Latin with the scripts written beside it in Japan, China (Bopomofo) and Korea.
 */
const MIXES = [
  new Set(["Latn", "Hani", "Hira", "Kana"]),
  new Set(["Latn", "Hani", "Bopo"]),
  new Set(["Latn", "Hani", "Hang"]),
];

const scriptCache = new Map<string, string | undefined>();

/** The script of one character (undefined: Common or Inherited, it goes with any). */
function scriptOf(char: string): string | undefined {
  if (scriptCache.has(char)) return scriptCache.get(char);
  const script = ANY_SCRIPT.test(char) ? undefined : (SCRIPTS.find((s) => s.re.test(char))?.code ?? `?${char}`);
  if (scriptCache.size < 10_000) scriptCache.set(char, script);
  return script;
}

/** The scripts a nick is written in. */
function scriptsOf(nick: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of nick) {
    const script = scriptOf(char);
    if (script) scripts.add(script);
  }
  return scripts;
}

/**
 * One script, or Latin with Han and Hiragana/Katakana, Bopomofo or Hangul:
 * `alice`, `张三`, `老李abc`, `山田たろう`, `김철수kim` pass; `аlice` does not.
 */
function oneScript(nick: string): boolean {
  const scripts = scriptsOf(nick);
  return scripts.size <= 1 || MIXES.some((mix) => [...scripts].every((s) => mix.has(s)));
}
