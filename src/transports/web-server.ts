/**
 * The web, the server's side: the room's page and a WebSocket, served with
 * Bun.serve. Each WebSocket becomes a `Peer` for the hub, a member of the same
 * room as the TCP and UDP ones (docs/PROTOCOL.md, *In a browser*).
 *
 * Framing: one text frame is one line each way. A frame holding newlines is
 * several lines, as a UDP datagram is (a trailing newline is optional), and
 * each line passes the same limits as a TCP line. A binary frame is refused
 * with a `!!!` line; a text frame that is not UTF-8 fails the connection
 * (Bun closes it with 1007 before we see it, as RFC 6455 says), and so does a
 * frame past the hard cap (1009): neither is read into lines.
 *
 * Sending is as for TCP (tcp-server.ts): lines are queued per member and sent
 * at the end of a turn (about once a millisecond when busy: src/pace.ts), corked
 * into one write; while Bun reports
 * backpressure (`send` returned -1) nothing more is handed to it until `drain`.
 * What waits, here and in Bun's buffer, is capped (`maxQueueBytes`): past it,
 * the member is too slow to read and is dropped, and nobody else waits for it.
 *
 * Reading has two budgets before any line is parsed: the turn's (as TCP: input
 * waits while a turn's fan-out passes 1 MiB) and each member's own, a bucket of
 * bytes refilled at the flood rate (see InputBudget). A frame over either is
 * not read yet: the socket is paused, and the sender feels TCP's backpressure.
 *
 * The page is only served to requests for this server's own address, and the
 * WebSocket only to its own page (the Origin header): docs/SECURITY.md, *The page*.
 */
import type { Server, ServerWebSocket } from "bun";
import { hostPort } from "../address.ts";
import type { Hub } from "../hub.ts";
import type { Peer } from "../hub/member.ts";
import { WEB_MESSAGES, type WebMessages } from "../i18n.ts";
import { FlushPacer } from "../pace.ts";
import { format, framesOfDatagram, OutLine } from "../protocol.ts";
import type { RunningServer } from "./types.ts";
import type { WebPage } from "./web-page.ts";

export interface WebServerOptions {
  host: string;
  port: number;
  maxLineBytes: number;
  maxQueueBytes: number;
  /** Flood control, as the hub's: the member's input budget follows it. floodBurst 0: no budget. */
  floodBurst: number;
  floodRate: number;
  /** Origins, besides the page's own address, whose pages may open the WebSocket (a name, a TLS proxy). */
  origins?: string[];
  page: WebPage;
  log?: (line: string) => void;
}

/** One text frame past this many times the line limit closes the connection (as TCP's unterminated data). */
const HARD_CAP_FACTOR = 16;
/** As tcp-server.ts: fan-out bytes queued in one turn past which input waits for the next. */
const TURN_BUDGET_BYTES = 1 << 20;
/** How long a closing connection may take to send what is queued before it is cut. */
const CLOSE_GRACE_MS = 2000;
/** A browser that vanished (no answer to our pings) is closed after about this long. */
const IDLE_TIMEOUT_S = 60;
/** Bytes a frame costs the input budget beyond its payload: empty frames are not free. */
const FRAME_COST = 64;

type Frame = string | Uint8Array;

interface Conn {
  /** Where it came from, as the HTTP request said. */
  ip: { address: string; port: number } | null;
  /** Set when it opens. */
  peer: WebPeer | undefined;
  budget: InputBudget | undefined;
  /** Frames read while over a budget: handled, in order, once there is budget again. */
  deferred: Frame[] | undefined;
}

type Socket = ServerWebSocket<Conn>;

/**
 * A member's input budget: a bucket of bytes, as large as the hub's flood gate
 * would take from it at once (its burst and its queue of lines at the line
 * limit), refilled at its flood rate of such lines a second. It bounds how much
 * one browser can make the server parse; the flood gate, after it, decides
 * which lines the room hears and tells the sender.
 */
class InputBudget {
  private tokens: number;
  private at = performance.now();
  /** A timer will resume its socket once the budget has refilled. */
  waiting = false;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `bytes` if they are there; else how many ms until they will be. */
  take(bytes: number): number {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    const cost = Math.min(bytes, this.capacity);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.tokens) * 1000) / this.perSecond);
  }
}

