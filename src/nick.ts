/**
 * Nicknames, pure: what a nick may be, and when two are the same person's.
 * docs/PROTOCOL.md (Nicknames) is the rule; docs/SECURITY.md (Impersonation)
 * says what it stops and what it cannot.
 */

/** Nicknames are 1..MAX_NICK_CHARS characters. */
export const MAX_NICK_CHARS = 16;

const NICK = /^[\p{L}\p{Nd}_-][\p{L}\p{M}\p{Nd}_-]*$/u;

export type NickProblem = "empty" | "too-long" | "bad-chars" | "mixed-scripts";

/** Checks a requested nickname; returns the name to use (NFC) or what is wrong with it. */
export function checkNick(requested: string): { ok: true; nick: string } | { ok: false; problem: NickProblem } {
  const nick = requested.trim().normalize("NFC");
  if (nick === "") return { ok: false, problem: "empty" };
  if ([...nick].length > MAX_NICK_CHARS) return { ok: false, problem: "too-long" };
  if (!NICK.test(nick)) return { ok: false, problem: "bad-chars" };
  if (!oneScript(nick)) return { ok: false, problem: "mixed-scripts" };
  return { ok: true, nick };
}

/** Two nicks are the same person's when their keys are equal: case does not count. */
export function nickKey(nick: string): string {
  return nick.normalize("NFC").toLowerCase();
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
export function scriptsOf(nick: string): Set<string> {
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
