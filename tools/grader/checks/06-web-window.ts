/**
 * Lesson 06's checks: a bridge that lets browsers into a hub. The grader starts
 * lesson 02's hub (over TCP, or UDP given --udp), then the bridge under test
 * (`--port N` for its page, `--hub-port M`, and `--udp` for a UDP hub); its
 * browser is Bun's own WebSocket client, and beside it an nc-like client of the
 * hub. A slow browser is a TCP connection that upgrades, then stops reading.
 *
 * Format-tolerant: a frame may end in one "\n"; the hub's "<address> " before a
 * line is the hub's business. Strict on behaviour: one frame is one line, both
 * ways; text frames; nobody waits for a browser that does not read.
 */
import { HOST, type Peer, type Program } from "../../harness/index.ts";
import type { Check, Exam } from "../exam.ts";
import { referenceCommand } from "../exercises.ts";
import type { MisconceptionId } from "../misconceptions.ts";
import { both, type Text } from "../text.ts";
import { BOTH, TCP } from "./common.ts";

const LESSON_02_HUB = both("lesson 02's hub (started by the grader)", "第 02 课的 hub（由评分器启动）");

/** The grader's browser: Bun's own WebSocket client, each frame recorded on the wire as it came. */
class Browser {
  readonly frames: { text: string; binary: boolean }[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(
    readonly name: string,
    private readonly ws: WebSocket,
    private readonly c: Exam,
  ) {
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => {
      const binary = typeof e.data !== "string";
      const bytes = binary ? new Uint8Array(e.data as ArrayBuffer) : new TextEncoder().encode(e.data as string);
      c.wire.record(name, "recv", bytes, binary ? "binary frame" : "text frame");
      this.frames.push({ text: binary ? new TextDecoder().decode(bytes) : (e.data as string), binary });
    };
    ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason };
      c.wire.record(name, "close", undefined, `closed ${e.code} ${e.reason}`);
    };
  }

  /** The text of each text frame, one trailing "\n" taken off (the format allows it). */
  texts(): string[] {
    return this.frames.filter((f) => !f.binary).map((f) => f.text.replace(/\r?\n$/, ""));
  }

  send(text: string): void {
    this.c.wire.record(this.name, "sent", new TextEncoder().encode(text), "text frame");
    this.ws.send(text);
  }

  close(): void {
    this.ws.close();
  }

  /** What it received, frame by frame, short. */
  arrived(): Text {
    const shown = this.frames
      .slice(-6)
      .map((f) => (f.binary ? `binary ${JSON.stringify(f.text)}` : JSON.stringify(f.text)));
    const closed = this.closed ? `; closed ${this.closed.code}` : "";
    return shown.length === 0
      ? both(`${this.name} received no frame${closed}`, `${this.name} 没收到任何帧${closed}`)
      : both(
          `${this.name} received the frames ${shown.join(", ")}${closed}`,
          `${this.name} 收到的帧：${shown.join("，")}${closed}`,
        );
  }
}

/** Open a browser on the bridge's page; wait until the hub has welcomed it (its first frame). */
async function openBrowser(c: Exam, bridge: Program, name: string): Promise<Browser> {
  const ws = new WebSocket(`ws://${HOST}:${bridge.port}/ws`);
  const b = new Browser(name, ws, c);
  c.defer(() => b.close());
  c.wire.record(name, "open", undefined, `WebSocket to ${HOST}:${bridge.port}/ws`);
  await c.waitFor(
    () => b.frames.length > 0 || b.closed !== undefined,
    both(
      `${name} opens ws://${HOST}:${bridge.port}/ws and gets the hub's welcome as a frame`,
      `${name} 打开 ws://${HOST}:${bridge.port}/ws，并以一个帧收到 hub 的欢迎`,
    ),
    () => b.arrived(),
    [],
    { ms: c.o.readyMs ?? 5000 },
  );
  if (b.frames.length === 0) c.fail(both(`${name} stays open`, `${name} 保持打开`), b.arrived(), binarySymptoms(b));
  return b;
}

const binarySymptoms = (b: Browser): MisconceptionId[] =>
  b.frames.some((f) => f.binary) || b.closed?.code === 1007 ? ["frames-not-text"] : [];

type Room = { hub: Program; bridge: Program; nc: Peer; browser: Browser };

/** Lesson 02's hub, the bridge under test in front of it, an nc-like client and a browser, all in the room. */
async function room(c: Exam): Promise<Room> {
  const hub = await c.helper(referenceCommand("02"), LESSON_02_HUB);
  const bridge = await c.launch(["--hub-port", String(hub.port)], "tcp");
  const nc = await c.connect(c.transport, hub.port, "nc");
  if (c.transport === "udp") nc.sendExact("\n"); // nc -u joins with its first datagram
  await c.waitFor(
    () => nc.lines().some((l) => l.startsWith("***")),
    both("nc is welcomed by the hub", "nc 收到 hub 的欢迎"),
    () => c.arrived(nc),
  );
  const browser = await openBrowser(c, bridge, "browser");
  return { hub, bridge, nc, browser };
}

