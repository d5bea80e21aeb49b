#!/usr/bin/env bun
/**
 * The terminal client: `bun src/client.ts` (TCP) or `bun src/client.ts --udp`.
 *
 * Run:    bun src/server.ts            and in two more terminals   bun src/client.ts --nick alice
 * Try:    type a line and press Enter; /help lists the server's commands; exit leaves.
 *
 * A chat client waits for two things at once: the keyboard and the socket. The
 * article's Python client (chapters 3 and 4) needed a second thread for that,
 * because `input()` blocks: one thread read the keyboard, the other `recv()`ed
 * and printed. Here there is no thread. Bun's event loop waits on both, and calls
 * `rl.on("line")` when you press Enter and the transport's `line` handler when a
 * line arrives. Neither handler blocks, so neither side ever waits for the other.
 *
 * What the client adds to a plain `nc`:
 * - a line that arrives is printed ABOVE the prompt, and what you were typing is
 *   drawn again below it (readline keeps it; `rl.prompt(true)` redraws it);
 * - what you type is shown as the room sees it (`<you> text`): the server never
 *   sends your own lines back;
 * - timestamps and colours, and nothing from the network printed raw
 *   (src/render.ts cleans every line before it reaches the terminal);
 * - when the server goes away, it says so and reconnects (1 s, 2 s, 4 s ... 30 s);
 *   over UDP, lines the server may never have had are sent again once it is back;
 * - over UDP, lines from the server that never arrived are counted: `*** 3 lines lost`;
 * - a line over the limit is refused before it is sent, and kept for editing;
 * - it speaks the room's language, unless you chose one (`--lang`, or your locale).
 *
 * Wiring only: display is src/render.ts, the screen src/screen.ts, the wire is
 * src/protocol.ts, the sockets are src/transports/ (connectTcp, and connectUdp,
 * which also does the UDP join handshake and the heartbeats). What this file gets
 * right is the order of events: a line arriving while you type, a reconnect, the
 * end of input.
 */
import { Command, InvalidArgumentError } from "commander";
import { createInterface } from "node:readline";
import { isColorSupported } from "picocolors";
import { describeError, intOption, langOption, localize } from "./cli.ts";
import { DEFAULTS, UDP_HEARTBEAT_MS } from "./config.ts";
import { langFromArgs, localeLang, messages, type Lang } from "./i18n.ts";
import { checkNick, MAX_LINE_BYTES, nickKey, parseCommand, utf8Length } from "./protocol.ts";
import {
  createColors,
  lineLimitOf,
  noticeMeaning,
  renderLocal,
  renderLocalError,
  renderOwn,
  renderServerLine,
} from "./render.ts";
import { Screen } from "./screen.ts";
import { connectTcp } from "./transports/tcp.ts";
import type { ConnectionHandlers } from "./transports/types.ts";
import { connectUdp } from "./transports/udp.ts";

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

interface ClientFlags {
  udp?: boolean;
  host: string;
  port: number;
  nick?: string;
  lang?: Lang;
  color: boolean;
}

/**
 * The person's language, if they chose one: `--lang`, or a zh or en locale. If
 * not, the client speaks the room's: the language of the server's welcome. Until
 * then (and for --help), English.
 */
const chosenLang = langFromArgs(process.argv.slice(2)) ?? localeLang();
let t = messages(chosenLang ?? "en");

/** A nickname the server would accept (docs/PROTOCOL.md, Nicknames). */
function nickOption(value: string): string {
  const checked = checkNick(value);
  if (checked.ok) return checked.nick;
  throw new InvalidArgumentError(checked.problem === "mixed-scripts" ? t.nickMixedScripts : t.cli.nick);
}

const o = t.cli.client;
const program = localize(new Command("client"), t)
  .description(o.about)
  .option("--udp", o.udp)
  .option("--host <address>", o.host, DEFAULTS.host)
  .option("-p, --port <n>", o.port, intOption(1, 65535, t), DEFAULTS.port)
  .option("-n, --nick <name>", o.nick, nickOption)
  .option("--lang <lang>", o.lang, langOption(t))
  .option("--no-color", o.noColor)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2)); // a usage error exits 2, as the lessons do
