/**
 * Exercise 06 · A window on the room: a bridge for browsers (lesson 06; the article's chapter 3 window)
 * 练习 06 · 聊天室的一扇窗：给浏览器的桥（第 06 课；原文第 3 章的窗口）
 *
 * Serve a WebSocket at /ws on --port. Each browser that opens it becomes one client of
 * the hub at 127.0.0.1:--hub-port (your exercise-02 hub, or lessons/02-hub.ts): over
 * TCP, or over UDP given --udp. A frame from the browser is one line (without "\n");
 * each line from the hub goes to the browser as one text frame.
 * 在 --port 上提供 /ws 的 WebSocket。每个打开它的浏览器都成为 127.0.0.1:--hub-port 上 hub 的一个客户端
 * （你的练习 02，或 lessons/02-hub.ts）：走 TCP，收到 --udp 时走 UDP。浏览器的一个帧就是一行（不带 "\n"）；
 * hub 发来的每一行作为一个文本帧发给浏览器。
 *
 * Write it in TypeScript: Python's standard library has no WebSocket.
 * 用 TypeScript 写：Python 标准库里没有 WebSocket。
 *
 * Try it:    bun lessons/02-hub.ts, then bun workspace/06-web-window.ts --port 8080,
 *            then a browser at http://127.0.0.1:8080/ and nc 127.0.0.1 9009
 * Grade it:  bun run grade 06          (add --watch to grade again on every save)
 * 打分：     bun run grade 06          （加 --watch，每次保存都重新打分）
 */
import { parseArgs } from "node:util";
import type { ServerWebSocket, Socket } from "bun";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "hub-port": { type: "string", default: "9009" },
    udp: { type: "boolean", default: false },
    lang: { type: "string" },
  },
  strict: false,
});
const port = Number(values.port ?? process.env.PORT ?? 8080);
const hubPort = Number(values["hub-port"]);

/** One browser: how to reach the hub for it, once its connection is open. */
type Browser = { toHub?: (line: string) => void; closeHub?: () => void; waiting: string[] };

// A tiny page: a log and a field. textContent, never innerHTML: a line from the network is text.
const PAGE = `<!doctype html><meta charset="utf-8"><ul id="log"></ul><form id="f"><input id="i"></form>
<script src="/page.js"></script>`;
const SCRIPT = `const ws = new WebSocket("ws://" + location.host + "/ws");
ws.onmessage = (e) => { const li = document.createElement("li"); li.textContent = e.data; log.append(li); };
f.onsubmit = (e) => { e.preventDefault(); ws.send(i.value); i.value = ""; };`;
const CSP = { "content-security-policy": "default-src 'none'; script-src 'self'; connect-src 'self'" };

const server = Bun.serve<Browser>({
  hostname: "127.0.0.1",
  port,
  fetch(req, srv) {
    const path = new URL(req.url).pathname;
    if (path === "/") return new Response(PAGE, { headers: { ...CSP, "content-type": "text/html" } });
    if (path === "/page.js") return new Response(SCRIPT, { headers: { ...CSP, "content-type": "text/javascript" } });
    // The upgrade: 101 Switching Protocols, and this connection carries frames from now on.
    if (path === "/ws" && srv.upgrade(req, { data: { waiting: [] } })) return undefined;
    return new Response("not found", { status: 404 });
  },
  websocket: {
    async open(ws) {
      // TODO 1: connect to the hub for this browser: Bun.connect (TCP), or with --udp a
      //         Bun.udpSocket({ connect }) that sends "\n" to join and "/quit" to leave.
      //         Set ws.data.toHub and ws.data.closeHub, then send the lines in ws.data.waiting.
      //         为这个浏览器连接 hub：Bun.connect（TCP），或在 --udp 时用 Bun.udpSocket({ connect })，
      //         发 "\n" 加入、发 "/quit" 离开。设置 ws.data.toHub 和 ws.data.closeHub，再把 ws.data.waiting 里的行发出去。
      //         Read / 读: lessons/06-web-window.ts §4 joinHub(), tcpLink(); B4 udpLink()
      // TODO 2: what comes from the hub is a stream: frame it on "\n" (a read may hold two lines,
      //         or half of one), decode it as UTF-8, and send each whole line with toBrowser(ws, line).
      //         hub 发来的是字节流：按 "\n" 分行（一次读取可能有两行，或者半行），按 UTF-8 解码，
      //         把每一整行用 toBrowser(ws, line) 发出。
      //         Read / 读: lessons/06-web-window.ts §6 LineFramer
    },
    message(ws, message) {
      if (typeof message !== "string") return toBrowser(ws, "!!! binary frames are not chat");
      // TODO 3: a frame is a message, not a line: it has no "\n" (the hub needs one), and a
      //         frame holding "\n" is several lines. Send each line to the hub (or keep it in
      //         ws.data.waiting until the hub connection is open).
      //         帧是一条消息，不是一行：它不带 "\n"（hub 需要），帧里有 "\n" 就是几行。
      //         把每一行发给 hub（hub 连接还没建立时先放进 ws.data.waiting）。
      //         Read / 读: lessons/06-web-window.ts §5 fromBrowser()
    },
    close(ws) {
      ws.data.closeHub?.(); // the hub tells the room this member left
    },
  },
});

// One whole line, one text frame (a string: ws.send of a Buffer would be a binary frame).
function toBrowser(ws: ServerWebSocket<Browser>, line: string) {
  ws.send(line);
  // TODO 4: a browser that stops reading must stall nobody: past 256 KiB not yet sent
  //         (ws.getBufferedAmount()), let it go with ws.terminate().
  //         不读数据的浏览器不能拖住任何人：还没发出的超过 256 KiB（ws.getBufferedAmount()）时，
  //         用 ws.terminate() 放它走。
  //         Read / 读: lessons/06-web-window.ts B1 dropSlowBrowser()
}

/** write() takes only what the kernel has room for: keep the rest and write it on drain. */
export function writeAll(s: Socket, queue: Uint8Array[]) {
  while (queue.length > 0) {
    const written = s.write(queue[0]!);
    if (written < 0) return void queue.splice(0);
    if (written < queue[0]!.length) return void (queue[0] = queue[0]!.subarray(written));
    queue.shift();
  }
}

const where = `http://127.0.0.1:${server.port}/`;
console.log(`bridge: the room's page: ${where} (the hub: 127.0.0.1:${hubPort}, ${values.udp ? "udp" : "tcp"})`);
// TODO 5 (an extra): on SIGTERM, stop the server and exit with code 0.   附加：收到 SIGTERM 时停止服务器，以退出码 0 结束。
