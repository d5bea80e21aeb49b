/**
 * The DevTools protocol over one WebSocket (browser-websocket.ts): a command is
 * a JSON message with an id, its answer comes back with the same id, and events
 * (no id) arrive in between. No npm package.
 *
 * Every command has a time limit, so a hung Chromium fails the call with a
 * clear error instead of hanging the test. Pages are reached through the one
 * browser connection ("flat" sessions: each message names its `sessionId`).
 */
import { connectTextSocket, type TextSocket } from "./browser-websocket.ts";

/** A DevTools event: its method (`Network.requestWillBeSent`...), parameters, and the page session it came from. */
export type DevToolsEvent = { method: string; params: any; sessionId?: string };

/** A command's failure: no answer in time, the connection gone, or Chromium's own error. */
export class DevToolsError extends Error {
  override name = "DevToolsError";
}

type Pending = { method: string; resolve: (result: any) => void; reject: (err: Error) => void; timer: Timer };

export class DevTools {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: DevToolsEvent) => void>();
  private closedBecause: string | null = null;

  private ws?: TextSocket;

  private constructor(
    /** Why the connection may have gone (Chromium's exit, its last words): asked when it closes. */
    private readonly why: () => string,
  ) {}

  /** Connect to `url` (ws://127.0.0.1:PORT/devtools/browser/...) within `ms`. */
  static async connect(url: string, ms: number, why: () => string = () => ""): Promise<DevTools> {
    const devtools = new DevTools(why);
    const on = {
      message: (text: string) => devtools.receive(text),
      close: (code: number, reason: string) =>
        devtools.fail(`the connection to Chromium closed (${code}${reason ? ` ${reason}` : ""})${why()}`),
    };
    try {
      devtools.ws = await connectTextSocket(url, on, ms);
    } catch (err) {
      throw new DevToolsError(`could not reach Chromium's DevTools at ${url}: ${(err as Error).message}${why()}`);
    }
    return devtools;
  }

  /** Send one command and wait at most `ms` for its answer. */
  send(method: string, params: object = {}, o: { sessionId?: string; ms: number }): Promise<any> {
    if (this.closedBecause !== null) return Promise.reject(new DevToolsError(`${method}: ${this.closedBecause}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DevToolsError(`${method}: Chromium did not answer within ${o.ms} ms (hung, or the page is busy)`));
      }, o.ms);
      this.pending.set(id, { method, resolve, reject, timer });
      this.ws!.send(JSON.stringify({ id, method, params, ...(o.sessionId ? { sessionId: o.sessionId } : {}) }));
    });
  }

  /** Call `listener` with every event from now on; returns its removal. */
  on(listener: (event: DevToolsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get closed(): boolean {
    return this.closedBecause !== null;
  }

  close(): void {
    this.fail("the connection to Chromium was closed");
    this.ws?.close();
  }

  private receive(text: string): void {
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      this.fail(`Chromium sent something that is not JSON: ${text.slice(0, 80)}`);
      return this.ws?.close();
    }
    if (typeof message.id === "number") {
      const waiting = this.pending.get(message.id);
      if (!waiting) return; // answered after its time limit
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.error) waiting.reject(new DevToolsError(`${waiting.method}: ${message.error.message}`));
      else waiting.resolve(message.result);
      return;
    }
    const event: DevToolsEvent = { method: message.method, params: message.params, sessionId: message.sessionId };
    for (const listener of this.listeners) listener(event);
  }

  private fail(reason: string): void {
    if (this.closedBecause !== null) return;
    this.closedBecause = reason;
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(new DevToolsError(`${waiting.method}: ${reason}`));
    }
  }
}
