/**
 * A nick's colour, from a hash of the nick (FNV-1a), so it is the same on every
 * page and in every session, whatever order people joined in: a hue (360 of
 * them) and one of three lightness steps, about a thousand colours. Two nicks
 * may still come out alike; the nick is always written beside its colour.
 * Case and compatibility forms do not count (`Alice`, `ａlice`), as for nicks.
 */

export interface NickColour {
  /** 0 to 359, for OKLCH. */
  hue: number;
  /** 0, 1 or 2: a lightness step. */
  band: number;
}

export function nickColour(nick: string): NickColour {
  let hash = 0x811c9dc5;
  for (const ch of nick.normalize("NFKC").toLowerCase()) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Mix the bits once more: FNV's low bits vary little between nicks that differ in one letter.
  hash = (hash ^ (hash >>> 15)) >>> 0;
  hash = Math.imul(hash, 0x2c1b3c6d) >>> 0;
  hash = (hash ^ (hash >>> 12)) >>> 0;
  return { hue: hash % 360, band: (hash >>> 9) % 3 };
}