program.parse();
const flags = program.opts<ClientFlags>();
const transport = flags.udp ? "udp" : "tcp";
const { host, port } = flags;
// picocolors already says no to NO_COLOR, a pipe, and TERM=dumb; --no-color adds ours.
const c = createColors(flags.color && isColorSupported);

// ---------------------------------------------------------------------------
// The screen: print above the prompt, never through it (src/screen.ts)
// ---------------------------------------------------------------------------

const out = process.stdout;
const screen = new Screen(out, Boolean(process.stdin.isTTY && out.isTTY));
const show = (text: string) => screen.show(text);
const now = () => new Date();
const notice = (text: string) => show(renderLocal(c, now(), text));
const problem = (text: string) => show(renderLocalError(c, now(), text));

// ---------------------------------------------------------------------------
// Who we are: the server names us, in its own language
// ---------------------------------------------------------------------------

/** Our nick, as the server last told us (welcome, then `*** OLD is now NEW`). */
let nick: string | undefined;
/** The nick to ask for on every (re)connect: --nick, then each rename the server confirmed. */
let wantedNick = flags.nick;
/** The server's line limit: the protocol's default, until a refusal from the server names another. */
let maxLineBytes = MAX_LINE_BYTES;

// ---------------------------------------------------------------------------
// The connection, and getting it back when the server goes away
// ---------------------------------------------------------------------------

interface Link {
  /** False when the line was not sent: the server has not read what was sent before it (TCP). */
  send(line: string): boolean | void;
  /** Say goodbye with this line (`/quit [REASON]`) and close. */
  quit(line: string): void;
  close(): void;
  /** UDP: lines sent that the server has not confirmed having. */
  unconfirmed?(): string[];
}

/** Readline, once it reads the person's input. */
let rl: ReturnType<typeof createInterface> | undefined;
/** The connection in use; undefined while (re)connecting. */
let link: Link | undefined;
/** Bumped for every new connection: events of an older one are ignored. */
let session = 0;
let leaving = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
const FIRST_RETRY_S = 1;
const MAX_RETRY_S = 30;
/** Lines to send again once we are back (UDP: the server may never have had them), and until when. */
let resend: { lines: string[]; until: number } | undefined;
const RESEND_WITHIN_MS = 30_000;

/** Connects (TCP, or the UDP join), asks for our nick, and starts showing lines. */
async function open(): Promise<Link> {
  const id = ++session;
  // Lines that arrive before we have printed "connected" wait for it.
  const early: string[] = [];
  let ready = false;
  let closedEarly = false;
  let heard!: () => void;
  const heardFirst = new Promise<void>((resolve) => (heard = resolve));
  const handlers: ConnectionHandlers = {
    line(text) {
      if (id !== session || leaving) return; // leaving: the server's goodbye is ours to say
      heard();
      if (ready) received(text);
      else early.push(text);
    },
    closed(byUs, why) {
      if (id !== session || byUs) return;
      heard();
      if (ready) serverGone(why === "restarted" ? "restarted" : "gone");
      else closedEarly = true;
    },
    lost(lines) {
      if (id === session) notice(t.linesLost(lines));
    },
    drained() {
      if (id === session) drained();
    },
  };

  let result: Link;
  if (flags.udp) {
    const conn = await connectUdp(host, port, handlers, { nick: wantedNick, heartbeatMs: UDP_HEARTBEAT_MS });
    result = {
      send: conn.send,
      // connectUdp's close() sends a bare "/quit" itself.
      quit: (line) => {
        if (line.trim().toLowerCase() !== "/quit") conn.send(line);
        conn.close();
      },
      close: conn.close,
      unconfirmed: conn.unconfirmed,
    };
  } else {
    const conn = await connectTcp(host, port, handlers);
    if (wantedNick) conn.send(`/nick ${wantedNick}`);
    result = {
      send: conn.send,
      quit: (line) => {
        conn.send(line);
        conn.close();
      },
      close: conn.close,
    };
  }

  link = result;
  if (!chosenLang) {
    // Say "connected" in the room's language: the welcome is on its way (over UDP it is here).
    await Promise.race([heardFirst, Bun.sleep(1000)]);
    for (const text of early) learnLanguage(text);
  }
  notice(t.connected(host, port, transport));
  ready = true;
  for (const text of early) received(text);
  if (closedEarly) {
    serverGone();
    return result;
  }
  // Lines that waited for the last connection's server to read: they go on this one.
  if (waiting.length > 0 && link === result) drained();
  if (resend && link === result) {
    const { lines, until } = resend;
    resend = undefined;
    if (Date.now() <= until && lines.length > 0) {
      for (const line of lines) result.send(line);
      notice(t.resent(lines.length));
    }
  }
  return result;
}

