/**
 * Every message a person reads, in English and Chinese: the article's language.py.
 *
 * The server's notices and errors go out in its language (`--lang`); the chat
 * forms themselves (`<nick> text`, `* nick action`) never change, so programs
 * can parse them in either language.
 *
 * Past 400 lines because it is a catalogue: one interface and its two tables,
 * English and Chinese, kept side by side so a message is added to both at once.
 */

import { hostPort } from "./address.ts";
import type { Notice, SkipReason } from "./notices.ts";

export type Lang = "en" | "zh";
export const LANGS: readonly Lang[] = ["en", "zh"];

/** The language the environment's locale asks for (LC_ALL, LC_MESSAGES, LANG), else English. */
export function langFromEnv(env: Record<string, string | undefined> = process.env): Lang {
  return localeLang(env) ?? "en";
}

/**
 * The language the locale names, or undefined when it names neither of ours
 * (`C`, `POSIX`, `C.UTF-8`, `de_DE`, nothing at all): then the person has not
 * chosen, and the kit's client speaks the room's language.
 */
export function localeLang(env: Record<string, string | undefined> = process.env): Lang | undefined {
  const locale = (env.LC_ALL || env.LC_MESSAGES || env.LANG || "").toLowerCase();
  if (locale.startsWith("zh")) return "zh";
  if (locale.startsWith("en")) return "en";
  return undefined;
}

/** The language asked for on a command line (`--lang zh`, `--lang=zh`), if it is one of ours. */
export function langFromArgs(args: readonly string[]): Lang | undefined {
  let lang: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--lang") lang = args[i + 1];
    else if (args[i]!.startsWith("--lang=")) lang = args[i]!.slice("--lang=".length);
  }
  return (LANGS as readonly (string | undefined)[]).includes(lang) ? (lang as Lang) : undefined;
}

/**
 * `/help` as lines: a title, then each command and what it does, the second
 * column aligned by display width (a CJK character is two columns wide).
 */
function helpLines(title: string, rows: [string, string][]): string[] {
  const column = Math.max(...rows.map(([command]) => Bun.stringWidth(command))) + 3;
  const pad = (command: string) => " ".repeat(column - Bun.stringWidth(command));
  return [title, ...rows.map(([command, what]) => `  ${command}${pad(command)}${what}`)];
}

export interface Messages {
  // Notices to the room or to one member.
  welcome(nick: string): string;
  joined(nick: string): string;
  left(nick: string, reason: string): string;
  renamed(from: string, to: string): string;
  /** The first line of `/who`: how many are in the room, and the first nicks. */
  who(total: number, nicks: string[]): string;
  /** Further lines of a `/who` too long for one line. */
  whoMore(nicks: string[]): string;
  /** In a big room, one notice per interval instead of one per join and leave. */
  summary(joined: number, left: number, seconds: number): string;
  help: string[];
  pong(token: string): string;
  /** To a member who typed /quit, before the server closes its connection. */
  goodbye(nick: string): string;
  shuttingDown: string;
  // Errors, to the sender only.
  lineTooLong(bytes: number, max: number): string;
  /** Unterminated input past the hard cap (`bytes`): the connection is closed. */
  noNewline(bytes: number): string;
  controlReplaced: string;
  invalidUtf8: string;
  unknownCommand(name: string): string;
  usage(usage: string): string;
  nickEmpty: string;
  nickTooLong(max: number): string;
  nickBadChars: string;
  nickMixedScripts: string;
  /** A refused nick: why, then the nick as it was asked for. */
  nickRefused(why: string, nick: string): string;
  nickTaken(nick: string): string;
  /** `nick` is refused because it looks like `like`, a member's nick (case, fullwidth, look-alike letters). */
  nickLookAlike(nick: string, like: string): string;
  noSuchNick(nick: string): string;
  alreadyJoined: string;
  serverFull(max: number): string;
  tooManyFromAddress(max: number): string;
  /** Once per flood episode, at the first delayed line: `rate` lines a second get through. */
  floodSlowDown(rate: number): string;
  /**
   * Once per flood episode, at the first refused line: `waiting` lines queued,
   * out in about `seconds`; `last`, the last of them.
   */
  floodDropping(waiting: number, seconds: number, last: string): string;
  /** Once per flood episode: how many lines were refused in it. */
  floodRefused(lines: number): string;
  truncatedDatagram(max: number): string;
  notChat: string;
  idleProbe(seconds: number): string;
  idleClosing(seconds: number): string;
  /** UDP: a member silent for half the timeout; `left`: how long until it is removed. */
  udpStillThere(silent: string, left: string): string;
  /** UDP: removed for its silence. */
  udpTimedOut(silent: string): string;
  /** UDP: a line from an address removed for its silence (followed by the challenge). */
  udpLineNotSent(silent: string): string;
  // The link between hubs (bun src/server.ts --redis).
  nickLost(nick: string): string;
  linkDown: string;
  /** The link is down because Redis refuses what it is sent (it answers, with an error). */
  linkRefused: string;
  linkBack: string;
  linkDropped(lines: number): string;
  linkMissing(batches: number): string;
  // Reasons for leaving (shown in the leave notice and the server's log).
  reasonQuit: string;
  reasonClosed: string;
  reasonTimedOut: string;
  reasonTooSlow(bytes: number): string;
  reasonNoNewline: string;
  reasonReset: string;
  reasonNotChat: string;
  reasonHubLost: string;
  /**
   * A UDP newcomer's hint (src/protocol.ts challengeLine): what to type to join.
   * It ends with a colon (":" or "："), right before `command`: that is how a
   * client tells the challenge from any other notice, in any language.
   */
  joinHint(command: string): string;
  // The server's own log.
  listening(host: string, port: number, transport: string): string;
  stopping(signal: string): string;
  logJoin(label: string, nick: string): string;
  logLeave(label: string, nick: string, reason: string): string;
  logRename(label: string, from: string, to: string): string;
  /** A member left with lines still waiting their turn (flood control, a nick claim): dropped. `nick` may be "". */
  logDroppedOnLeave(label: string, nick: string, lines: number): string;
  linked(url: string, hub: string): string;
  logLinkDown(url: string): string;
  /** Redis answered `command` with `error`: the link is down until it takes it again. */
  logLinkRefused(url: string, command: string, error: string): string;
  logLinkBack(url: string): string;
  logHubLost(hub: string, members: number): string;
  /** Another server's roster came in more parts than this one holds (`max` members): let go. */
  logRosterTooBig(hub: string, max: number): string;
  logSkipped(id: string, why: string): string;
  /** Why a stream entry was skipped, for logSkipped. */
  skipReason(why: SkipReason): string;
  /** A message of a stream entry was not one: dropped alone, the rest of the entry delivered. */
  logMessageDropped(id: string, sample: string): string;
  logSkipsUnlogged(after: number): string;
  redisUnreachable(url: string, why: string): string;
  redisWhy: { refused: string; closed: string; timeout: string; badUrl: string };
  // The terminal client.
  connecting(host: string, port: number, transport: string): string;
  connected(host: string, port: number, transport: string): string;
  connectFailed(host: string, port: number, why: string): string;
  /** Over UDP, refused: the server may serve TCP only. */
  connectFailedUdp(host: string, port: number, why: string): string;
  serverGone: string;
  reconnecting(seconds: number): string;
  bye: string;
  clientHelp: string;
  notConnected: string;
  /** TCP: the server has not read what the client sent (a bound's worth): lines wait until it does. */
  serverNotReading: string;
  linesLost(lines: number): string;
  lineTooLongHere(bytes: number, max: number): string;
  serverRestarted: string;
  resent(lines: number): string;
  // What went wrong, from the operating system's error codes (src/cli.ts describeError).
  cannotListen(host: string, port: number, why: string): string;
  errAddrInUse: string;
  errConnRefused: string;
  errTimedOut: string;
  errAddrNotAvail: string;
  // The command lines of server and client: --help and usage errors.
  cli: CliMessages;
}

