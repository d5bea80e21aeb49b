/**
 * Exercise 02 · A hub for many clients (lesson 02; the article's chapter 2)
 * 练习 02 · 多个客户端的聊天中心（第 02 课；原文第 2 章）
 *
 * Relay each line to every OTHER client as "<127.0.0.1:PORT> line", and tell the
 * others "*** 127.0.0.1:PORT joined" and "*** 127.0.0.1:PORT left".
 * 把每一行以 "<127.0.0.1:端口> 那一行" 转发给其他每个客户端，并告诉其他人
 * "*** 127.0.0.1:端口 joined" 和 "*** 127.0.0.1:端口 left"。
 * Over UDP a client joins with any datagram, leaves with "/quit", and is forgotten
 * after --idle seconds of silence. UDP 上：任何数据报即加入，"/quit" 离开，沉默超过 --idle 秒被忘掉。
 *
 * Grade it:  bun run grade 02          (add --watch to grade again on every save)
 * 打分：     bun run grade 02          （加 --watch，每次保存都重新打分）
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    udp: { type: "boolean", default: false },
    idle: { type: "string", default: "60" },
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
      `hub: ${portFrom} must be a port number from 0 to 65535, not ${JSON.stringify(portText)}`,
      `hub：${portFrom} 必须是 0 到 65535 之间的端口号，而不是 ${JSON.stringify(portText)}`,
    ),
  );
  process.exit(2);
}
const port = Number(portText);

if (values.udp) {
  const members = new Map<string, { port: number; address: string; heard: number }>(); // "address:port" -> member
  await Bun.udpSocket({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(sock, buf, fromPort, fromAddress) {
        // TODO 5: a new address joins (tell the others); "/quit" leaves; any other line goes to the others.
        //         新地址即加入（告诉其他人）；"/quit" 离开；其他行转发给其他人。
        //         Read / 读: lessons/02-hub.ts §4, hear() and forget()
        // TODO 6: a send can throw because of an earlier bounce: catch it per member, and try once more.
        //         发送可能因为之前的退回而抛错：对每个成员单独 catch，再试一次。
        //         Read / 读: lessons/02-hub.ts §5 relay(), B4 trySend()
      },
      error() {
        // A datagram to someone who left bounced: nothing to do here (see TODO 6). 发给已离开者的数据报被退回：这里不用做什么。
      },
    },
  });
  // TODO 7: every second or so, forget members silent longer than --idle seconds (tell the others).
  //         大约每秒检查一次，忘掉沉默超过 --idle 秒的成员（告诉其他人）。
  //         Read / 读: lessons/02-hub.ts B4, forgetTheSilent()
} else {
  type Client = { name: string; buffered: string; decoder: TextDecoder };
  const clients = new Set<Socket<Client>>();
  Bun.listen<Client>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        s.data = { name: `127.0.0.1:${s.remotePort}`, buffered: "", decoder: new TextDecoder() };
        // TODO 1: tell the others it joined, then add it to `clients`.
        //         告诉其他人它加入了，然后把它加进 `clients`。
        //         Read / 读: lessons/02-hub.ts §3, join()
      },
      data(s, chunk) {
        // TODO 2: frame on "\n" (a read is not a line) and relay each line to every client but `s`.
        //         按 "\n" 分行（一次读取不等于一行），把每一行转发给除 `s` 以外的每个客户端。
        //         Read / 读: lessons/02-hub.ts §3 receive(), §2 broadcast(line, from)
        // TODO 3: never wait for a client that reads slowly: queue what write() did not take, write it in drain().
        //         绝不等读得慢的客户端：write() 没收下的放进队列，在 drain() 里再写。
        //         Read / 读: lessons/02-hub.ts B1, send() and flush()
      },
      close(s) {
        // TODO 4: remove it from `clients`, then tell the others it left.
        //         把它从 `clients` 中移除，再告诉其他人它离开了。
        //         Read / 读: lessons/02-hub.ts §3, leave()
      },
    },
  });
}
console.log(
  say(
    `hub: listening on 127.0.0.1:${port} (${values.udp ? "udp" : "tcp"})`,
    `hub：正在监听 127.0.0.1:${port}（${values.udp ? "udp" : "tcp"}）`,
  ),
);
// TODO 8 (an extra): on SIGTERM, exit with code 0.   附加：收到 SIGTERM 时以退出码 0 结束。
// Read / 读: lessons/02-hub.ts §6, stop()
