/**
 * The lessons' command line: the part every lesson shares, so that each lesson
 * keeps only its own options and reads top to bottom.
 *
 *   --help, -h      what the lesson does, how to run it, its options and their defaults,
 *                   wrapped to the terminal's width (80 columns when it is not a terminal)
 *   --lang en|zh    the language of everything the lesson prints for a person; by
 *                   default the locale's (LC_ALL, LC_MESSAGES, LANG), as src/ does
 *   a bad option    one line on stderr and exit status 2 (the usual "usage error"),
 *                   never a stack trace; a bad env PORT is named as PORT, not --port
 *
 * The words a lesson prints sit in the lesson itself, both languages side by side:
 * log("listening on ...", "正在监听 ..."). A line too long for the screen is cut
 * between words, never inside one, and a Chinese character counts two columns.
 */
import { parseArgs } from "node:util";
import { langFromEnv, type Lang } from "../src/i18n.ts";
import { unbroken, wrapText } from "../src/wrap.ts";

/** A text in English, then in Chinese. */
export type Both = readonly [en: string, zh: string];

type OptionSpec =
  | { type: "string"; value: string; default: string; help: Both } // value: how the help shows it, e.g. "<n>"
  | { type: "boolean"; help: Both };

/** What `opts` holds: a string for a string option, true or false for a switch. */
type Values<O> = { [K in keyof O]: O[K] extends { type: "boolean" } ? boolean : string };

export type Program<O extends Record<string, OptionSpec>> = {
  name: string; // "echo": the first word of every line the lesson prints
  file: string; // "lessons/01-echo.ts"
  about: Both; // what it does, in a sentence or two
  examples: readonly (readonly [command: string, en: string, zh: string])[];
  options: O;
};

/** Where every lesson listens, or connects, unless told otherwise: the article's HOST and PORT. */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 9009;

type ParseOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

export function readCommandLine<const O extends Record<string, OptionSpec>>(
  program: Program<O>,
  args = process.argv.slice(2),
) {
  const lang = languageAskedFor(args);
  const say = (en: string, zh: string) => (lang === "zh" ? zh : en);
  const usage = `bun ${program.file} --help`;

  /** A usage error: one line, exit status 2. */
  function fail(en: string, zh: string): never {
    console.error(`${program.name}: ${say(`${en} (see ${usage})`, `${zh}（参见 ${usage}）`)}`);
    process.exit(2);
  }

  const options: ParseOptions = { help: { type: "boolean", short: "h" }, lang: { type: "string" } };
  for (const [name, spec] of Object.entries(program.options)) options[name] = { type: spec.type };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    const e = err as { code?: string; message: string };
    const option = /'(-[^' ]+)/.exec(e.message)?.[1] ?? "";
    const stray = option || args.join(" ");
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") fail(`unknown option ${option}`, `没有 ${option} 这个选项`);
    if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") fail(`unexpected argument ${stray}`, `多余的参数 ${stray}`);
    if (/does not take/.test(e.message)) fail(`${option} takes no value`, `${option} 后面不带值`);
    if (/ambiguous/.test(e.message)) {
      fail(
        `${option} needs a value; one that starts with "-" is written ${option}=-1`,
        `${option} 后面要跟一个值；以 "-" 开头的值要写成 ${option}=-1`,
      );
    }
    fail(`${option} needs a value`, `${option} 后面要跟一个值`);
  }
  const given = new Set(Object.keys(values)); // the options on the command line, not their defaults
  if (values.lang !== undefined && values.lang !== "en" && values.lang !== "zh") {
    fail(`--lang must be en or zh, not "${values.lang}"`, `--lang 只能是 en 或 zh，不能是 "${values.lang}"`);
  }
  if (values.help) {
    console.log(helpText(program, lang, say, screenWidth()));
    process.exit(0);
  }
  for (const [name, spec] of Object.entries(program.options)) {
    values[name] ??= spec.type === "string" ? spec.default : false; // a switch not given is false
  }
  // Leading spaces indent the text: the lines it is cut into line up under it.
  const line = (text: string, indent = /^ */.exec(text)![0]) =>
    wrapLine(`${program.name}: ${indent}`, text.trimStart()).join("\n");

  return {
    opts: values as Values<O>,
    lang,
    say,
    fail,
    /** A line for a person, on stdout, after the program's name; cut between words to fit the screen. */
    log: (en: string, zh: string) => console.log(line(say(en, zh))),
    /** `prefix` + `text`, cut into lines that fit the screen, the later ones indented under the text. */
    fit: (prefix: string, text: string) => wrapLine(prefix, text).join("\n"),
    /** `en`/`zh` ("try it from another terminal:"), then each command on a line of its own, indented. */
    suggest(en: string, zh: string, commands: string[]) {
      console.log(line(say(en, zh)));
      for (const command of commands) console.log(line(command, "  "));
    },
    /** What another program needs to find this one: " --host H --port N", each only when not the default. */
    addressFlags: (host: string, port: number) =>
      (host === DEFAULT_HOST ? "" : ` --host ${host}`) + (port === DEFAULT_PORT ? "" : ` --port ${port}`),
    /** A problem, on stderr, after the program's name: one line, whatever its length. */
    warn: (en: string, zh: string) => console.error(`${program.name}: ${say(en, zh)}`),
    /** --port as a number from `min` to 65535, or a usage error that names where it came from. */
    port(min = 0): number {
      const text = String(values.port);
      const port = Number(text);
      if (/^\d+$/.test(text) && port >= min && port <= 65535) return port;
      // Not on the command line: it is the default, which an env PORT sets.
      if (!given.has("port") && process.env.PORT !== undefined) {
        fail(
          `the environment variable PORT must be a number from ${min} to 65535, not "${text}"`,
          `环境变量 PORT 必须是 ${min} 到 65535 之间的整数，不能是 "${text}"`,
        );
      }
      fail(`--port must be a number from ${min} to 65535, not "${text}"`, `--port 必须是 ${min} 到 65535 之间的整数，不能是 "${text}"`);
    },
  };
}

