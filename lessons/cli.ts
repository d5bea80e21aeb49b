/**
 * The lessons' command line: the part every lesson shares, so that each lesson
 * keeps only its own options and reads top to bottom.
 *
 *   --help, -h      what the lesson does, how to run it, its options and their defaults
 *   --lang en|zh    the language of everything the lesson prints for a person; by
 *                   default the locale's (LC_ALL, LC_MESSAGES, LANG), as src/ does
 *   a bad option    one line on stderr and exit status 2 (the usual "usage error"),
 *                   never a stack trace
 *
 * The words a lesson prints sit in the lesson itself, both languages side by side:
 * log("listening on ...", "正在监听 ...").
 */
import { parseArgs } from "node:util";
import { langFromEnv, type Lang } from "../src/i18n.ts";

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

export function readCommandLine<const O extends Record<string, OptionSpec>>(program: Program<O>, args = process.argv.slice(2)) {
  const lang = languageAskedFor(args);
  const say = (en: string, zh: string) => (lang === "zh" ? zh : en);
  const usage = `bun ${program.file} --help`;

  /** A usage error: one line, exit status 2. */
  function fail(en: string, zh: string): never {
    console.error(`${program.name}: ${say(`${en} (see ${usage})`, `${zh}（参见 ${usage}）`)}`);
    process.exit(2);
  }

  const options: Record<string, { type: "string" | "boolean"; short?: string; default?: string }> = { help: { type: "boolean", short: "h" }, lang: { type: "string" } };
  for (const [name, spec] of Object.entries(program.options)) {
    options[name] = spec.type === "string" ? { type: "string", default: spec.default } : { type: "boolean" };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    const e = err as { code?: string; message: string };
    const option = /'(-[^' ]+)/.exec(e.message)?.[1] ?? "";
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") fail(`unknown option ${option}`, `没有 ${option} 这个选项`);
    if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") fail(`unexpected argument ${option || args.join(" ")}`, `多余的参数 ${option || args.join(" ")}`);
    if (/does not take/.test(e.message)) fail(`${option} takes no value`, `${option} 后面不带值`);
    if (/ambiguous/.test(e.message)) fail(`${option} needs a value; one that starts with "-" is written ${option}=-1`, `${option} 后面要跟一个值；以 "-" 开头的值要写成 ${option}=-1`);
    fail(`${option} needs a value`, `${option} 后面要跟一个值`);
  }
  if (values.lang !== undefined && values.lang !== "en" && values.lang !== "zh") fail(`--lang must be en or zh, not "${values.lang}"`, `--lang 只能是 en 或 zh，不能是 "${values.lang}"`);
  if (values.help) {
    console.log(helpText(program, lang, say));
    process.exit(0);
  }
  for (const name of Object.keys(program.options)) values[name] ??= false; // a switch not given is false

  return {
    opts: values as Values<O>,
    lang,
    say,
    fail,
    /** A line for a person, on stdout, after the program's name. */
    log: (en: string, zh: string) => console.log(`${program.name}: ${say(en, zh)}`),
    /** A problem, on stderr, after the program's name. */
    warn: (en: string, zh: string) => console.error(`${program.name}: ${say(en, zh)}`),
    /** --port as a number from `min` to 65535, or a usage error. */
    port(min = 0): number {
      const text = String(values.port);
      const port = Number(text);
      if (!/^\d+$/.test(text) || port < min || port > 65535) fail(`--port must be a number from ${min} to 65535, not "${text}"`, `--port 必须是 ${min} 到 65535 之间的整数，不能是 "${text}"`);
      return port;
    },
  };
}

/** --lang if it is given and valid (even among bad options, so errors speak it too), else the locale's. */
function languageAskedFor(args: string[]): Lang {
  const { values } = parseArgs({ args, options: { lang: { type: "string" } }, strict: false });
  return values.lang === "zh" || values.lang === "en" ? values.lang : langFromEnv();
}

function helpText(program: Program<Record<string, OptionSpec>>, lang: Lang, say: (en: string, zh: string) => string): string {
  const pick = (both: Both) => (lang === "zh" ? both[1] : both[0]);
  const rows: [string, string][] = Object.entries(program.options).map(([name, spec]) => [
    spec.type === "string" ? `--${name} ${spec.value}` : `--${name}`,
    spec.type === "string" ? pick(spec.help) + say(`; default ${spec.default}`, `；默认 ${spec.default}`) : pick(spec.help),
  ]);
  rows.push(["--lang en|zh", say(`language of what it prints; default ${langFromEnv()}, from the locale`, `输出用的语言；默认 ${langFromEnv()}，取自系统的 locale`)]);
  rows.push(["-h, --help", say("show this help", "显示这段帮助")]);
  const column = (left: string[]) => Math.max(...left.map((text) => text.length)) + 3;
  const options = column(rows.map(([left]) => left));
  const examples = column(program.examples.map(([command]) => command));
  return [
    `${program.name}: ${pick(program.about)}`,
    "",
    `${say("Usage: ", "用法：")}bun ${program.file} [${say("options", "选项")}]`,
    "",
    say("Options:", "选项："),
    ...rows.map(([left, right]) => `  ${left.padEnd(options)}${right}`),
    "",
    say("Examples:", "例子："),
    ...program.examples.map(([command, en, zh]) => `  ${command.padEnd(examples)}${say(en, zh)}`),
  ].join("\n");
}
