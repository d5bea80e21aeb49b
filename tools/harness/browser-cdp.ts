/**
 * The DevTools protocol over one WebSocket: a command is a JSON message with an
 * id, its answer comes back with the same id, and events (no id) arrive in
 * between. Bun's own WebSocket is all it takes; no npm package.
 *
 * Every command has a time limit, so a hung Chromium fails the call with a
 * clear error instead of hanging the test. Pages are reached through the one
 * browser connection ("flat" sessions: each message names its `sessionId`).
 */

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

  private constructor(
    private readonly ws: WebSocket,
    /** Why the connection may have gone (Chromium's exit, its last words): asked when it closes. */
    private readonly why: () => string,
  ) {
    ws.onmessage = (message) => this.receive(String(message.data));
    ws.onclose = () => this.fail(`the connection to Chromium closed${this.why()}`);
  }

  /** Connect to `url` (ws://127.0.0.1:PORT/devtools/browser/...) within `ms`. */
  static connect(url: string, ms: number, why: () => string = () => ""): Promise<DevTools> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const timer = setTimeout(() => {
        ws.close();
        reject(new DevToolsError(`Chromium's DevTools did not answer at ${url} within ${ms} ms${why()}`));
      }, ms);
      ws.onopen = () => {
        clearTimeout(timer);
        resolve(new DevTools(ws, why));
      };
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new DevToolsError(`could not reach Chromium's DevTools at ${url}${why()}`));
      };
    });
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
      this.ws.send(JSON.stringify({ id, method, params, ...(o.sessionId ? { sessionId: o.sessionId } : {}) }));
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
    this.ws.close();
  }

  private receive(text: string): void {
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      return; // not DevTools' (a message cut short as Chromium died): its command fails on the close
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