class WebPeer implements Peer {
  readonly label: string;
  /** Lines sent this turn, not yet handed to Bun. */
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes Bun had not written yet at the last flush. */
  private buffered = 0;
  /** Bun said -1: hand it nothing more until `drain`. */
  private backpressured = false;
  private closing = false;
  gone = false;
  /** Bytes it had waiting when it was dropped as too slow to read (0: not dropped). */
  droppedWithBytes = 0;

  constructor(
    readonly ws: Socket,
    readonly address: string,
    port: number,
    private readonly flusher: Flusher,
    private readonly maxQueueBytes: number,
    private readonly onDrop: (peer: WebPeer) => void,
  ) {
    this.label = `web ${hostPort(address, port)}`;
  }

  get isClosing(): boolean {
    return this.closing || this.gone;
  }

  send(line: OutLine): void {
    if (this.gone || this.closing) return;
    // One line, one text frame, without its newline.
    this.pending.push(line.text);
    const bytes = line.bytes.length - 1;
    this.pendingBytes += bytes;
    if (this.pendingBytes + this.buffered > this.maxQueueBytes) {
      // Too slow to read. Do not call the hub from here (we may be inside its broadcast loop).
      this.droppedWithBytes = this.pendingBytes + this.buffered;
      this.gone = true;
      this.pending = [];
      this.pendingBytes = 0;
      this.onDrop(this);
      return;
    }
    this.flusher.mark(this, bytes);
  }

  close(): void {
    if (this.closing || this.gone) return;
    this.closing = true;
    this.flusher.mark(this);
    setTimeout(() => this.end(), CLOSE_GRACE_MS).unref();
  }

  /** Hands what is pending to Bun, corked into one write (once per turn, and on drain). */
  flush(): void {
    if (this.gone) return;
    if (!this.backpressured && this.pending.length > 0) {
      const lines = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      let i = 0;
      this.ws.cork((ws) => {
        while (i < lines.length) {
          const status = ws.sendText(lines[i++]!);
          if (status === -1) {
            // Bun keeps this one; the rest wait here for `drain`.
            this.backpressured = true;
            break;
          }
          if (status === 0) return; // closed, or past Bun's own limit: the close handler or the cap ends it
        }
      });
      if (i < lines.length && this.backpressured) {
        this.pending = lines.slice(i);
        for (const text of this.pending) this.pendingBytes += Buffer.byteLength(text);
      }
      this.buffered = this.ws.getBufferedAmount();
    }
    if (this.closing && this.pending.length === 0) this.end();
  }

  /** Bun wrote what it held: what waited here goes now. */
  drain(): void {
    this.backpressured = false;
    this.buffered = this.ws.getBufferedAmount();
    this.flush();
  }

  private ended = false;

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.gone = true;
    this.ws.close(1000);
  }
}

/**
 * The web members' rhythm, one event-loop turn at a time, as tcp-server.ts's:
 * frames are handled until the turn's fan-out passes its budget, then every
 * member with lines pending gets one corked write, then deferred frames are
 * handled, and so on.
 */
class Flusher {
  private dirty = new Set<WebPeer>();
  private flushing = new Set<WebPeer>();
  private readonly pacer = new FlushPacer(() => this.flushAll());
  private turnBytes = 0;
  /** Paused sockets with frames deferred for the turn's budget, in the order they were paused. */
  private waiting: Socket[] = [];

  /** `handle` returns false when the frame must wait for its member's own budget (it has deferred it). */
  constructor(private readonly handle: (ws: Socket, frame: Frame, force: boolean) => boolean) {}

  mark(peer: WebPeer, bytes = 0): void {
    this.turnBytes += bytes;
    this.dirty.add(peer);
    this.schedule();
  }

  /** A frame arrived: handle it now, or (over the turn's budget, or behind deferred frames) defer it. */
  input(ws: Socket, frame: Frame): void {
    if (ws.data.deferred === undefined && this.turnBytes < TURN_BUDGET_BYTES) {
      this.handle(ws, frame, false);
      return;
    }
    const fresh = ws.data.deferred === undefined;
    this.defer(ws, frame);
    if (fresh && !ws.data.budget?.waiting) {
      this.waiting.push(ws);
      this.schedule();
    }
  }

  /** Keeps a frame for later, in order, and stops reading from its socket meanwhile. */
  defer(ws: Socket, frame: Frame): void {
    (ws.data.deferred ??= []).push(frame);
    if (!ws.isPaused && ws.readyState === 1) ws.pause();
  }

