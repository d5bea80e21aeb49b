/**
 * Points per check, from a small TOML file the teacher edits (the kit's own,
 * rubric.toml beside this file, gives each core check one point and extras
 * none), and the totals per exercise and per student.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { catalogue, type CheckOutcome, type ExerciseId, type ExerciseOutcome } from "./grading.ts";

export const DEFAULT_RUBRIC = join(import.meta.dir, "rubric.toml");

export type Rubric = {
  core: number;
  extra: number;
  /** "01.reply" or "01.reply/udp" → points. */
  checks: Record<string, number>;
};

export class RubricError extends Error {}

const points = (value: unknown, where: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new RubricError(`${where} must be a number of points, 0 or more, not ${JSON.stringify(value)}`);
  return value;
};

/** Read a rubric; throws a RubricError saying what is wrong (an unknown check, a bad number). */
export function readRubric(file = DEFAULT_RUBRIC): Rubric {
  let raw: Record<string, unknown>;
  try {
    raw = Bun.TOML.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new RubricError(`${file}: ${(err as Error).message}`);
  }
  const d = (raw.default ?? {}) as Record<string, unknown>;
  const known = new Set(catalogue().flatMap((k) => [k.check, ...k.transports.map((t) => `${k.check}/${t}`)]));
  const checks: Record<string, number> = {};
  for (const [key, value] of Object.entries((raw.checks ?? {}) as Record<string, unknown>)) {
    if (!known.has(key))
      throw new RubricError(`${file}: no check ${JSON.stringify(key)} (--list-checks prints every check)`);
    checks[key] = points(value, `${file}: "${key}"`);
  }
  return {
    core: points(d.core ?? 1, `${file}: default.core`),
    extra: points(d.extra ?? 0, `${file}: default.extra`),
    checks,
  };
}

/** What a check over a transport is worth. */
export function worth(r: Rubric, check: string, transport: string, extra: boolean): number {
  return r.checks[`${check}/${transport}`] ?? r.checks[check] ?? (extra ? r.extra : r.core);
}

/** The most an exercise can give, from the catalogue (an exercise not handed in still counts). */
export function maxOf(r: Rubric, exercise: ExerciseId, transports: readonly string[]): number {
  let sum = 0;
  for (const k of catalogue())
    if (k.exercise === exercise)
      for (const t of k.transports) if (transports.includes(t)) sum += worth(r, k.check, t, k.extra);
  return sum;
}

/** Points a check earned. */
export const earned = (r: Rubric, c: CheckOutcome): number =>
  c.verdict === "pass" ? worth(r, c.check, c.transport, c.extra) : 0;

/** Points an exercise earned (0 when it was not handed in or its grading stopped). */
export const exercisePoints = (r: Rubric, o: ExerciseOutcome | undefined): number =>
  o ? o.checks.reduce((sum, c) => sum + earned(r, c), 0) : 0;