export interface CliMessages {
  usageTitle: string;
  optionsTitle: string;
  /** Added to an option's description: " (default: 9009)". */
  defaultIs(value: string): string;
  help: string;
  /** A usage error, with where to look for the options: one line. */
  seeHelp(error: string): string;
  unknownOption(flag: string, suggestion: string | undefined): string;
  missingValue(flags: string): string;
  badValue(flags: string, value: string, why: string): string;
  tooManyArguments(args: string): string;
  wholeNumber(min: number, max: number): string;
  seconds(min: number, max: number): string;
  oneOf(choices: readonly string[]): string;
  nick: string;
  server: {
    about: string;
    host: string;
    port: string;
    tcp: string;
    udp: string;
    lang: string;
    maxLineBytes: string;
    maxQueueBytes: string;
    maxClients: string;
    maxPerAddress: string;
    floodBurst: string;
    floodRate: string;
    noFloodLimit: string;
    udpTimeout: string;
    idleTimeout: string;
    summarizeAbove: string;
    summaryInterval: string;
    redis(defaultUrl: string): string;
    quiet: string;
  };
  client: {
    about: string;
    udp: string;
    host: string;
    port: string;
    nick: string;
    lang: string;
    noColor: string;
  };
}

const en: Messages = {
  welcome: (nick) => `welcome, ${nick}! /help lists the commands`,
  joined: (nick) => `${nick} joined`,
  left: (nick, reason) => (reason ? `${nick} left (${reason})` : `${nick} left`),
  renamed: (from, to) => `${from} is now ${to}`,
  who: (total, nicks) => `in the room (${total}): ${nicks.join(", ")}`,
  whoMore: (nicks) => `in the room, continued: ${nicks.join(", ")}`,
  summary: (joined, left, seconds) =>
    [joined ? `${joined} joined` : "", left ? `${left} left` : ""].filter(Boolean).join(" and ") +
    ` in the last ${seconds}s`,
  help: helpLines("commands:", [
    ["/nick NAME", "change your nickname"],
    ["/who", "list the members of the room"],
    ["/me ACTION", "act: * you ACTION"],
    ["/msg NICK TEXT", "a private message"],
    ["/quit [REASON]", "leave"],
    ["//text", "say a line that starts with /"],
  ]),
  pong: (token) => (token ? `pong ${token}` : "pong"),
  goodbye: (nick) => `bye, ${nick}: you left the room`,
  shuttingDown: "the server is shutting down",
  lineTooLong: (bytes, max) => `line too long (${bytes}+ bytes; the limit is ${max}): it was not sent`,
  noNewline: (bytes) => `more than ${bytes} bytes without a newline: closing the connection`,
  controlReplaced: "control characters were replaced by \ufffd",
  invalidUtf8: "your line was not valid UTF-8: bad bytes were replaced by \ufffd",
  unknownCommand: (name) => `unknown command /${name}; /help lists the commands`,
  usage: (usage) => `usage: ${usage}`,
  nickEmpty: "a nickname cannot be empty",
  nickTooLong: (max) => `a nickname has at most ${max} characters`,
  nickBadChars: "a nickname has only letters, digits, _ and -",
  nickRefused: (why, nick) => `${why}: ${nick}`,
  nickMixedScripts:
    "a nickname is written in one script (Latin may go with Chinese, Japanese or Korean): mixing others, such as Latin and Cyrillic, makes look-alikes of other nicks",
  nickTaken: (nick) => `the nickname ${nick} is taken`,
  nickLookAlike: (nick, like) => `the nickname ${nick} looks too much like ${like}, who is here`,
  noSuchNick: (nick) => `no such nickname: ${nick}`,
  alreadyJoined: "you are already in the room",
  serverFull: (max) => `the room is full (${max} members); try again later`,
  tooManyFromAddress: (max) => `too many connections from your address (at most ${max})`,
  floodSlowDown: (rate) => `you are sending too fast: your lines are delayed, ${rate} a second get through`,
  floodDropping: (waiting, seconds, last) =>
    `you are sending too fast: ${waiting} lines are waiting (out in about ${seconds}s), and until then lines you send are dropped; the last line that will be sent: ${last}`,
  floodRefused: (lines) => `you were sending too fast: ${lines === 1 ? "1 line was" : `${lines} lines were`} not sent`,
  truncatedDatagram: (max) => `datagram too long: at most ${max} bytes`,
  notChat: "this is a plain-text chat server (that looked like TLS): closing the connection",
  idleProbe: (seconds) => `no word from you in ${seconds}s: are you still there? send any line (or /ping)`,
  idleClosing: (seconds) => `no word from you in ${seconds}s: closing the connection`,
  udpStillThere: (silent, left) =>
    `no word from you in ${silent}s: are you still there? press Enter (or send any line) within ${left}s to stay in the room`,
  udpTimedOut: (silent) => `no word from you in ${silent}s: you left the room`,
  udpLineNotSent: (silent) =>
    `your line was not sent: you had left the room (no word from you in ${silent}s). To join again, type the line below`,
  nickLost: (nick) =>
    `while the link between the servers was down, someone on another server took the nickname ${nick} too, and kept it: you are a guest again (/nick to choose another)`,
  linkDown:
    "the link to the other servers of this room is down: you can still talk with those on this server; lines are passed on when it is back",
  linkRefused:
    "the link to the other servers of this room is broken: Redis refuses what this server sends; you can still talk with those on this server; lines are passed on when it is repaired",
  linkBack: "the link to the other servers of this room is back",
  linkDropped: (lines) =>
    `the link was down too long: ${lines} lines sent on this server did not reach the other servers`,
  linkMissing: (batches) =>
    `some lines from the other servers were lost on the way (${batches} ${batches === 1 ? "batch" : "batches"}): the room's talk may have gaps`,
  reasonQuit: "",
  reasonClosed: "connection closed",
  reasonTimedOut: "timed out",
  reasonTooSlow: (bytes) => `too slow to read: ${bytes} bytes waiting`,
  reasonNoNewline: "no newline",
  reasonReset: "connection reset",
  reasonNotChat: "not a chat client",
  reasonHubLost: "their server stopped answering",
  joinHint: (command) => `to join, type: ${command}`,
  listening: (host, port, transport) => `server: listening on ${hostPort(host, port)} (${transport})`,
  stopping: (signal) => `server: ${signal}: telling everyone and stopping`,
  logJoin: (label, nick) => `server: ${label} joined as ${nick}`,
  logLeave: (label, nick, reason) => `server: ${label} (${nick}) left${reason ? `: ${reason}` : ""}`,
  logRename: (label, from, to) => `server: ${label} renamed ${from} -> ${to}`,
  logDroppedOnLeave: (label, nick, lines) =>
    `server: ${label}${nick ? ` (${nick})` : ""} left; ${lines === 1 ? "1 line waiting its turn was" : `${lines} lines waiting their turn were`} dropped`,
  linked: (url, hub) =>
    `server: linked through Redis at ${url}: one room with every server linked there (this server is ${hub})`,
  logLinkDown: (url) =>
    `server: the link through Redis at ${url} is down; this server's room carries on, and lines are held for the others`,
  logLinkRefused: (url, command, error) =>
    `server: Redis at ${url} refuses ${command}: ${error}; the link is down until Redis takes it again`,
  logLinkBack: (url) => `server: the link through Redis at ${url} is back`,
  logHubLost: (hub, members) =>
    `server: server ${hub} stopped answering; ${members === 1 ? "its 1 member is" : `its ${members} members are`} gone`,
  logRosterTooBig: (hub, max) =>
    `server: server ${hub} sent a roster of more than ${max} members: let go; its members are known from its news alone`,
  logSkipped: (id, why) => `server: skipped stream entry ${id}, not from a server of this room: ${why}`,
  skipReason: (why) => {
    switch (why.kind) {
      case "not-pairs":
        return "fields are not name/value pairs";
      case "not-text":
        return "a field is not text";
      case "version":
        return `version ${why.got} is not ${why.want}`;
      case "hub":
        return "no valid hub id";
      case "seq":
        return "no valid batch number";
      case "too-long":
        return `${why.chars} characters of messages (at most ${why.max})`;
      case "not-json":
        return "messages are not JSON";
      case "not-list":
        return "messages are not a list";
      case "too-many":
        return `${why.messages} messages (at most ${why.max})`;
    }
  },
  logMessageDropped: (id, sample) =>
    `server: dropped one message of stream entry ${id}, not one this kit sends (the rest was delivered): ${sample}`,
  logSkipsUnlogged: (after) =>
    `server: ${after} stream entries or messages skipped; further ones are not logged, only counted`,
  redisUnreachable: (url, why) => `server: cannot reach Redis at ${url}: ${why}`,
  redisWhy: {
    refused: "connection refused (is redis-server running there?)",
    closed: "it closed the connection (a wrong password? not Redis?)",
    timeout: "no answer (timed out)",
    badUrl: "not a Redis URL (redis://HOST:PORT)",
  },
  connecting: (host, port, transport) => `connecting to ${hostPort(host, port)} (${transport})...`,
  connected: (host, port, transport) =>
    `connected to ${hostPort(host, port)} (${transport}). Type a line and press Enter; /help for commands, exit to leave.`,
  connectFailed: (host, port, why) => `cannot reach ${hostPort(host, port)}: ${why}. Is the server running?`,
  connectFailedUdp: (host, port, why) =>
    `cannot reach ${hostPort(host, port)}: ${why}. Is the server running, and does it serve UDP (bun src/server.ts --udp)?`,
  serverGone: "the server went away",
  reconnecting: (seconds) => `reconnecting in ${seconds}s (Ctrl+C to stop)`,
  bye: "bye",
  clientHelp: "exit, /quit, Ctrl+D or Ctrl+C leave",
  notConnected: "not connected: the line was not sent",
  serverNotReading:
    "the server is not reading what you send (1 MiB is waiting): your lines wait, and go once it reads again",
  linesLost: (lines) => (lines === 1 ? "1 line lost" : `${lines} lines lost`),
  lineTooLongHere: (bytes, max) =>
    `that line is ${bytes} bytes, over the limit of ${max}: it was not sent. Shorten it and press Enter`,
  serverRestarted: "the server restarted: joining again",
  resent: (lines) => (lines === 1 ? "your last line was sent again" : `your last ${lines} lines were sent again`),
  cannotListen: (host, port, why) => `server: cannot listen on ${hostPort(host, port)}: ${why}`,
  errAddrInUse: "the port is already in use. Is another server running? Stop it, or try --port 0 (any free port)",
  errConnRefused: "connection refused",
  errTimedOut: "no answer (over UDP a server that is not there may stay silent)",
  errAddrNotAvail: "that address is not on this machine",
  cli: {
    usageTitle: "Usage:",
    optionsTitle: "Options:",
    defaultIs: (value) => ` (default: ${value})`,
    help: "show this help",
    seeHelp: (error) => `${error} (run with --help for the options)`,
    unknownOption: (flag, suggestion) =>
      `error: unknown option '${flag}'${suggestion ? ` (did you mean ${suggestion}?)` : ""}`,
    missingValue: (flags) => `error: option '${flags}' needs a value`,
    badValue: (flags, value, why) => `error: option '${flags}' argument '${value}' is invalid. ${why}`,
    tooManyArguments: (args) => `error: unexpected argument: ${args}; options start with --`,
    wholeNumber: (min, max) => `expected a whole number from ${min} to ${max}`,
    seconds: (min, max) => `expected seconds from ${min} to ${max}`,
    oneOf: (choices) => `expected one of ${choices.join(", ")}`,
    nick: "expected 1 to 16 letters, digits, _ or -",
    server: {
      about: "A multi-user chat server that plain `nc` can talk to.",
      host: "address to listen on (0.0.0.0: every network of this machine)",
      port: "port (0 picks a free one)",
      tcp: "serve TCP (the default)",
      udp: "serve UDP (with --tcp: both, in one room)",
      lang: "language of notices: en or zh",
      maxLineBytes: "longest line in bytes",
      maxQueueBytes: "a TCP or web member with more bytes waiting is dropped",
      maxClients: "most members at once",
      maxPerAddress: "most members from one IP address",
      floodBurst: "lines a member may send at once",
      floodRate: "lines per second after the burst",
      noFloodLimit: "turn flood control off (benchmarks, load tests)",
      udpTimeout: "remove a UDP member silent this long",
      idleTimeout: "ask a silent TCP member if it is still there, close it after as long again (0: never)",
      summarizeAbove: "past this many members, joins and leaves are summarised instead of announced one by one",
      summaryInterval: "how often that summary is sent",
      redis: (url) => `link to every server on this Redis: one room across them (without URL: $REDIS_URL, else ${url})`,
      quiet: "log only the ready line and errors",
    },
    client: {
      about: "A terminal client for the chat server (TCP, or UDP with --udp).",
      udp: "connect over UDP (the server must serve --udp)",
      host: "server address",
      port: "server port",
      nick: "nickname to ask for",
      lang: "language of the client's messages: en or zh (default: your locale's, else the room's)",
      noColor: "no colours (NO_COLOR=1 does the same)",
    },
  },
};