/** Unless the person chose a language, the client speaks the one the server welcomed us in. */
function learnLanguage(text: string): void {
  const meaning = noticeMeaning(text);
  if (meaning.kind === "welcome" && !chosenLang) t = messages(meaning.lang);
}

/** One line from the server: act on the notices that concern us, then show it. */
function received(text: string): void {
  if (lastPing && text === `*** pong ${lastPing.token}`) return lastPing.answered(); // ours, not the person's
  const meaning = noticeMeaning(text);
  switch (meaning.kind) {
    case "welcome":
      nick = meaning.nick;
      learnLanguage(text);
      break;
    case "renamed":
      if (nick !== undefined && nickKey(meaning.from) === nickKey(nick)) nick = wantedNick = meaning.to;
      break;
    // A UDP challenge never comes here: the transport decides whether the server forgot us.
  }
  const limit = lineLimitOf(text);
  if (limit !== undefined) maxLineBytes = limit;
  show(renderServerLine(c, now(), text));
  // It said goodbye: do not wait for a close (over UDP none would come).
  if (meaning.kind === "shutting-down") serverGone("said-bye");
}

/**
 * The server went away ("gone"), said goodbye, or (UDP) restarted and forgot us.
 * Lines it may never have had are kept, and sent again once we are back; not
 * after a goodbye, since it had what came before it.
 */
function serverGone(why: "gone" | "said-bye" | "restarted" = "gone"): void {
  if (leaving || !link) return;
  const old = link;
  link = undefined;
  session++;
  const lines = why === "said-bye" ? [] : (old.unconfirmed?.() ?? []);
  if (lines.length > 0) resend = { lines, until: Date.now() + RESEND_WITHIN_MS };
  old.close();
  if (why === "restarted") {
    // It is there (it answered): join again at once.
    notice(t.serverRestarted);
    return retryIn(0);
  }
  notice(t.serverGone);
  retryIn(FIRST_RETRY_S);
}

function retryIn(seconds: number): void {
  if (seconds > 0) notice(t.reconnecting(seconds));
  retryTimer = setTimeout(async () => {
    try {
      await open();
    } catch {
      if (!leaving) retryIn(Math.min(Math.max(seconds * 2, FIRST_RETRY_S), MAX_RETRY_S));
    }
  }, seconds * 1000);
}

/** Every way out (exit, /quit, Ctrl+D, Ctrl+C, SIGTERM) ends here: say goodbye, exit 0. */
function leave(quitLine = "/quit"): void {
  if (leaving) return;
  leaving = true;
  clearTimeout(retryTimer);
  link?.quit(quitLine);
  link = undefined;
  screen.close();
  out.write(renderLocal(c, now(), t.bye) + "\n");
  process.exit(0);
}

/** The ping sent when the input ended, waiting for its answer. */
let lastPing: { token: string; answered: () => void } | undefined;
/** At most this long for the answers to the last lines typed (or piped in). */
const LAST_ANSWERS_MS = 2000;

