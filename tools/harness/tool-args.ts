/**
 * The command line of the kit's own tools (`bun run bench`, `bun run soak`), by
 * the rule every program of the kit keeps: `--help` prints the help and exits 0;
 * a usage error is one line on stderr, `NAME: what is wrong (try --help)`, and
 * exit status 2; never a stack trace.
 */
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Say what is wrong with the command line, in one line, and exit 2. */
export function usageError(tool: string, message: string): never {
  console.error(`${tool}: ${message} (try --help)`);
  process.exit(2);
}

/** A node:util parseArgs error, said the way a person would. */
function said(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? "";
  const argument = /'([^']*)'/.exec(message)?.[1] ?? "";
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${argument}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take/.test(message)) return `${option} takes no value`;
      return `${option} needs a value`;
    default:
      return message.split("\n")[0]!;
  }
}

/**
 * Parse the tool's arguments (`config.args`, default process.argv without a
 * lone "--") strictly. A `help` option is added: given, `help()` is printed and
 * the tool exits 0. A mistake is a usage error.
 */
export function toolArgs<const T extends ParseArgsConfig & { options: object }>(
  tool: string,
  config: T,
  help: () => string,
) {
  const args = config.args ?? process.argv.slice(2).filter((a) => a !== "--");
  const options = { ...config.options, help: { type: "boolean", short: "h" } } as const;
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ ...config, args, options, strict: true }).values;
  } catch (err) {
    usageError(tool, said(err));
  }
  if (values.help) {
    console.log(help());
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<T & { strict: true }>>["values"];
}

/** The opening comment of a source file, without its comment marks: a tool's help. */
export function openingComment(path: string): string {
  const head = readFileSync(path, "utf8").split("*/")[0]!;
  return head
    .replace(/^#!.*\n/, "")
    .replace(/^\/\*\*\n/, "")
    .replace(/^ \* ?/gm, "")
    .trimEnd();
}