const zh: Messages = {
  welcome: (nick) => `欢迎，${nick}！输入 /help 查看命令`,
  joined: (nick) => `${nick} 加入了聊天室`,
  left: (nick, reason) => (reason ? `${nick} 离开了聊天室（${reason}）` : `${nick} 离开了聊天室`),
  renamed: (from, to) => `${from} 改名为 ${to}`,
  who: (total, nicks) => `聊天室里有 ${total} 人：${nicks.join("、")}`,
  whoMore: (nicks) => `（续）${nicks.join("、")}`,
  summary: (joined, left, seconds) =>
    `最近 ${seconds} 秒：` +
    [joined ? `${joined} 人加入` : "", left ? `${left} 人离开` : ""].filter(Boolean).join("，"),
  help: helpLines("命令：", [
    ["/nick 昵称", "修改昵称"],
    ["/who", "查看聊天室里的人"],
    ["/me 动作", "做一个动作：* 你 动作"],
    ["/msg 昵称 内容", "私聊"],
    ["/quit [原因]", "离开"],
    ["//内容", "发送以 / 开头的一行"],
  ]),
  pong: (token) => (token ? `pong ${token}` : "pong"),
  goodbye: (nick) => `再见，${nick}：你已离开聊天室`,
  shuttingDown: "服务器正在关闭",
  lineTooLong: (bytes, max) => `这一行太长（${bytes}+ 字节，上限 ${max}），没有发送`,
  noNewline: (bytes) => `超过 ${bytes} 字节仍没有换行，断开连接`,
  controlReplaced: "控制字符已被替换为 \ufffd",
  invalidUtf8: "这一行不是有效的 UTF-8，错误的字节已被替换为 \ufffd",
  unknownCommand: (name) => `未知命令 /${name}；输入 /help 查看命令`,
  usage: (usage) => `用法：${usage}`,
  nickEmpty: "昵称不能为空",
  nickTooLong: (max) => `昵称最多 ${max} 个字符`,
  nickBadChars: "昵称只能包含字母、数字、_ 和 -",
  nickRefused: (why, nick) => `${why}：${nick}`,
  nickMixedScripts:
    "昵称只能用一种文字书写（拉丁字母可以和中文、日文或韩文一起用）：混用其他文字（如拉丁字母和西里尔字母）会造出与别人相似的昵称",
  nickTaken: (nick) => `昵称 ${nick} 已被使用`,
  nickLookAlike: (nick, like) => `昵称 ${nick} 和在场的 ${like} 看起来太像了`,
  noSuchNick: (nick) => `没有这个昵称：${nick}`,
  alreadyJoined: "你已经在聊天室里了",
  serverFull: (max) => `聊天室已满（${max} 人），请稍后再试`,
  tooManyFromAddress: (max) => `来自你的地址的连接太多（最多 ${max} 个）`,
  floodSlowDown: (rate) => `你发送得太快了：消息将延迟发送，每秒放行 ${rate} 行`,
  floodDropping: (waiting, seconds, last) =>
    `你发送得太快了：已有 ${waiting} 行在排队（约 ${seconds} 秒后发完），在此之前你再发送的行都会被丢弃；最后一行会发送的是：${last}`,
  floodRefused: (lines) => `你发送得太快了：有 ${lines} 行没有发送`,
  truncatedDatagram: (max) => `数据报太长：最多 ${max} 字节`,
  notChat: "这是纯文本聊天服务器（收到的像是 TLS）：关闭连接",
  idleProbe: (seconds) => `${seconds} 秒没有收到你的消息：还在吗？发送任意一行（或 /ping）`,
  idleClosing: (seconds) => `${seconds} 秒没有收到你的消息：关闭连接`,
  udpStillThere: (silent, left) =>
    `${silent} 秒没有收到你的消息：还在吗？请在 ${left} 秒内按回车（或发送任意一行），否则会被移出聊天室`,
  udpTimedOut: (silent) => `${silent} 秒没有收到你的消息：你已离开聊天室`,
  udpLineNotSent: (silent) =>
    `你的这一行没有发送：你已离开聊天室（${silent} 秒没有收到你的消息）。要重新加入，请输入下面这一行`,
  nickLost: (nick) =>
    `服务器之间的连接中断期间，另一台服务器上也有人用了昵称 ${nick}，并保留了它：你重新成为访客（用 /nick 另选一个）`,
  linkDown: "与本聊天室其他服务器的连接中断了：你仍可以和本服务器上的人聊天；连接恢复后消息会继续传递",
  linkRefused:
    "与本聊天室其他服务器的连接出了故障：Redis 拒绝接收本服务器发出的内容；你仍可以和本服务器上的人聊天；修复后消息会继续传递",
  linkBack: "与本聊天室其他服务器的连接已恢复",
  linkDropped: (lines) => `连接中断太久：本服务器上发送的 ${lines} 行没有送到其他服务器`,
  linkMissing: (batches) => `来自其他服务器的部分消息在途中丢失（${batches} 批）：聊天记录可能不完整`,
  reasonQuit: "",
  reasonClosed: "连接已关闭",
  reasonTimedOut: "超时",
  reasonTooSlow: (bytes) => `读取太慢：积压 ${bytes} 字节`,
  reasonNoNewline: "没有换行",
  reasonReset: "连接被重置",
  reasonNotChat: "不是聊天客户端",
  reasonHubLost: "其所在的服务器没有响应",
  joinHint: (command) => `加入请输入：${command}`,
  listening: (host, port, transport) => `server: 正在监听 ${hostPort(host, port)} (${transport})`,
  stopping: (signal) => `server: 收到 ${signal}，通知所有人后退出`,
  logJoin: (label, nick) => `server: ${label} 以 ${nick} 加入`,
  logLeave: (label, nick, reason) => `server: ${label}（${nick}）离开${reason ? `：${reason}` : ""}`,
  logRename: (label, from, to) => `server: ${label} 改名 ${from} -> ${to}`,
  logDroppedOnLeave: (label, nick, lines) =>
    `server: ${label}${nick ? `（${nick}）` : ""} 离开了；排队等待发送的 ${lines} 行已丢弃`,
  linked: (url, hub) =>
    `server: 已通过 Redis（${url}）连接：与连到那里的所有服务器共用一个聊天室（本服务器编号 ${hub}）`,
  logLinkDown: (url) => `server: 通过 Redis（${url}）的连接中断；本服务器的聊天室照常运行，发往其他服务器的消息先保存`,
  logLinkRefused: (url, command, error) =>
    `server: Redis（${url}）拒绝执行 ${command}：${error}；在 Redis 重新接受之前，连接中断`,
  logLinkBack: (url) => `server: 通过 Redis（${url}）的连接已恢复`,
  logHubLost: (hub, members) => `server: 服务器 ${hub} 没有响应；其 ${members} 名成员已离开`,
  logRosterTooBig: (hub, max) =>
    `server: 服务器 ${hub} 发来的成员名单超过 ${max} 人：已放弃；其成员只按它的进出消息记录`,
  logSkipped: (id, why) => `server: 跳过了不是来自本聊天室服务器的记录 ${id}：${why}`,
  skipReason: (why) => {
    switch (why.kind) {
      case "not-pairs":
        return "字段不是成对的名称和值";
      case "not-text":
        return "有字段不是文本";
      case "version":
        return `版本 ${why.got} 不是 ${why.want}`;
      case "hub":
        return "没有有效的服务器编号";
      case "seq":
        return "没有有效的批次号";
      case "too-long":
        return `消息共 ${why.chars} 个字符（最多 ${why.max}）`;
      case "not-json":
        return "消息不是 JSON";
      case "not-list":
        return "消息不是列表";
      case "too-many":
        return `${why.messages} 条消息（最多 ${why.max}）`;
    }
  },
  logMessageDropped: (id, sample) =>
    `server: 丢弃了记录 ${id} 中的一条消息，它不是本程序发送的格式（其余已送达）：${sample}`,
  logSkipsUnlogged: (after) => `server: 已跳过 ${after} 条记录或消息；之后跳过的不再逐条记录，只计数`,
  redisUnreachable: (url, why) => `server: 无法连接 Redis（${url}）：${why}`,
  redisWhy: {
    refused: "连接被拒绝（那里运行着 redis-server 吗？）",
    closed: "对方关闭了连接（密码错误？不是 Redis？）",
    timeout: "没有回应（超时）",
    badUrl: "不是 Redis 地址（redis://主机:端口）",
  },
  connecting: (host, port, transport) => `正在连接 ${hostPort(host, port)} (${transport})……`,
  connected: (host, port, transport) =>
    `已连接 ${hostPort(host, port)} (${transport})。输入一行后按回车发送；/help 查看命令，exit 退出。`,
  connectFailed: (host, port, why) => `无法连接 ${hostPort(host, port)}：${why}。服务器在运行吗？`,
  connectFailedUdp: (host, port, why) =>
    `无法连接 ${hostPort(host, port)}：${why}。服务器在运行吗？它提供 UDP 吗（bun src/server.ts --udp）？`,
  serverGone: "服务器已断开",
  reconnecting: (seconds) => `${seconds} 秒后重新连接（Ctrl+C 停止）`,
  bye: "再见",
  clientHelp: "exit、/quit、Ctrl+D 或 Ctrl+C 退出",
  notConnected: "未连接：这一行没有发送",
  serverNotReading: "服务器没有读取你发送的内容（已有 1 MiB 在等待）：你的消息先等着，服务器重新读取后再发送",
  linesLost: (lines) => `丢失了 ${lines} 行`,
  lineTooLongHere: (bytes, max) => `这一行有 ${bytes} 字节，超过上限 ${max}：没有发送。改短后再按回车`,
  serverRestarted: "服务器重启了：正在重新加入",
  resent: (lines) => (lines === 1 ? "已重新发送你的最后一行" : `已重新发送你的最后 ${lines} 行`),
  cannotListen: (host, port, why) => `server: 无法在 ${hostPort(host, port)} 上监听：${why}`,
  errAddrInUse: "端口已被占用。是不是另一个服务器在运行？先停掉它，或者试试 --port 0（任选一个空闲端口）",
  errConnRefused: "连接被拒绝",
  errTimedOut: "没有回应（用 UDP 时，不存在的服务器可能一声不响）",
  errAddrNotAvail: "这台机器上没有这个地址",
  cli: {
    usageTitle: "用法：",
    optionsTitle: "选项：",
    defaultIs: (value) => `（默认：${value}）`,
    help: "显示这份帮助",
    seeHelp: (error) => `${error}（用 --help 查看所有选项）`,
    unknownOption: (flag, suggestion) =>
      `错误：未知选项 '${flag}'${suggestion ? `（你是不是想用 ${suggestion}？）` : ""}`,
    missingValue: (flags) => `错误：选项 '${flags}' 需要一个值`,
    badValue: (flags, value, why) => `错误：选项 '${flags}' 的值 '${value}' 无效：${why}`,
    tooManyArguments: (args) => `错误：多余的参数：${args}；选项以 -- 开头`,
    wholeNumber: (min, max) => `应为 ${min} 到 ${max} 之间的整数`,
    seconds: (min, max) => `应为 ${min} 到 ${max} 之间的秒数`,
    oneOf: (choices) => `应为 ${choices.join("、")} 之一`,
    nick: "应为 1 到 16 个字母、数字、_ 或 -",
    server: {
      about: "多人聊天服务器，用普通的 `nc` 就能聊天。",
      host: "监听的地址（0.0.0.0：本机的所有网络）",
      port: "端口（0 表示任选一个空闲端口）",
      tcp: "提供 TCP（默认）",
      udp: "提供 UDP（与 --tcp 一起：两者同时，同一个聊天室）",
      lang: "通知的语言：en 或 zh",
      maxLineBytes: "一行最多多少字节",
      maxQueueBytes: "TCP 或网页成员积压超过这么多字节就断开",
      maxClients: "最多同时多少人",
      maxPerAddress: "同一 IP 地址最多多少人",
      floodBurst: "一次最多连发几行",
      floodRate: "之后每秒最多几行",
      noFloodLimit: "关闭刷屏限制（用于基准测试、压力测试）",
      udpTimeout: "UDP 成员沉默这么久（秒）就移除",
      idleTimeout: "TCP 成员沉默这么久（秒）就问一声，再沉默同样久就断开（0：从不）",
      summarizeAbove: "人数超过这个数后，进出不再逐个通知，而是定期汇总",
      summaryInterval: "汇总通知的间隔（秒）",
      redis: (url) => `与连到这个 Redis 的所有服务器相连：共用一个聊天室（不写 URL 时用 $REDIS_URL，否则 ${url}）`,
      quiet: "只输出就绪行和错误",
    },
    client: {
      about: "聊天服务器的终端客户端（TCP，或加 --udp 用 UDP）。",
      udp: "用 UDP 连接（服务器须使用 --udp）",
      host: "服务器地址",
      port: "服务器端口",
      nick: "想用的昵称",
      lang: "客户端提示的语言：en 或 zh（默认：跟随区域设置，否则跟随聊天室）",
      noColor: "不用颜色（NO_COLOR=1 效果相同）",
    },
  },
};

