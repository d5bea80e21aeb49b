/**
 * What the server and the client share on their command lines: option parsers
 * that turn a bad value into a one-line error instead of a stack trace, and
 * `--help` and usage errors in the person's language (`--lang`, else the locale).
 */
import { Command, Help, InvalidArgumentError, type Option } from "commander";
import { LANGS, type Lang, type Messages } from "./i18n.ts";
import { wrapText } from "./wrap.ts";

/** A whole number in [min, max]. */
export function intOption(min: number, max: number, t: Messages) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(t.cli.wholeNumber(min, max));
    }
    return n;
  };
}

/** A number of seconds (fractions allowed), returned in milliseconds. */
export function secondsOption(min: number, max: number, t: Messages) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(t.cli.seconds(min, max));
    }
    return Math.round(n * 1000);
  };
}

export function langOption(t: Messages) {
  return (value: string): Lang => {
    if (!(LANGS as readonly string[]).includes(value)) throw new InvalidArgumentError(t.cli.oneOf(LANGS));
    return value as Lang;
  };
}

/**
 * Makes commander speak `t`'s language: the help's titles, its "(default: ...)"
 * and the usage errors (commander writes those in English; each known one is
 * written again here, and anything else is shown as commander said it).
 */
export function localize(program: Command, t: Messages): Command {
  const builtIn = new Help();
  return program
    .helpOption("-h, --help", t.cli.help)
    .configureHelp({
      styleTitle: (title) =>
        title === "Usage:" ? t.cli.usageTitle : title === "Options:" ? t.cli.optionsTitle : title,
      // A CJK character takes two columns: align and wrap by what the terminal shows.
      displayWidth: (text) => Bun.stringWidth(text),
      optionDescription(option: Option) {
        const shown = option.required || option.optional;
        if (!shown || option.defaultValue === undefined) return builtIn.optionDescription(option);
        const value = option.defaultValueDescription ?? JSON.stringify(option.defaultValue);
        return option.description + t.cli.defaultIs(value);
      },
      boxWrap: (text, width) => wrapText(text, width),
    })
    .configureOutput({ outputError: (text, write) => write(translateError(text, t)) });
}

/** Commander's usage errors, in the person's language, each one line ending with where to look. */
function translateError(text: string, t: Messages): string {
  const line = text.replace(/\n$/, "");
  let m: RegExpExecArray | null;
  let said: string;
  if ((m = /^error: option '(.+)' argument '(.*)' is invalid\. (.*)$/s.exec(line))) {
    said = t.cli.badValue(m[1]!, m[2]!, m[3]!);
  } else if ((m = /^error: option '(.+)' argument missing$/.exec(line))) {
    said = t.cli.missingValue(m[1]!);
  } else if ((m = /^error: unknown option '(.+?)'(?:\s*\(Did you mean (.+)\?\))?$/s.exec(line))) {
    said = t.cli.unknownOption(m[1]!, m[2]);
  } else if ((m = /^error: too many arguments.*?: (.*)\.$/s.exec(line))) {
    said = t.cli.tooManyArguments(m[1]!);
  } else said = line.replace(/\s*\n\s*/g, " ");
  return t.cli.seeHelp(said) + "\n";
}

/** The message of an error as one line, with its code if it has one, in `t`'s language. */
export function describeError(error: unknown, t: Messages): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === "EADDRINUSE") return t.errAddrInUse;
  if (e?.code === "ECONNREFUSED") return t.errConnRefused;
  if (e?.code === "ETIMEDOUT") return t.errTimedOut;
  if (e?.code === "EADDRNOTAVAIL") return t.errAddrNotAvail;
  return e?.code ? `${e.code}: ${e.message ?? ""}` : String(e?.message ?? error);
}
