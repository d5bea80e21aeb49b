/**
 * A small WebSocket client of our own (RFC 6455, text messages), over Bun.connect.
 *
 * Why not Bun's own `WebSocket`: on Bun 1.4.5, talking to Chromium's DevTools
 * on a busy machine, its client now and then handed over messages made of
 * pieces of earlier ones (with permessage-deflate, which it offers and Chromium
 * accepts) or dropped the connection with 1006 (without it), in about one run
 * of the browser tests in four, while Chromium itself was fine. This client
 * offers no extension and has not failed so. The protocol's client side is
 * short: an HTTP upgrade, then frames (a 2-14 byte header, our payload masked).
 */
import type { Socket } from "bun";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const [CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG] = [0, 1, 2, 8, 9, 10];

export interface TextSocket {
  /** Send one text message. */
  send(text: string): void;
  /** Close (with a close frame when still open). */
  close(): void;
  readonly closed: boolean;
}

export type TextSocketHandlers = {
  message: (text: string) => void;
  /** Once, however it ends: `code` 1006 when no close frame came. */
  close: (code: number, reason: string) => void;
};

/** Bytes that grow at the end and are read from the front, without copying everything on each chunk. */
class Bytes {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  get length(): number {
    return this.end - this.start;
  }
  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const kept = this.length;
      if (kept + chunk.length <= this.buf.length) this.buf.copyWithin(0, this.start, this.end);
      else {
        const bigger = new Uint8Array((kept + chunk.length) * 2);
        bigger.set(this.buf.subarray(this.start, this.end));
        this.buf = bigger;
      }
      [this.start, this.end] = [0, kept];
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }
  peek(n: number): Uint8Array {
    return this.buf.subarray(this.start, this.start + n);
  }
  take(n: number): Uint8Array {
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }
}

/** Open a WebSocket to `url` (ws://host:port/path) within `ms`. */
export async function connectTextSocket(url: string, on: TextSocketHandlers, ms: number): Promise<TextSocket> {
  const { hostname, port, pathname, search } = new URL(url);
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const accept = new Bun.CryptoHasher("sha1").update(key + GUID).digest("base64");
  const input = new Bytes();
  const queue: Uint8Array[] = [];
  const fragments: Uint8Array[] = [];
  let upgraded = false;
  let closed = false;
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const decoder = new TextDecoder("utf-8", { fatal: true });

  let socket: Socket | undefined;
  const flush = (s: Socket) => {
    while (queue.length > 0) {
      const wrote = s.write(queue[0]!);
      if (wrote < 0) return;
      if (wrote < queue[0]!.length) return void (queue[0] = queue[0]!.subarray(wrote));
      queue.shift();
    }
  };
  const write = (bytes: Uint8Array) => {
    queue.push(bytes);
    if (socket) flush(socket);
  };
  const frame = (opcode: number, payload: Uint8Array) => {
    const n = payload.length;
    const head = n < 126 ? [0x80 | opcode, 0x80 | n] : n < 65536 ? [0x80 | opcode, 0x80 | 126, n >> 8, n & 255] : null;
    const header = head ? Uint8Array.from(head) : new Uint8Array(10);
    if (!head) {
      header.set([0x80 | opcode, 0x80 | 127]);
      new DataView(header.buffer).setBigUint64(2, BigInt(n));
    }
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const masked = new Uint8Array(n);
    for (let i = 0; i < n; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
    write(Buffer.concat([header, mask, masked]));
  };
  const end = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    socket?.end();
    settle?.reject(new Error(`the WebSocket to ${url} closed before it opened (${code} ${reason})`));
    on.close(code, reason);
  };

  /** Handle every whole frame in `input`. */
  const frames = (): void => {
    for (;;) {
      if (input.length < 2) return;
      const [b0, b1] = input.peek(2) as unknown as [number, number];
      let length = b1 & 0x7f;
      let at = 2;
      if (length === 126 || length === 127) {
        const size = length === 126 ? 2 : 8;
        if (input.length < 2 + size) return;
        const view = new DataView(input.peek(2 + size).slice(2).buffer);
        length = size === 2 ? view.getUint16(0) : Number(view.getBigUint64(0));
        at += size;
      }
      const maskAt = at;
      if (b1 & 0x80) at += 4;
      if (input.length < at + length) return;
      const whole = input.take(at + length);
      const payload = whole.subarray(at);
      if (b1 & 0x80) for (let i = 0; i < length; i++) payload[i]! ^= whole[maskAt + (i & 3)]!;
      const opcode = b0 & 0x0f;
      if (opcode === PING) frame(PONG, payload);
      else if (opcode === CLOSE) {
        const code = payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : 1005;
        frame(CLOSE, payload.subarray(0, 2));
        return end(code, new TextDecoder().decode(payload.subarray(2)));
      } else if (opcode === TEXT || opcode === BINARY || opcode === CONTINUATION) {
        fragments.push(payload);
        if (b0 & 0x80) {
          const message = Buffer.concat(fragments.splice(0));
          let text: string;
          try {
            text = decoder.decode(message);
          } catch {
            return end(1007, "a message that is not UTF-8");
          }
          on.message(text);
        }
      }
    }
  };

  await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      open(s) {
        socket = s;
        write(
          Buffer.from(
            `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
              `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          ),
        );
      },
      data(_s, chunk) {
        if (closed) return;
        input.push(chunk);
        if (!upgraded) {
          const head = Buffer.from(input.peek(input.length)).indexOf("\r\n\r\n");
          if (head < 0) return;
          const response = new TextDecoder().decode(input.take(head + 4));
          if (!/^HTTP\/1\.1 101/.test(response) || !response.includes(accept)) {
            return end(1002, `no upgrade: ${response.split("\r\n")[0]}`);
          }
          upgraded = true;
          settle?.resolve();
        }
        frames();
      },
      drain: flush,
      close: () => end(1006, ""),
      error: () => end(1006, ""),
    },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      end(1006, `no answer within ${ms} ms`);
    }, ms);
    settle = {
      resolve: () => (clearTimeout(timer), resolve()),
      reject: (err) => (clearTimeout(timer), reject(err)),
    };
    if (upgraded) settle.resolve();
    else if (closed) settle.reject(new Error(`the WebSocket to ${url} closed before it opened`));
  });
  settle = undefined;
  return {
    send: (text) => frame(TEXT, new TextEncoder().encode(text)),
    close() {
      if (closed) return;
      frame(CLOSE, Uint8Array.from([0x03, 0xe8])); // 1000, normal closure
      end(1000, "");
    },
    get closed() {
      return closed;
    },
  };
}