export const MESSAGES: Record<Lang, Messages> = { en, zh };

/** Reasons for leaving that a server words itself, so another server can word them in its own language. */
const REASONS = [
  "reasonClosed",
  "reasonTimedOut",
  "reasonNoNewline",
  "reasonReset",
  "reasonNotChat",
  "reasonHubLost",
  "shuttingDown",
] as const;

/** The web members' reasons for leaving, worded by WEB_MESSAGES (below). */
const WEB_REASONS = ["reasonInvalidUtf8"] as const;
/** Reasons that carry a number ("too slow to read: 300000 bytes waiting"): TCP's and the web's. */
const COUNTED_REASONS = [
  { words: (lang: Lang) => MESSAGES[lang].reasonTooSlow },
  { words: (lang: Lang) => WEB_MESSAGES[lang].reasonFrameTooBig },
] as const;

/**
 * A reason for leaving as another server (of a linked room) worded it, in the
 * language of `t`. A reason a person typed (`/quit gone fishing`) stays as it is.
 */
function localReason(reason: string, t: Messages): string {
  const lang = t === MESSAGES.zh ? "zh" : "en";
  for (const other of LANGS) {
    for (const key of REASONS) if (MESSAGES[other][key] === reason) return t[key];
    for (const key of WEB_REASONS) if (WEB_MESSAGES[other][key] === reason) return WEB_MESSAGES[lang][key];
    for (const counted of COUNTED_REASONS) {
      const n = numberIn(reason, counted.words(other));
      if (n !== undefined) return counted.words(lang)(n);
    }
  }
  return reason;
}

