/**
 * Exercise 01 · An echo server (lesson 01; the article's chapter 1)
 * 练习 01 · 回声服务器（第 01 课；原文第 1 章）
 *
 * Answer every line a client sends with "[" + time.ctime() + "] " + the line:
 *     hello   ->   [Mon Nov 30 00:51:13 2026] hello
 * 客户端发来的每一行，都回复 "[" + time.ctime() + "] " + 那一行。
 *
 * Grade it:  bun run grade 01          (add --watch to grade again on every save)
 * 打分：     bun run grade 01          （加 --watch，每次保存都重新打分）
 * The grader gives you --port N (and env PORT), and --udp for the UDP half.
 * 评分器会传给你 --port N（以及环境变量 PORT），UDP 部分另加 --udp。
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { port: { type: "string" }, udp: { type: "boolean", default: false }, lang: { type: "string" } },
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
      `echo: ${portFrom} must be a port number from 0 to 65535, not ${JSON.stringify(portText)}`,
      `echo：${portFrom} 必须是 0 到 65535 之间的端口号，而不是 ${JSON.stringify(portText)}`,
    ),
  );
  process.exit(2);
}
const port = Number(portText);

// Python's time.ctime(): "Mon Nov 30 00:51:13 2026", the day padded with a space ("Nov  2").
function ctime(): string {
  const [weekday, month, day, year, time] = new Date().toString().split(" ");
  return `${weekday} ${month} ${String(Number(day)).padStart(2, " ")} ${time} ${year}`;
}
const reply = (line: string) => `[${ctime()}] ${line}\n`;

if (values.udp) {
  await Bun.udpSocket({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(sock, buf, fromPort, fromAddress) {
        // TODO 4: one datagram is one whole message, newline or not: answer it at (fromPort, fromAddress).
        //         Take its "\n" off first: reply() adds one (else every reply ends in a blank line).
        //         一个数据报就是一条完整的消息（有没有换行都一样）：回复到 (fromPort, fromAddress)。
        //         先去掉它末尾的 "\n"：reply() 会加一个（否则每个回复后面都多一个空行）。
        //         Read / 读: lessons/01-echo.ts §4, serveUdp()
        // TODO 5: a reply to a client that already left bounces, and Bun reports that bounce on the NEXT
        //         send(), even one to a live client: it throws. Catch it and send once more (the grader
        //         makes this happen on every run: "a bounced datagram's error swallowed").
        //         回复给已离开的客户端会被退回，Bun 会在“下一次” send() 时报告它，即使那次是发给在线的客户端：
        //         它会抛出错误。捕获它，再发一次（评分器每次都会制造这种情况：“吞掉了被退回数据报的错误”）。
        //         Read / 读: lessons/01-echo.ts B4, sendTo()
      },
      error() {
        // The bounce also comes here, later: note it and keep serving (an empty handler will do).
        // 这次退回稍后也会来到这里：记下它，继续服务（空的处理函数也可以）。
        // Read / 读: lessons/01-echo.ts B4, udpError()
      },
    },
  });
} else {
  type Client = { buffered: string; decoder: TextDecoder };
  Bun.listen<Client>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        // TODO 1: each client gets its own state (Bun shares ONE `data` object otherwise).
        //         每个客户端都要有自己的状态（否则 Bun 让所有连接共用一个 `data` 对象）。
        //         Read / 读: lessons/01-echo.ts §3, newConn() and serveTcp()
      },
      data(s, chunk) {
        // TODO 2: a read is not a line. Decode with s.data.decoder ({ stream: true }), add it to
        //         s.data.buffered, and answer each complete line up to "\n" (drop a "\r" before it).
        //         一次读取不等于一行。用 s.data.decoder（{ stream: true }）解码，追加到 s.data.buffered，
        //         按 "\n" 取出每个完整的行来回复（去掉行尾的 "\r"）。
        //         Read / 读: lessons/01-echo.ts §3, takeLines()
        // TODO 3: write() may take only part of a reply: keep the rest, write it again in drain().
        //         write() 可能只发出回复的一部分：留下剩余的，在 drain() 里接着写。
        //         Read / 读: lessons/01-echo.ts B1, send() and flush()
      },
    },
  });
}
console.log(
  say(
    `echo: listening on 127.0.0.1:${port} (${values.udp ? "udp" : "tcp"})`,
    `echo：正在监听 127.0.0.1:${port}（${values.udp ? "udp" : "tcp"}）`,
  ),
);
// TODO 6 (an extra): on SIGTERM, exit with code 0.   附加：收到 SIGTERM 时以退出码 0 结束。
//         Read / 读: lessons/01-echo.ts §5, runServer()