  /**
   * Handles a socket's deferred frames, in order, and reads from it again once
   * none is left. `force` (it closed): all of them, budgets or not.
   */
  release(ws: Socket, force = false): void {
    const frames = ws.data.deferred ?? [];
    ws.data.deferred = undefined;
    for (let i = 0; i < frames.length; i++) {
      if (!this.handle(ws, frames[i]!, force)) {
        // It waits again, for its own budget: the rest stay behind it.
        ws.data.deferred!.push(...frames.slice(i + 1));
        return;
      }
    }
    if (ws.isPaused && ws.readyState === 1) ws.resume();
  }

  /** The flush's pace follows the load (src/pace.ts); a turn past its budget flushes at once. */
  private schedule(): void {
    this.pacer.schedule(this.turnBytes >= TURN_BUDGET_BYTES);
  }

  private readonly flushAll = (): void => {
    // Swap the sets: a flush may close a socket, and the hub's leave notice marks others anew.
    const peers = this.dirty;
    this.dirty = this.flushing;
    this.flushing = peers;
    for (const peer of peers) peer.flush();
    peers.clear();
    this.turnBytes = 0;
    const waiting = this.waiting;
    this.waiting = [];
    for (let i = 0; i < waiting.length; i++) {
      if (this.turnBytes >= TURN_BUDGET_BYTES) {
        this.waiting = waiting.slice(i).concat(this.waiting);
        this.schedule();
        return;
      }
      const ws = waiting[i]!;
      if (!ws.data.budget?.waiting) this.release(ws);
    }
  };
}

/** `::ffff:10.0.0.5` is 10.0.0.5, as TCP reports it: one address counts once, whatever it came over. */
function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** The host name of a Host header (`[::1]:8080` -> `::1`). */
function hostName(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host) ?? /^([^:]+)(?::\d+)?$/.exec(host);
  return (m?.[1] ?? host).toLowerCase();
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Whether this server answers at `host` (the Host header). An IP address or
 * localhost: yes. A name: only one given with --web-origin (or --host). A page
 * at an attacker's name that resolves to this server (DNS rebinding) is so
 * refused, even though its WebSocket's Origin would match its Host.
 */
export function hostAllowed(host: string | null, names: ReadonlySet<string>): boolean {
  if (!host) return false;
  const name = hostName(host);
  return IPV4.test(name) || name.includes(":") || name === "localhost" || names.has(name);
}

/**
 * Whether a WebSocket upgrade may proceed: its Origin is the page's own
 * (`http://` + the Host it was asked at) or one given with --web-origin. A
 * request with no Origin is not from a browser page (browsers always send one):
 * it is a program, as `nc` is, and welcome.
 */
export function originAllowed(origin: string | null, host: string, origins: ReadonlySet<string>): boolean {
  if (origin === null) return true;
  const o = origin.toLowerCase();
  return o === `http://${host.toLowerCase()}` || origins.has(o);
}