/** The number `words` was given, when `reason` is exactly `words(n)` for some n. */
function numberIn(reason: string, words: (n: number) => string): number | undefined {
  const n = /\d+/.exec(reason)?.[0];
  return n !== undefined && words(Number(n)) === reason ? Number(n) : undefined;
}

export function messages(lang: Lang): Messages {
  return MESSAGES[lang];
}

/** A notice about the room (src/notices.ts), in the language of `t`. */
export function wordNotice(notice: Notice, t: Messages): string {
  switch (notice.kind) {
    case "joined":
      return t.joined(notice.nick);
    case "left":
      return t.left(notice.nick, localReason(notice.reason, t));
    case "renamed":
      return t.renamed(notice.from, notice.to);
    case "summary":
      return t.summary(notice.joined, notice.left, notice.seconds);
    case "hub-lost":
      return t.left(notice.nick, t.reasonHubLost);
    case "link-down":
      return t.linkDown;
    case "link-refused":
      return t.linkRefused;
    case "link-back":
      return t.linkBack;
    case "link-dropped":
      return t.linkDropped(notice.lines);
    case "link-missing":
      return t.linkMissing(notice.batches);
  }
}

// ---------------------------------------------------------------------------
// The room in a browser (`--web`): what the server says about it, and every
// word of the page itself. The page gets its words from the server, in the
// room's language, as plain templates ("{n} new lines"): it has no catalogue
// of its own (src/transports/web-page.ts, src/page/).
// ---------------------------------------------------------------------------

