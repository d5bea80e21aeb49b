/**
 * Seeded randomness: the same seed gives the same numbers, so a run that failed
 * (a disturbed transport, a soak's schedule) is replayed exactly with `--seed N`.
 */

/** mulberry32: a tiny seeded generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for one part of a run (a check, a client), derived from the run's seed and a name. */
export function seedFor(seed: number, id: string): number {
  let h = seed >>> 0;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return h;
}