/** --lang if it is given and valid (even among bad options, so errors speak it too), else the locale's. */
function languageAskedFor(args: string[]): Lang {
  const { values } = parseArgs({ args, options: { lang: { type: "string" } }, strict: false });
  return values.lang === "zh" || values.lang === "en" ? values.lang : langFromEnv();
}

// ── Fitting the screen ──────────────────────────────────────────────────────

/** How many columns a line may take: the terminal's width, or 80 when stdout is not a terminal. */
export function screenWidth(): number {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 80;
}

/** `prefix` + `text`, cut into lines that fit the screen; the lines after the first are indented under the text. */
export function wrapLine(prefix: string, text: string, width = screenWidth()): string[] {
  return wrap(text, width, prefix, " ".repeat(Bun.stringWidth(prefix)));
}

/**
 * Cuts `text` into lines of at most `width` columns, measured as a terminal shows
 * them (a Chinese character takes two): the kit's one rule for it, src/wrap.ts.
 * A line may end at a space, or between two Chinese characters; never inside a
 * word. A word longer than a whole line stays whole.
 */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
  return wrapText(text, width, rest, first).split("\n");
}

// ── --help ──────────────────────────────────────────────────────────────────

function helpText(
  program: Program<Record<string, OptionSpec>>,
  lang: Lang,
  say: (en: string, zh: string) => string,
  width: number,
): string {
  const pick = (both: Both) => (lang === "zh" ? both[1] : both[0]);
  const withDefault = (spec: OptionSpec) => {
    if (spec.type === "boolean") return pick(spec.help);
    return pick(spec.help) + say(`; ${unbroken(`default ${spec.default}`)}`, `；${unbroken(`默认 ${spec.default}`)}`);
  };
  const options: [string, string][] = Object.entries(program.options).map(([name, spec]) => [
    spec.type === "string" ? `--${name} ${spec.value}` : `--${name}`,
    withDefault(spec),
  ]);
  const locale = langFromEnv();
  options.push([
    "--lang en|zh",
    say(
      `language of what it prints; ${unbroken(`default ${locale}`)}, from the locale`,
      `输出用的语言；${unbroken(`默认 ${locale}`)}，取自系统的 locale`,
    ),
  ]);
  options.push(["-h, --help", say("show this help", "显示这段帮助")]);
  const examples = program.examples.map(([command, en, zh]): [string, string] => [command, say(en, zh)]);
  return [
    ...wrapLine(`${program.name}: `, pick(program.about), width),
    "",
    `${say("Usage: ", "用法：")}bun ${program.file} [${say("options", "选项")}]`,
    "",
    say("Options:", "选项："),
    ...table(options, width),
    "",
    say("Examples:", "例子："),
    ...table(examples, width),
  ].join("\n");
}

/**
 * Rows of [left, right] in two columns when they fit: the right one wrapped within
 * its column. When the left column is too wide for that, each right text goes on
 * the lines below its left one, indented.
 */
function table(rows: [string, string][], width: number): string[] {
  const column = 2 + Math.max(...rows.map(([left]) => Bun.stringWidth(left))) + 3;
  const fits = rows.every(([left, right]) => column + Bun.stringWidth(right) <= width);
  if (fits || column <= width / 3) {
    return rows.flatMap(([left, right]) => wrap(right, width, `  ${left}`.padEnd(column), " ".repeat(column)));
  }
  return rows.flatMap(([left, right]) => [...wrap(left, width, "  ", "    "), ...wrap(right, width, "      ")]);
}