/** The page's words: templates whose {name} parts the page fills in. Plain data, sent to the page as JSON. */
export interface PageWords {
  title: string;
  logLabel: string;
  inputLabel: string;
  placeholder: string;
  send: string;
  /** {n}: members in the room. */
  members: string;
  you: string;
  /** {n} */
  newLine: string;
  newLines: string;
  connecting: string;
  connected: string;
  /** {s}: seconds; {n}: which attempt. */
  retrying: string;
  retryingNow: string;
  left: string;
  /** {time} */
  lost: string;
  /** {time}, {from}, {to} */
  back: string;
  /** {why}: the close code and reason. */
  closedBecause: string;
  /** {bytes}, {max} */
  tooLong: string;
  notConnected: string;
  joinAgain: string;
  noScript: string;
}

export interface WebMessages {
  optionWeb(port: number): string;
  optionWebOrigin: string;
  /** The line that says where the page is. */
  pageAt(url: string): string;
  cannotBuildPage(why: string): string;
  /** To a member who sent a binary frame. */
  binaryFrame: string;
  /** Reasons for leaving the room hears. */
  reasonFrameTooBig(max: number): string;
  reasonInvalidUtf8: string;
  /** HTTP answers (plain text). */
  originRefused(origin: string): string;
  hostRefused(host: string): string;
  notFound: string;
  onlyGet: string;
  webSocketOnly: string;
  page: PageWords;
}