/** The headers of every answer: no cookies are ever set; the page runs only its own script. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

function text(body: string, status: number): Response {
  return new Response(body + "\n", {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/plain;charset=utf-8", "cache-control": "no-store" },
  });
}

/** Serves the room's page and its WebSocket. Throws (EADDRINUSE) at once if the port is taken. */
export function serveWeb(hub: Hub, options: WebServerOptions): RunningServer {
  const log = options.log ?? (() => {});
  const w: WebMessages = WEB_MESSAGES[hub.lang];
  const hardCap = HARD_CAP_FACTOR * options.maxLineBytes;
  const origins = new Set((options.origins ?? []).map((o) => o.toLowerCase().replace(/\/+$/, "")));
  const names = new Set([...origins].map((o) => hostName(o.replace(/^[a-z]+:\/\//, ""))));
  if (!["0.0.0.0", "::"].includes(options.host)) names.add(hostName(options.host));
  const open = new Set<WebPeer>();
  const encoder = new TextEncoder();
  // The flood gate takes a burst and holds a queue (at least 50 lines) at once, then `floodRate` lines a second.
  const lineCost = options.maxLineBytes + 1 + FRAME_COST;
  const budgetBytes = Math.max(hardCap, (options.floodBurst + Math.max(50, 5 * options.floodBurst)) * lineCost);
  const budgetRate = options.floodRate * lineCost;

  const flusher = new Flusher((ws, frame, force) => {
    const { peer, budget } = ws.data;
    if (!peer || peer.isClosing) return true;
    if (typeof frame !== "string") {
      peer.send(new OutLine(format.error(w.binaryFrame)));
      return true;
    }
    const bytes = encoder.encode(frame);
    const wait = force ? 0 : (budget?.take(bytes.length + FRAME_COST) ?? 0);
    if (wait > 0) {
      // Not read yet: kept, and the socket paused until the budget has refilled.
      flusher.defer(ws, frame);
      budget!.waiting = true;
      setTimeout(() => {
        budget!.waiting = false;
        if (!peer.gone) flusher.release(ws);
      }, wait);
      return false;
    }
    for (const line of framesOfDatagram(bytes, options.maxLineBytes)) {
      if (peer.isClosing) break;
      hub.receive(peer, line);
    }
    return true;
  });

  const dropped = (peer: WebPeer) =>
    queueMicrotask(() => {
      hub.leave(peer, hub.messages.reasonTooSlow(peer.droppedWithBytes));
      peer.ws.terminate();
    });

  const server: Server<Conn> = Bun.serve<Conn>({
    hostname: options.host,
    port: options.port,
    // No request here has a body.
    maxRequestBodySize: 1024,
    development: false,
    fetch(req, srv) {
      const host = req.headers.get("host");
      if (!hostAllowed(host, names)) return text(w.hostRefused(host ?? "?"), 421);
      if (req.method !== "GET" && req.method !== "HEAD") return text(w.onlyGet, 405);
      const path = new URL(req.url).pathname;
      if (path === "/ws") {
        const origin = req.headers.get("origin");
        if (!originAllowed(origin, host!, origins)) {
          log(`server: web: a WebSocket from ${origin} refused`);
          return text(w.originRefused(origin ?? "?"), 403);
        }
        const data: Conn = { ip: srv.requestIP(req), peer: undefined, budget: undefined, deferred: undefined };
        if (srv.upgrade(req, { data })) return undefined;
        return text(w.webSocketOnly, 426);
      }
      const file = options.page.get(path);
      if (!file) return text(w.notFound, 404);
      return new Response(file.body, {
        headers: {
          ...SECURITY_HEADERS,
          "content-type": file.type,
          "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-store",
        },
      });
    },
    websocket: {
      // Past the hard cap a frame is not even buffered: Bun closes the connection with 1009.
      maxPayloadLength: hardCap,
      // Our cap (maxQueueBytes) comes first; Bun's own limit is a backstop that never drops silently.
      backpressureLimit: options.maxQueueBytes * 2 + hardCap,
      closeOnBackpressureLimit: true,
      idleTimeout: IDLE_TIMEOUT_S,
      sendPings: true,
      perMessageDeflate: false,
      open(ws) {
        const { ip } = ws.data;
        const address = plainAddress(ip?.address ?? ws.remoteAddress);
        const peer = new WebPeer(ws, address, ip?.port ?? 0, flusher, options.maxQueueBytes, dropped);
        ws.data.peer = peer;
        ws.data.budget = options.floodBurst > 0 ? new InputBudget(budgetBytes, budgetRate) : undefined;
        open.add(peer);
        if (!hub.join(peer)) peer.close();
      },
      message(ws, message) {
        flusher.input(ws, message);
      },
      drain(ws) {
        ws.data.peer?.drain();
      },
      close(ws, code, reason) {
        const { peer } = ws.data;
        if (!peer) return;
        // What it sent before it went is still handled, in order (the flood gate still judges it).
        if (!peer.gone) flusher.release(ws, true);
        peer.gone = true;
        open.delete(peer);
        const why =
          code === 1009 || /too big/i.test(reason)
            ? w.reasonFrameTooBig(hardCap)
            : code === 1007 || /UTF-8/i.test(reason)
              ? w.reasonInvalidUtf8
              : hub.messages.reasonClosed;
        hub.leave(peer, why);
      },
      error(error, ws) {
        log(`server: ${ws.data.peer?.label ?? "web"}: ${error.message}`);
      },
    },
  });

  return {
    transport: "web",
    host: options.host,
    port: server.port!,
    async stop(graceMs = CLOSE_GRACE_MS) {
      const deadline = Date.now() + graceMs;
      while (open.size > 0 && Date.now() < deadline) await Bun.sleep(10);
      await server.stop(true);
    },
  };
}