/** The browser's line reaches nc: a line ending with `text`. */
const ncHears = (c: Exam, nc: Peer, text: string, symptoms: MisconceptionId[] = []) =>
  c.waitFor(
    () => nc.lines().some((l) => l.endsWith(text)),
    both(
      `nc receives the browser's line ${JSON.stringify(text)} (with "\\n" at its end)`,
      `nc 收到浏览器的那一行 ${JSON.stringify(text)}（行尾有 "\\n"）`,
    ),
    () => c.arrived(nc),
    () => (nc.text().includes(text) ? ["frame-not-line"] : symptoms),
  );

const browserHears = (c: Exam, b: Browser, text: string) =>
  c.waitFor(
    () => b.texts().some((t) => t.endsWith(text)),
    both(
      `the browser receives a frame ending with ${JSON.stringify(text)}`,
      `浏览器收到一个以 ${JSON.stringify(text)} 结尾的帧`,
    ),
    () => b.arrived(),
    () => {
      const binary = binarySymptoms(b);
      if (binary.length > 0) return binary;
      return b.frames.some((f) => f.text.includes(text)) ? ["frame-not-line"] : [];
    },
  );

export const BRIDGE_CHECKS: Check[] = [
  {
    id: "06.relay",
    lesson: "06",
    transports: BOTH,
    name: both(
      "relays a browser's line to the hub, and the hub's lines to the browser, one frame a line",
      "把浏览器的一行转给 hub，把 hub 的行转给浏览器，一行一帧",
    ),
    reread: both(
      "lessons/06-web-window.ts §4-§6: a hub connection per browser, frames to lines, lines to frames",
      "lessons/06-web-window.ts §4-§6：每个浏览器一条 hub 连接，帧变成行，行变成帧",
    ),
    async run(c) {
      const { nc, browser } = await room(c);
      browser.send("hello from the page 你好");
      await ncHears(c, nc, "hello from the page 你好");
      nc.sendLine("hello from nc 你好");
      await browserHears(c, browser, "hello from nc 你好");
    },
  },
  {
    id: "06.frames",
    lesson: "06",
    transports: BOTH,
    name: both(
      'takes a frame as a message, not a line: a frame without "\\n" is a line, one with "\\n" is several',
      '把帧当作一条消息而不是一行：不带 "\\n" 的帧是一行，带 "\\n" 的帧是几行',
    ),
    subject: both("the frames step", "帧的这一步"),
    reread: both("lessons/06-web-window.ts §5: fromBrowser()", "lessons/06-web-window.ts §5：fromBrowser()"),
    async run(c) {
      const { nc, browser } = await room(c);
      c.reached();
      browser.send("first of two\nsecond of two");
      browser.send("a line of its own");
      await ncHears(c, nc, "a line of its own", ["frame-not-line"]);
      const said = nc.lines().filter((l) => /(of two|of its own)$/.test(l));
      if (!said.some((l) => l.endsWith("first of two")) || !said.some((l) => l.endsWith("second of two")))
        c.fail(
          both(
            'nc receives "first of two" and "second of two" as two lines',
            'nc 把 "first of two" 和 "second of two" 作为两行收到',
          ),
          c.arrived(nc),
          ["frame-not-line"],
        );
    },
  },
  {
    id: "06.hub-lines",
    lesson: "06",
    transports: BOTH,
    name: both(
      "sends each line from the hub as a frame of its own, however the hub's bytes were read",
      "把 hub 发来的每一行单独作为一个帧发出，不管 hub 的字节是怎样读到的",
    ),
    subject: both("the step with three lines at once", "一次来三行的这一步"),
    reread: both(
      "lessons/06-web-window.ts §6: LineFramer, one whole line, one frame",
      "lessons/06-web-window.ts §6：LineFramer，一整行一个帧",
    ),
    async run(c) {
      const { nc, browser } = await room(c);
      c.reached();
      // The bridge is stopped while the hub sends three lines: its next read takes them together.
      await c.frozen(() => nc.sendExact("line one\nline two\nline three 你好\n"));
      await browserHears(c, browser, "line three 你好");
      await c.settle();
      const texts = browser.texts();
      const joined = texts.find((t) => t.includes("\n"));
      const pieces = !["line one", "line two", "line three 你好"].every((x) => texts.some((t) => t.endsWith(x)));
      if (joined !== undefined || pieces)
        c.fail(
          both(
            'three frames, ending with "line one", "line two" and "line three 你好"',
            '三个帧，分别以 "line one"、"line two" 和 "line three 你好" 结尾',
          ),
          browser.arrived(),
          ["frame-not-line"],
        );
    },
  },
  {
    id: "06.text",
    lesson: "06",
    transports: BOTH,
    name: both(
      "sends the hub's lines as text frames, valid UTF-8, Chinese included",
      "把 hub 的行作为文本帧发出，是有效的 UTF-8，中文也一样",
    ),
    reread: both(
      "lessons/06-web-window.ts §6 and B3: a TextDecoder, then ws.send(text)",
      "lessons/06-web-window.ts §6 和 B3：先用 TextDecoder，再 ws.send(文本)",
    ),
    async run(c) {
      const { nc, browser } = await room(c);
      nc.sendLine("中文也是一行 ✓");
      await c.waitFor(
        () => browser.texts().some((t) => t.endsWith("中文也是一行 ✓")) || browser.frames.some((f) => f.binary),
        both("the browser receives a text frame with the line", "浏览器收到一个带着这一行的文本帧"),
        () => browser.arrived(),
        () => binarySymptoms(browser),
      );
      if (browser.frames.some((f) => f.binary) || browser.closed?.code === 1007)
        c.fail(both("text frames only (the page reads text)", "只有文本帧（网页读的是文本）"), browser.arrived(), [
          "frames-not-text",
        ]);
    },
  },
  {
    id: "06.slow",
    lesson: "06",
    transports: TCP, // a flood of datagrams over UDP would only add loss: the bridge's side is the same
    name: both(
      "keeps the room going while one browser stops reading: nobody waits for it",
      "一个浏览器不读数据时，聊天室照常进行：谁也不用等它",
    ),
    subject: both("the step with a browser that stops reading", "有一个浏览器不读数据的这一步"),
    reread: both(
      "lessons/06-web-window.ts B1: each browser its own queue, and dropSlowBrowser()",
      "lessons/06-web-window.ts B1：每个浏览器自己的队列，以及 dropSlowBrowser()",
    ),
    async run(c) {
      const { bridge, nc, browser } = await room(c);
      // A browser whose tab is stuck: it upgrades, then reads nothing more.
      const slow = await c.connect("tcp", bridge.port, "slow browser");
      const key = Buffer.from(Array.from({ length: 16 }, () => Math.floor(c.random() * 256))).toString("base64");
      slow.sendExact(
        `GET /ws HTTP/1.1\r\nHost: ${HOST}:${bridge.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      await c.waitFor(
        () => slow.text().includes(" 101 "),
        both(
          "the bridge answers the upgrade with 101 Switching Protocols",
          "桥以 101 Switching Protocols 回答升级请求",
        ),
        () => c.arrived(slow),
      );
      await c.waitFor(
        () => nc.lines().filter((l) => l.startsWith("***")).length >= 3,
        both("nc hears the slow browser join", "nc 听到慢的浏览器加入"),
        () => c.arrived(nc),
      );
      slow.hold(true);
      c.reached();
      // 16 MB through the room, a megabyte at a time: more than the kernel holds for the slow one.
      const filler = "x".repeat(4000);
      for (let batch = 0; batch < 16; batch++) {
        const last = `batch ${batch} done`;
        nc.sendExact(Array.from({ length: 256 }, (_, i) => `${filler} ${i}\n`).join("") + last + "\n");
        await c.waitFor(
          // Inside a frame or not: how the lines are framed is 06.hub-lines' business.
          () => browser.frames.some((f) => f.text.includes(last)),
          both(
            `the other browser keeps receiving the room's lines (${JSON.stringify(last)}) while one browser does not read`,
            `有一个浏览器不读数据时，另一个浏览器照样收到聊天室的行（${JSON.stringify(last)}）`,
          ),
          () => both(`it did not arrive; ${browser.arrived().en}`, `它没有到达；${browser.arrived().zh}`),
          ["slow-browser-stalls"],
        );
      }
      browser.send("still quick");
      await ncHears(c, nc, "still quick", ["slow-browser-stalls"]);
    },
  },
  {
    id: "06.leave",
    lesson: "06",
    transports: BOTH,
    name: both("a browser that closes its page leaves the hub", "关掉网页的浏览器也离开了 hub"),
    subject: both("the step where the browser leaves", "浏览器离开的这一步"),
    reread: both(
      "lessons/06-web-window.ts §3 and B3: close() ends the hub connection",
      "lessons/06-web-window.ts §3 和 B3：close() 结束 hub 连接",
    ),
    async run(c) {
      const { nc, browser } = await room(c);
      await c.waitFor(
        () => nc.lines().filter((l) => l.startsWith("***")).length >= 2,
        both("nc hears the browser join", "nc 听到浏览器加入"),
        () => c.arrived(nc),
      );
      c.reached();
      browser.close();
      await c.waitFor(
        () => nc.lines().some((l) => l.startsWith("***") && / left/.test(l)),
        both('nc hears that the browser left ("*** ... left")', 'nc 听到浏览器离开了（"*** ... left"）'),
        () => c.arrived(nc),
        ["clients-never-removed"],
      );
    },
  },
];