const webEn: WebMessages = {
  optionWeb: (port) =>
    `serve the room's page and WebSocket on this port (${port} if none is given): browsers join the room`,
  optionWebOrigin: "also accept the page at these origins (comma-separated; a name, or a TLS proxy: https://chat.lab)",
  pageAt: (url) => `server: the room's page: ${url}`,
  cannotBuildPage: (why) => `server: cannot build the room's page: ${why}`,
  binaryFrame: "binary frames are not chat: send text frames, one line each",
  reasonFrameTooBig: (max) => `sent a frame over ${max} bytes`,
  reasonInvalidUtf8: "sent a text frame that was not UTF-8",
  originRefused: (origin) => `this chat's WebSocket is for its own page only, not for a page from ${origin}`,
  hostRefused: (host) => `this server answers at its IP address (or a name given with --web-origin), not at ${host}`,
  notFound: "not found",
  onlyGet: "only GET is served here",
  webSocketOnly: "this address is the room's WebSocket: open the page instead",
  page: {
    title: "Chat room",
    logLabel: "Messages",
    inputLabel: "Message",
    placeholder: "type a line, then Enter (/help lists the commands)",
    send: "Send",
    members: "In the room ({n})",
    you: "(you)",
    newLine: "1 new line ↓",
    newLines: "{n} new lines ↓",
    connecting: "Connecting…",
    connected: "Connected",
    retrying: "Not connected: trying again in {s} s (attempt {n})",
    retryingNow: "Not connected: trying again (attempt {n})",
    left: "You left the room",
    lost: "The connection was lost at {time}. Trying again…",
    back: "Back at {time}. What was said in the room from {from} to {to} did not reach this page.",
    closedBecause: "The server closed the connection: {why}",
    tooLong: "This line is {bytes} bytes; the room takes at most {max}. It is still in the field: shorten it.",
    notConnected: "Not connected: the line was not sent. It is still in the field.",
    joinAgain: "Join again",
    noScript: "This page needs JavaScript to join the room.",
  },
};

