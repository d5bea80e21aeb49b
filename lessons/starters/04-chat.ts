/**
 * Exercise 04 · A small complete chat server (lesson 04; the article's chapter 4)
 * 练习 04 · 一个小而完整的聊天服务器（第 04 课；原文第 4 章）
 *
 *   "/nick NAME" names a member; any other line goes to the others as "<NAME> line"
 *   the others hear "*** NAME joined" and "*** NAME left", in the settings' language
 *   "/quit" leaves (over TCP the server then closes the connection)
 *   a line of up to BUFFERSIZE (1024) bytes is relayed whole, Chinese included
 *   over UDP, a member joins with its first datagram (usually "/nick NAME")
 * "/nick 名字" 给成员起名；其他行以 "<名字> 那一行" 转发给其他人；其他人会听到加入和离开的通知
 * （用设置里的语言）；"/quit" 离开（TCP 上服务器随后关闭连接）；最长 1024 字节的一行完整转发。
 *
 * Grade it:  bun run grade 04          (add --watch to grade again on every save)
 * 打分：     bun run grade 04          （加 --watch，每次保存都重新打分）
 * The kit's own server does all this and more: bun src/server.ts (docs/PROTOCOL.md).
 */
import { parseArgs } from "node:util";

// The article's settings.py and language.py. 原文的 settings.py 和 language.py。
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    udp: { type: "boolean", default: false },
    lang: { type: "string" },
  },
  strict: false,
});
// What it prints, in English or Chinese: --lang, else the locale (LANG=zh_CN.UTF-8).   打印的语言：--lang，否则按区域设置。
const locale = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || "";
const zh = values.lang === "zh" || (values.lang !== "en" && locale.startsWith("zh"));
const say = (en: string, chinese: string) => (zh ? chinese : en);
// The port: --port N, else the environment variable PORT, else 9009.   端口：--port N，否则环境变量 PORT，否则 9009。
const [portFrom, portText] =
  typeof values.port === "string"
    ? ["--port", values.port]
    : [say("the environment variable PORT", "环境变量 PORT"), process.env.PORT ?? "9009"];
if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
  console.error(
    say(
      `chat: ${portFrom} must be a port number from 0 to 65535, not ${JSON.stringify(portText)}`,
      `chat：${portFrom} 必须是 0 到 65535 之间的端口号，而不是 ${JSON.stringify(portText)}`,
    ),
  );
  process.exit(2);
}
const port = Number(portText);
const SETTINGS = {
  HOST: "127.0.0.1",
  PORT: port,
  BUFFERSIZE: 1024,
  LANGUAGE: values.lang === "zh" ? "zh" : "en",
};
const LANGUAGE = {
  en: { joined: (nick: string) => `${nick} joined`, left: (nick: string) => `${nick} left` },
  zh: { joined: (nick: string) => `${nick} 加入了聊天室`, left: (nick: string) => `${nick} 离开了聊天室` },
}[SETTINGS.LANGUAGE as "en" | "zh"];

/** A member of the room, whichever transport it came by. */
type Member = { nick: string; send(line: string): void; close(): void };
const members = new Set<Member>();

function arrive(m: Member) {
  // TODO 1: tell the others m joined (LANGUAGE.joined), then add m to `members`.
  //         告诉其他人 m 加入了（LANGUAGE.joined），然后把 m 加进 `members`。
  //         Read / 读: lessons/04-chat.ts, src/hub.ts join()
}
function hear(m: Member, line: string) {
  // TODO 2: "/nick NAME" sets m.nick; "/quit" is leave(m) and m.close(); any other line goes to
  //         every member but m as "<nick> line".
  //         "/nick 名字" 设置 m.nick；"/quit" 即 leave(m) 并 m.close()；其他行以 "<昵称> 那一行" 发给除 m 以外的每个成员。
  //         Read / 读: src/hub.ts receive(), src/protocol.ts parseCommand()
}
function leave(m: Member) {
  // TODO 3: once only: remove m from `members`, then tell the others (LANGUAGE.left).
  //         只做一次：把 m 从 `members` 中移除，再告诉其他人（LANGUAGE.left）。
  //         Read / 读: src/hub.ts leave()
}

if (values.udp) {
  const byAddress = new Map<string, Member>();
  const sock = await Bun.udpSocket({
    hostname: SETTINGS.HOST,
    port: SETTINGS.PORT,
    socket: {
      data(_s, buf, port, address) {
        const key = `${address}:${port}`;
        let m = byAddress.get(key);
        if (!m) {
          const me: Member = {
            nick: key,
            // TODO 4: a send can throw after an earlier bounce: catch it and try once more.
            //         发送可能因为之前的退回而抛错：catch 它，再试一次。
            //         Read / 读: lessons/02-hub.ts, trySend()
            send: (line) => void sock.send(line + "\n", port, address),
            close: () => void byAddress.delete(key),
          };
          byAddress.set(key, (m = me));
          arrive(me);
        }
        for (const line of new TextDecoder()
          .decode(buf)
          .replace(/\r?\n$/, "")
          .split("\n"))
          hear(m, line.replace(/\r$/, ""));
      },
      error() {},
    },
  });
} else {
  type Conn = { member: Member; buffered: string; decoder: TextDecoder };
  Bun.listen<Conn>({
    hostname: SETTINGS.HOST,
    port: SETTINGS.PORT,
    socket: {
      open(s) {
        // write() may take only part: lesson 02's send()/flush() queue belongs here for a real server.
        const member: Member = {
          nick: `${s.remoteAddress}:${s.remotePort}`,
          send: (line) => void s.write(line + "\n"),
          close: () => s.end(),
        };
        s.data = { member, buffered: "", decoder: new TextDecoder() };
        arrive(member);
      },
      data(s, chunk) {
        s.data.buffered += s.data.decoder.decode(chunk, { stream: true });
        const lines = s.data.buffered.split("\n");
        s.data.buffered = lines.pop()!;
        for (const line of lines) hear(s.data.member, line.replace(/\r$/, ""));
      },
      close(s) {
        leave(s.data.member);
      },
    },
  });
}
const where = `${SETTINGS.HOST}:${SETTINGS.PORT}`;
const how = `${values.udp ? "udp" : "tcp"}, ${SETTINGS.LANGUAGE}`;
console.log(say(`chat: listening on ${where} (${how})`, `chat：正在监听 ${where}（${how}）`));
// TODO 5 (an extra): on SIGTERM, tell everyone, and exit with code 0.   附加：收到 SIGTERM 时通知所有人，以退出码 0 结束。
//         Read / 读: lessons/04-chat.ts §5, stop()
