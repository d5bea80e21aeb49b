/**
 * Exercise 03 · A client that types and receives at once (lesson 03; the article's chapter 3)
 * 练习 03 · 边打字边接收的客户端（第 03 课；原文第 3 章）
 *
 * Send each line typed to the hub; print each line from the hub above what is being
 * typed, and never print control characters raw. Leave on Ctrl+D, Ctrl+C and "exit".
 * 把输入的每一行发给 hub；hub 发来的每一行打印在正在输入的文字上方，绝不原样打印控制字符。
 * 按 Ctrl+D、Ctrl+C 或输入 "exit" 时离开。
 *
 * Grade it:  bun run grade 03          (it runs in a real terminal; add --watch to grade on every save)
 * 打分：     bun run grade 03          （在真实的终端里运行；加 --watch，每次保存都重新打分）
 * Try it:    bun lessons/02-hub.ts   then   bun workspace/03-client.ts   (each with --udp for UDP)
 */
import { parseArgs } from "node:util";
import { createInterface, type Interface } from "node:readline";

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
      `client: ${portFrom} must be a port number from 0 to 65535, not ${JSON.stringify(portText)}`,
      `client：${portFrom} 必须是 0 到 65535 之间的端口号，而不是 ${JSON.stringify(portText)}`,
    ),
  );
  process.exit(2);
}
const port = Number(portText);
let rl: Interface | undefined;

/** A line from the hub, on the screen. */
function print(text: string) {
  // TODO 1: clean it: replace control characters (C0 but tab, DEL, C1, U+202A–U+202E, U+2066–U+2069) with "\uFFFD".
  //         先清理：把控制字符（除制表符外的 C0、DEL、C1、U+202A–U+202E、U+2066–U+2069）替换成 "\uFFFD"。
  //         Read / 读: lessons/03-client.ts B3, clean()
  // TODO 2: print above the half-typed line: clearLine(), cursorTo(0), print, then rl.prompt(true).
  //         打印在输入到一半的行上方：clearLine()、cursorTo(0)、打印，然后 rl.prompt(true)。
  //         Read / 读: lessons/03-client.ts §2, print()
  console.log(text);
}

let send: (line: string) => void;
let leave: () => void;
if (values.udp) {
  const sock = await Bun.udpSocket({
    hostname: "127.0.0.1",
    connect: { hostname: "127.0.0.1", port },
    socket: {
      data(_s, buf) {
        print(new TextDecoder().decode(buf).replace(/\r?\n$/, "")); // one datagram, one line
      },
      error() {},
    },
  });
  send = (line) => void sock.send(line);
  // TODO 3: UDP has no goodbye: send "/quit" before closing.   UDP 没有“再见”：关闭前先发送 "/quit"。
  leave = () => sock.close();
} else {
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        // TODO 4: a read is not a line: keep a buffer (and a TextDecoder with { stream: true }), print each whole line.
        //         一次读取不等于一行：保留缓冲区（以及带 { stream: true } 的 TextDecoder），打印每个完整的行。
        //         Read / 读: lessons/03-client.ts §3, openTcp()
        print(chunk.toString());
      },
      close() {
        process.exit(0);
      },
    },
  });
  // TODO 5: every line you send ends with "\n": that is where the hub sees it end.
  //         发出的每一行都以 "\n" 结尾：hub 靠它知道这一行结束了。
  send = (line) => void sock.write(line);
  leave = () => sock.end();
}

rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
rl.on("line", (line) => {
  send(line);
  rl?.prompt();
});
// TODO 6: leave cleanly on Ctrl+D (rl's "close"), Ctrl+C (rl's "SIGINT") and a line "exit": leave(), then exit 0.
//         按 Ctrl+D（rl 的 "close"）、Ctrl+C（rl 的 "SIGINT"）或输入 "exit" 时干净地离开：leave()，然后以 0 退出。
//         Read / 读: lessons/03-client.ts §1, main() and leave()
rl.prompt();