const webZh: WebMessages = {
  optionWeb: (port) => `在这个端口提供聊天室网页和 WebSocket（不写端口时为 ${port}）：浏览器加入同一个聊天室`,
  optionWebOrigin: "也接受这些来源的网页（逗号分隔；一个域名，或 TLS 代理：https://chat.lab）",
  pageAt: (url) => `server: 聊天室网页：${url}`,
  cannotBuildPage: (why) => `server: 无法生成聊天室网页：${why}`,
  binaryFrame: "二进制帧不是聊天内容：请发送文本帧，每帧一行",
  reasonFrameTooBig: (max) => `发送的帧超过 ${max} 字节`,
  reasonInvalidUtf8: "发送的文本帧不是 UTF-8",
  originRefused: (origin) => `本聊天室的 WebSocket 只供它自己的网页使用，不接受来自 ${origin} 的网页`,
  hostRefused: (host) => `本服务器只在它的 IP 地址（或 --web-origin 给出的域名）上应答，不在 ${host} 上`,
  notFound: "没有这个页面",
  onlyGet: "这里只接受 GET 请求",
  webSocketOnly: "这个地址是聊天室的 WebSocket：请打开聊天室网页",
  page: {
    title: "聊天室",
    logLabel: "消息",
    inputLabel: "消息",
    placeholder: "输入一行，按回车发送（/help 查看命令）",
    send: "发送",
    members: "聊天室里的人（{n}）",
    you: "（你）",
    newLine: "1 条新消息 ↓",
    newLines: "{n} 条新消息 ↓",
    connecting: "正在连接…",
    connected: "已连接",
    retrying: "未连接：{s} 秒后重试（第 {n} 次）",
    retryingNow: "未连接：正在重试（第 {n} 次）",
    left: "你已离开聊天室",
    lost: "{time} 连接断开了，正在重试…",
    back: "{time} 已重新连接。{from} 到 {to} 之间聊天室里说的话，本页没有收到。",
    closedBecause: "服务器关闭了连接：{why}",
    tooLong: "这一行有 {bytes} 字节，聊天室最多接受 {max} 字节。它还在输入框里：请缩短。",
    notConnected: "未连接：这一行没有发出，还在输入框里。",
    joinAgain: "重新加入",
    noScript: "这个网页需要 JavaScript 才能加入聊天室。",
  },
};

export const WEB_MESSAGES: Record<Lang, WebMessages> = { en: webEn, zh: webZh };