/**
 * The input ended (Ctrl+D, or the end of piped input: `printf '/who\n' | bun
 * src/client.ts`). The answers to the last lines are still on their way: a
 * `/ping` sent now is answered after them (the server handles a member's lines in
 * order), so its answer, or 2 s, is when to leave.
 */
async function inputEnded(): Promise<void> {
  if (leaving) return;
  const current = link;
  if (current) {
    const token = `bye-${crypto.randomUUID().slice(0, 8)}`;
    const answered = new Promise<void>((resolve) => (lastPing = { token, answered: resolve }));
    send(`/ping ${token}`); // behind any line still waiting for the server to read
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([answered, new Promise((resolve) => (timer = setTimeout(resolve, LAST_ANSWERS_MS)))]);
    clearTimeout(timer);
  }
  leave();
}

// ---------------------------------------------------------------------------
// What you type
// ---------------------------------------------------------------------------

/**
 * Lines waiting for the server to read what was sent before them (TCP: it has
 * not read the last MiB). Meanwhile the client reads no more of its own input,
 * so what waits is at most what was already read; its person is told once.
 */
const waiting: string[] = [];

/** Sends a line now, or (the server is not reading) once it reads again, in order. */
function send(line: string): void {
  if (waiting.length === 0 && link?.send(line) !== false) return;
  if (waiting.length === 0) {
    problem(t.serverNotReading);
    rl?.pause();
  }
  waiting.push(line);
}

/** The server has read what waited in the connection: the lines that waited here go on. */
function drained(): void {
  while (waiting.length > 0) {
    if (!link || link.send(waiting[0]!) === false) return;
    waiting.shift();
  }
  rl?.resume();
}

function typed(line: string): void {
  if (leaving) return;
  screen.eraseEcho(line);
  // The article's client leaves on "exit"; the server would take it as text.
  if (line.trim() === "exit") return leave();
  const command = parseCommand(line);
  if (command.kind === "empty") return screen.prompt();
  if (command.kind === "quit") return leave(line);
  const bytes = utf8Length(line);
  if (bytes > maxLineBytes) {
    // The server would refuse it: say so now, and give the text back for editing.
    problem(t.lineTooLongHere(bytes, maxLineBytes));
    screen.giveBack(line);
    return;
  }
  if (!link) return problem(t.notConnected);

  send(line);
  switch (command.kind) {
    case "say":
      return show(renderOwn(c, now(), "chat", nick ?? wantedNick ?? "?", command.text));
    case "me":
      return show(renderOwn(c, now(), "action", nick ?? wantedNick ?? "?", command.text));
    case "help":
      return notice(t.clientHelp);
    default:
      // /nick, /msg, /who ...: the server's answer is what we show.
      return screen.prompt();
  }
}

// ---------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------

// Until readline owns the keyboard, Ctrl+C is a plain signal.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => leave());

// Following the room's language, we do not know it yet: say "connecting" only if it takes a while.
const sayConnecting = () => notice(t.connecting(host, port, transport));
if (chosenLang) sayConnecting();
const connecting = chosenLang ? undefined : setTimeout(sayConnecting, 500);
try {
  await open();
  clearTimeout(connecting);
} catch (error) {
  clearTimeout(connecting);
  const why = describeError(error, t);
  // Over UDP "refused" is often a server that serves TCP only (the kit's default).
  const udpRefused = flags.udp && (error as { code?: string })?.code === "ECONNREFUSED";
  const said = udpRefused ? t.connectFailedUdp(host, port, why) : t.connectFailed(host, port, why);
  console.error(renderLocalError(c, now(), said));
  process.exit(1);
}

rl = createInterface({ input: process.stdin, output: out, prompt: "> ", terminal: screen.interactive });
screen.attach(rl);
rl.on("line", typed);
rl.on("SIGINT", () => leave()); // Ctrl+C
rl.on("close", () => void inputEnded()); // Ctrl+D, or the end of piped input
screen.prompt();
