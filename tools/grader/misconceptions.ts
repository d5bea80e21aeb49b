/**
 * The catalogue of classic socket misconceptions the grader can name. Each check
 * that fails reports the symptoms it saw (ids below); `diagnose` turns them into
 * named misconceptions, each with an explanation and the lesson to re-read.
 */
import type { Lang } from "../../src/i18n.ts";

export type { Lang };
export type Text = Record<Lang, string>;

export type MisconceptionId =
  | "one-read-one-message"
  | "no-newline"
  | "echo-to-sender"
  | "clients-never-removed"
  | "crash-on-reset"
  | "udp-reliable"
  | "silence-stalls"
  | "writes-assumed-complete"
  | "shared-state";

export type Misconception = { id: MisconceptionId; name: Text; explain: Text; reread: Text };

export const MISCONCEPTIONS: Record<MisconceptionId, Misconception> = {
  "one-read-one-message": {
    id: "one-read-one-message",
    name: { en: "one data event is one message", zh: "一次读取就是一条消息" },
    explain: {
      en: "TCP is a stream of bytes with no message boundaries. One recv() (one `data` event) may hold half a line, or three lines, or a line and a half; the sender's writes are not preserved. Keep a buffer per connection, append every chunk to it, and handle each complete line up to \"\\n\"; keep the rest for the next read.",
      zh: "TCP 是没有消息边界的字节流。一次 recv()（一次 `data` 事件）可能只有半行，也可能有三行，或一行半；发送方的写入边界不会被保留。为每个连接保留一个缓冲区，把每次收到的数据追加进去，按 \"\\n\" 取出完整的行逐一处理，剩下的留到下一次读取。",
    },
    reread: { en: "lessons/01-echo.ts (framing on \\n)", zh: "lessons/01-echo.ts（按 \\n 分行）" },
  },
  "no-newline": {
    id: "no-newline",
    name: { en: "no newline at the end", zh: "行尾没有换行符" },
    explain: {
      en: "Over TCP a line only exists once its \"\\n\" arrives: the reader cannot know a message is finished otherwise, and waits. Every line you send must end with \"\\n\" (stripping it from what you received and forgetting to add it back is the usual cause).",
      zh: "在 TCP 上，一行只有在它的 \"\\n\" 到达之后才算完整：否则读取方无法知道消息已经结束，只能一直等待。你发送的每一行都必须以 \"\\n\" 结尾（常见原因是把收到的换行符去掉后忘了加回去）。",
    },
    reread: { en: "lessons/01-echo.ts (the reply format)", zh: "lessons/01-echo.ts（回复的格式）" },
  },
  "echo-to-sender": {
    id: "echo-to-sender",
    name: { en: "sent back to the sender", zh: "把消息发回给了发送者" },
    explain: {
      en: "A hub forwards each line to all the OTHER clients. Looping over every client (or every socket select() returned) without skipping the one the line came from sends people their own words back, and a client that prints what it receives shows every line twice.",
      zh: "聊天中心应把每一行转发给“其他”客户端。遍历所有客户端（或 select() 返回的所有套接字）却不跳过消息的来源，就会把发送者自己的话发回给他，客户端会把每一行显示两遍。",
    },
    reread: { en: "lessons/02-hub.ts (broadcast to the others)", zh: "lessons/02-hub.ts（转发给其他人）" },
  },
  "clients-never-removed": {
    id: "clients-never-removed",
    name: { en: "clients never removed", zh: "客户端从未被移除" },
    explain: {
      en: "When a client leaves (recv() returns b\"\" / the `close` event, or \"/quit\" over UDP), it must be taken out of the set of clients. Otherwise the hub keeps writing to a dead socket (an error, often a crash, on the next broadcast) or keeps sending datagrams to an address that has gone.",
      zh: "客户端离开时（recv() 返回 b\"\" / `close` 事件，或 UDP 上的 \"/quit\"），必须把它从客户端集合中移除。否则聊天中心会继续向已关闭的套接字写数据（下一次广播时出错，常常直接崩溃），或者继续向已经离开的地址发送数据报。",
    },
    reread: { en: "lessons/02-hub.ts (leave: remove from the Set)", zh: "lessons/02-hub.ts（离开：从 Set 中移除）" },
  },
  "crash-on-reset": {
    id: "crash-on-reset",
    name: { en: "crashes when a client resets", zh: "客户端重置连接时程序崩溃" },
    explain: {
      en: "A client can vanish at any moment: its connection is reset (ECONNRESET, ConnectionResetError) or, over UDP, a reply bounces back as ECONNREFUSED. That is one client's problem; catch the error around that client's read and write, drop that client, and keep serving everyone else.",
      zh: "客户端可能随时消失：连接被重置（ECONNRESET、ConnectionResetError），或在 UDP 上回复被退回为 ECONNREFUSED。这只是那一个客户端的问题：在对它的读写周围捕获错误，丢弃这个客户端，继续为其他人服务。",
    },
    reread: { en: "lessons/01-echo.ts and lessons/02-hub.ts (error handlers)", zh: "lessons/01-echo.ts 和 lessons/02-hub.ts（错误处理）" },
  },
  "udp-reliable": {
    id: "udp-reliable",
    name: { en: "UDP treated as reliable", zh: "把 UDP 当成可靠的" },
    explain: {
      en: "UDP delivers datagrams, each whole or not at all, possibly twice, possibly out of order; it is not a stream. One datagram is one message: answer it as it is, with or without a newline, and never wait for a later datagram to complete an earlier one.",
      zh: "UDP 传递的是数据报：每个要么完整到达、要么丢失，可能重复，可能乱序；它不是字节流。一个数据报就是一条消息：按原样处理它，不管有没有换行符，也不要等待后面的数据报来“补全”前面的。",
    },
    reread: { en: "lessons/01-echo.ts (the UDP half)", zh: "lessons/01-echo.ts（UDP 部分）" },
  },
  "silence-stalls": {
    id: "silence-stalls",
    name: { en: "one client's silence stalls everyone", zh: "一个客户端不说话，所有人都被卡住" },
    explain: {
      en: "A blocking recv() on one client (or waiting without limit for its line to finish, or for it to read) stops the whole server while that client is quiet. Wait on all sockets at once (select(), or Bun's event loop) and only read from a socket that is ready; never wait for one client in a way that holds up the others.",
      zh: "对某个客户端阻塞地 recv()（或无限期地等待它把一行发完、或等它读取），会让整个服务器在它沉默时停下来。应同时等待所有套接字（select()，或 Bun 的事件循环），只从已就绪的套接字读取；绝不能以阻塞其他人的方式等待某一个客户端。",
    },
    reread: { en: "lessons/02-hub.ts (select and the event loop)", zh: "lessons/02-hub.ts（select 与事件循环）" },
  },
  "writes-assumed-complete": {
    id: "writes-assumed-complete",
    name: { en: "writes assumed complete", zh: "以为每次写入都会完整发送" },
    explain: {
      en: "send() and Bun's socket.write() may take only part of the data when the peer reads slowly; the return value says how much. Python's sendall() loops for you; in Bun keep a queue per socket and write the rest on `drain`. Ignoring it loses the end of a long reply.",
      zh: "当对方读得慢时，send() 和 Bun 的 socket.write() 可能只发送一部分数据；返回值说明发送了多少。Python 的 sendall() 会替你循环；在 Bun 里要为每个套接字维护一个队列，在 `drain` 时写出剩余部分。忽略返回值会丢掉长回复的结尾。",
    },
    reread: { en: "lessons/01-echo.ts (the send queue)", zh: "lessons/01-echo.ts（发送队列）" },
  },
  "shared-state": {
    id: "shared-state",
    name: { en: "one state object shared by all sockets", zh: "所有套接字共用一个状态对象" },
    explain: {
      en: "Each connection needs its own state: its half-received line, its name, its queue. Bun.listen's `data` object is ONE object shared by every accepted socket, and a module-level buffer is shared too; when two clients type at once their half lines mix. Create a fresh state in `open` (s.data = {...}).",
      zh: "每个连接都需要自己的状态：收到一半的行、名字、发送队列。Bun.listen 的 `data` 对象是所有已接受套接字共享的同一个对象，模块级的缓冲区也是共享的；两个客户端同时输入时，它们的半行会混在一起。应在 `open` 中创建新的状态（s.data = {...}）。",
    },
    reread: { en: "lessons/02-hub.ts (s.data per client)", zh: "lessons/02-hub.ts（每个客户端自己的 s.data）" },
  },
};

/** The named misconceptions behind a set of symptoms, most specific first (catalogue order). */
export function diagnose(symptoms: Iterable<string>): Misconception[] {
  const seen = new Set(symptoms);
  return Object.values(MISCONCEPTIONS).filter((m) => seen.has(m.id));
}
