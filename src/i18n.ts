/**
 * Every message a person reads, in English and Chinese: the article's language.py.
 *
 * The server's notices and errors go out in its language (`--lang`); the chat
 * forms themselves (`<nick> text`, `* nick action`) never change, so programs
 * can parse them in either language.
 */

export type Lang = "en" | "zh";
export const LANGS: readonly Lang[] = ["en", "zh"];

/** The language the environment's locale asks for (LC_ALL, LC_MESSAGES, LANG), else English. */
export function langFromEnv(env: Record<string, string | undefined> = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return locale.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export interface Messages {
  // Notices to the room or to one member.
  welcome(nick: string): string;
  joined(nick: string): string;
  left(nick: string, reason: string): string;
  renamed(from: string, to: string): string;
  who(nicks: string[]): string;
  help: string[];
  pong(token: string): string;
  shuttingDown: string;
  // Errors, to the sender only.
  lineTooLong(bytes: number, max: number): string;
  noNewline(bytes: number): string;
  controlReplaced: string;
  invalidUtf8: string;
  unknownCommand(name: string): string;
  usage(usage: string): string;
  nickEmpty: string;
  nickTooLong(max: number): string;
  nickBadChars: string;
  nickTaken(nick: string): string;
  noSuchNick(nick: string): string;
  alreadyJoined: string;
  serverFull(max: number): string;
  tooManyFromAddress(max: number): string;
  floodSlowDown(seconds: number): string;
  floodRefused: string;
  truncatedDatagram(max: number): string;
  notChat: string;
  idleProbe(seconds: number): string;
  idleClosing(seconds: number): string;
  // The link between hubs (bun src/server.ts --redis).
  nickLost(nick: string): string;
  linkDown: string;
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
  // The server's own log.
  listening(host: string, port: number, transport: string): string;
  stopping(signal: string): string;
  logJoin(label: string, nick: string): string;
  logLeave(label: string, nick: string, reason: string): string;
  logRename(label: string, from: string, to: string): string;
  linked(url: string, hub: string): string;
  logLinkDown(url: string): string;
  logLinkBack(url: string): string;
  logHubLost(hub: string, members: number): string;
  logSkipped(id: string, why: string): string;
  redisUnreachable(url: string, why: string): string;
  redisWhy: { refused: string; closed: string; badUrl: string };
  // The terminal client.
  connecting(host: string, port: number, transport: string): string;
  connected(host: string, port: number, transport: string): string;
  connectFailed(host: string, port: number, why: string): string;
  serverGone: string;
  reconnecting(seconds: number): string;
  bye: string;
  clientHelp: string;
  notConnected: string;
}

const en: Messages = {
  welcome: (nick) => `welcome, ${nick}! /help lists the commands`,
  joined: (nick) => `${nick} joined`,
  left: (nick, reason) => (reason ? `${nick} left (${reason})` : `${nick} left`),
  renamed: (from, to) => `${from} is now ${to}`,
  who: (nicks) => `in the room (${nicks.length}): ${nicks.join(", ")}`,
  help: [
    "commands:",
    "  /nick NAME       change your nickname",
    "  /who             list the members of the room",
    "  /me ACTION       act: * you ACTION",
    "  /msg NICK TEXT   a private message",
    "  /quit [REASON]   leave",
    "  //text           say a line that starts with /",
  ],
  pong: (token) => (token ? `pong ${token}` : "pong"),
  shuttingDown: "the server is shutting down",
  lineTooLong: (bytes, max) => `line too long (${bytes}+ bytes; the limit is ${max}): it was not sent`,
  noNewline: (bytes) => `${bytes} bytes without a newline: closing the connection`,
  controlReplaced: "control characters were replaced by \ufffd",
  invalidUtf8: "your line was not valid UTF-8: bad bytes were replaced by \ufffd",
  unknownCommand: (name) => `unknown command /${name}; /help lists the commands`,
  usage: (usage) => `usage: ${usage}`,
  nickEmpty: "a nickname cannot be empty",
  nickTooLong: (max) => `a nickname has at most ${max} characters`,
  nickBadChars: "a nickname has only letters, digits, _ and -",
  nickTaken: (nick) => `the nickname ${nick} is taken`,
  noSuchNick: (nick) => `no such nickname: ${nick}`,
  alreadyJoined: "you are already in the room",
  serverFull: (max) => `the room is full (${max} members); try again later`,
  tooManyFromAddress: (max) => `too many connections from your address (at most ${max})`,
  floodSlowDown: (seconds) => `you are sending too fast: lines are delayed (about ${seconds}s)`,
  floodRefused: "you are sending too fast: this line was not sent",
  truncatedDatagram: (max) => `datagram too long: at most ${max} bytes`,
  notChat: "this is a plain-text chat server (that looked like TLS): closing the connection",
  idleProbe: (seconds) => `no word from you in ${seconds}s: are you still there? send any line (or /ping)`,
  idleClosing: (seconds) => `no word from you in ${seconds}s: closing the connection`,
  nickLost: (nick) => `while the link between the servers was down, someone on another server took the nickname ${nick} too, and kept it: you are a guest again (/nick to choose another)`,
  linkDown: "the link to the other servers of this room is down: you can still talk with those on this server; lines are passed on when it is back",
  linkBack: "the link to the other servers of this room is back",
  linkDropped: (lines) => `the link was down too long: ${lines} lines sent on this server did not reach the other servers`,
  linkMissing: (batches) => `some lines from the other servers were lost on the way (${batches} ${batches === 1 ? "batch" : "batches"}): the room's talk may have gaps`,
  reasonQuit: "",
  reasonClosed: "connection closed",
  reasonTimedOut: "timed out",
  reasonTooSlow: (bytes) => `too slow to read: ${bytes} bytes waiting`,
  reasonNoNewline: "no newline",
  reasonReset: "connection reset",
  reasonNotChat: "not a chat client",
  reasonHubLost: "their server stopped answering",
  listening: (host, port, transport) => `server: listening on ${host}:${port} (${transport})`,
  stopping: (signal) => `server: ${signal}: telling everyone and stopping`,
  logJoin: (label, nick) => `server: ${label} joined as ${nick}`,
  logLeave: (label, nick, reason) => `server: ${label} (${nick}) left${reason ? `: ${reason}` : ""}`,
  logRename: (label, from, to) => `server: ${label} renamed ${from} -> ${to}`,
  linked: (url, hub) => `server: linked through Redis at ${url}: one room with every server linked there (this server is ${hub})`,
  logLinkDown: (url) => `server: the link through Redis at ${url} is down; this server's room carries on, and lines are held for the others`,
  logLinkBack: (url) => `server: the link through Redis at ${url} is back`,
  logHubLost: (hub, members) => `server: server ${hub} stopped answering; its ${members} members are gone`,
  logSkipped: (id, why) => `server: skipped stream entry ${id}, not from a server of this room: ${why}`,
  redisUnreachable: (url, why) => `server: cannot reach Redis at ${url}: ${why}`,
  redisWhy: {
    refused: "connection refused (is redis-server running there?)",
    closed: "it closed the connection (a wrong password? not Redis?)",
    badUrl: "not a Redis URL (redis://HOST:PORT)",
  },
  connecting: (host, port, transport) => `connecting to ${host}:${port} (${transport})...`,
  connected: (host, port, transport) => `connected to ${host}:${port} (${transport}). Type a line and press Enter; /help for commands, exit to leave.`,
  connectFailed: (host, port, why) => `cannot reach ${host}:${port}: ${why}. Is the server running?`,
  serverGone: "the server went away",
  reconnecting: (seconds) => `reconnecting in ${seconds}s (Ctrl+C to stop)`,
  bye: "bye",
  clientHelp: "exit, /quit, Ctrl+D or Ctrl+C leave",
  notConnected: "not connected: the line was not sent",
};

const zh: Messages = {
  welcome: (nick) => `欢迎，${nick}！输入 /help 查看命令`,
  joined: (nick) => `${nick} 加入了聊天室`,
  left: (nick, reason) => (reason ? `${nick} 离开了聊天室（${reason}）` : `${nick} 离开了聊天室`),
  renamed: (from, to) => `${from} 改名为 ${to}`,
  who: (nicks) => `聊天室里有 ${nicks.length} 人：${nicks.join("、")}`,
  help: [
    "命令：",
    "  /nick 昵称        修改昵称",
    "  /who             查看聊天室里的人",
    "  /me 动作          做一个动作：* 你 动作",
    "  /msg 昵称 内容    私聊",
    "  /quit [原因]      离开",
    "  //内容            发送以 / 开头的一行",
  ],
  pong: (token) => (token ? `pong ${token}` : "pong"),
  shuttingDown: "服务器正在关闭",
  lineTooLong: (bytes, max) => `这一行太长（${bytes}+ 字节，上限 ${max}），没有发送`,
  noNewline: (bytes) => `收到 ${bytes} 字节仍没有换行，断开连接`,
  controlReplaced: "控制字符已被替换为 \ufffd",
  invalidUtf8: "这一行不是有效的 UTF-8，错误的字节已被替换为 \ufffd",
  unknownCommand: (name) => `未知命令 /${name}；输入 /help 查看命令`,
  usage: (usage) => `用法：${usage}`,
  nickEmpty: "昵称不能为空",
  nickTooLong: (max) => `昵称最多 ${max} 个字符`,
  nickBadChars: "昵称只能包含字母、数字、_ 和 -",
  nickTaken: (nick) => `昵称 ${nick} 已被使用`,
  noSuchNick: (nick) => `没有这个昵称：${nick}`,
  alreadyJoined: "你已经在聊天室里了",
  serverFull: (max) => `聊天室已满（${max} 人），请稍后再试`,
  tooManyFromAddress: (max) => `来自你的地址的连接太多（最多 ${max} 个）`,
  floodSlowDown: (seconds) => `你发送得太快了：消息将延迟发送（约 ${seconds} 秒）`,
  floodRefused: "你发送得太快了：这一行没有发送",
  truncatedDatagram: (max) => `数据报太长：最多 ${max} 字节`,
  notChat: "这是纯文本聊天服务器（收到的像是 TLS）：关闭连接",
  idleProbe: (seconds) => `${seconds} 秒没有收到你的消息：还在吗？发送任意一行（或 /ping）`,
  idleClosing: (seconds) => `${seconds} 秒没有收到你的消息：关闭连接`,
  nickLost: (nick) => `服务器之间的连接中断期间，另一台服务器上也有人用了昵称 ${nick}，并保留了它：你重新成为访客（用 /nick 另选一个）`,
  linkDown: "与本聊天室其他服务器的连接中断了：你仍可以和本服务器上的人聊天；连接恢复后消息会继续传递",
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
  listening: (host, port, transport) => `server: 正在监听 ${host}:${port} (${transport})`,
  stopping: (signal) => `server: 收到 ${signal}，通知所有人后退出`,
  logJoin: (label, nick) => `server: ${label} 以 ${nick} 加入`,
  logLeave: (label, nick, reason) => `server: ${label}（${nick}）离开${reason ? `：${reason}` : ""}`,
  logRename: (label, from, to) => `server: ${label} 改名 ${from} -> ${to}`,
  linked: (url, hub) => `server: 已通过 Redis（${url}）连接：与连到那里的所有服务器共用一个聊天室（本服务器编号 ${hub}）`,
  logLinkDown: (url) => `server: 通过 Redis（${url}）的连接中断；本服务器的聊天室照常运行，发往其他服务器的消息先保存`,
  logLinkBack: (url) => `server: 通过 Redis（${url}）的连接已恢复`,
  logHubLost: (hub, members) => `server: 服务器 ${hub} 没有响应；其 ${members} 名成员已离开`,
  logSkipped: (id, why) => `server: 跳过了不是来自本聊天室服务器的记录 ${id}：${why}`,
  redisUnreachable: (url, why) => `server: 无法连接 Redis（${url}）：${why}`,
  redisWhy: {
    refused: "连接被拒绝（那里运行着 redis-server 吗？）",
    closed: "对方关闭了连接（密码错误？不是 Redis？）",
    badUrl: "不是 Redis 地址（redis://主机:端口）",
  },
  connecting: (host, port, transport) => `正在连接 ${host}:${port} (${transport})……`,
  connected: (host, port, transport) => `已连接 ${host}:${port} (${transport})。输入一行后按回车发送；/help 查看命令，exit 退出。`,
  connectFailed: (host, port, why) => `无法连接 ${host}:${port}：${why}。服务器在运行吗？`,
  serverGone: "服务器已断开",
  reconnecting: (seconds) => `${seconds} 秒后重新连接（Ctrl+C 停止）`,
  bye: "再见",
  clientHelp: "exit、/quit、Ctrl+D 或 Ctrl+C 退出",
  notConnected: "未连接：这一行没有发送",
};

export const MESSAGES: Record<Lang, Messages> = { en, zh };

/** Reasons for leaving that a server words itself, so another server can word them in its own language. */
const REASONS = ["reasonClosed", "reasonTimedOut", "reasonNoNewline", "reasonReset", "reasonNotChat", "reasonHubLost", "shuttingDown"] as const;

/**
 * A reason for leaving as another server (of a linked room) worded it, in the
 * language of `t`. A reason a person typed (`/quit gone fishing`) stays as it is.
 */
export function localReason(reason: string, t: Messages): string {
  for (const other of Object.values(MESSAGES)) {
    for (const key of REASONS) if (other[key] === reason) return t[key];
  }
  return reason;
}

export function messages(lang: Lang): Messages {
  return MESSAGES[lang];
}
