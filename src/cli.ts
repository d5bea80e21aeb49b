/**
 * What the server and the client share on their command lines: option parsers
 * that turn a bad value into a one-line error instead of a stack trace.
 */
import { InvalidArgumentError } from "commander";
import { LANGS, type Lang } from "./i18n.ts";

/** A whole number in [min, max]. */
export function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** A number of seconds (fractions allowed), returned in milliseconds. */
export function secondsOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected seconds from ${min} to ${max}`);
    }
    return Math.round(n * 1000);
  };
}

export const portOption = intOption(0, 65535);

export function langOption(value: string): Lang {
  if (!(LANGS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${LANGS.join(", ")}`);
  }
  return value as Lang;
}

/** The message of an error as one line, with its code if it has one. */
export function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === "EADDRINUSE") return "the port is already in use (is another server running?)";
  if (e?.code === "ECONNREFUSED") return "connection refused";
  if (e?.code === "ETIMEDOUT") return "no answer (over UDP a server that is not there may stay silent)";
  if (e?.code === "EADDRNOTAVAIL") return "that address is not on this machine";
  return e?.code ? `${e.code}: ${e.message ?? ""}` : String(e?.message ?? error);
}
