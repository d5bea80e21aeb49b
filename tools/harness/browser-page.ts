/**
 * One page (a tab) of a headless Chromium, as a test uses it: open a URL at a
 * viewport, wait for a condition, read the DOM by value, type and click with real
 * input events, screenshot, measure labels, and everything the page did on the
 * way: each request it made (WebSockets too), each console line, each uncaught
 * exception. Every call has a time limit; none sleeps a fixed time.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DevTools, DevToolsEvent } from "./browser-cdp.ts";

/** A viewport in CSS pixels (device scale 1). */
export type Viewport = { width: number; height: number; mobile?: boolean };
export const PHONE: Viewport = { width: 375, height: 740 };
export const WIDE: Viewport = { width: 1400, height: 900 };

export type OpenOptions = Viewport & {
  /** Done when the page's `load` event fired (images, styles...) or only its DOM (`domcontentloaded`). Default load. */
  until?: "load" | "domcontentloaded";
  /** The time limit for loading it, ms (default: the browser's). */
  ms?: number;
};

/** One request the page made: a document, script, image, fetch... or a WebSocket it opened. */
export type PageRequest = { url: string; method: string; type: string };
export type ConsoleLine = { type: string; text: string };
/** An element's place on the page (CSS pixels, from the document's top left) and the start of its text. */
export type Box = { x: number; y: number; width: number; height: number; text: string };

/** Key names `press` knows, with their codes. Any single character is typed as itself. */
const KEYS: Record<string, { code: string; keyCode: number; text?: string }> = {
  Enter: { code: "Enter", keyCode: 13, text: "\r" },
  Tab: { code: "Tab", keyCode: 9 },
  Escape: { code: "Escape", keyCode: 27 },
  Backspace: { code: "Backspace", keyCode: 8 },
  Delete: { code: "Delete", keyCode: 46 },
  " ": { code: "Space", keyCode: 32, text: " " },
  ArrowLeft: { code: "ArrowLeft", keyCode: 37 },
  ArrowUp: { code: "ArrowUp", keyCode: 38 },
  ArrowRight: { code: "ArrowRight", keyCode: 39 },
  ArrowDown: { code: "ArrowDown", keyCode: 40 },
  PageUp: { code: "PageUp", keyCode: 33 },
  PageDown: { code: "PageDown", keyCode: 34 },
  Home: { code: "Home", keyCode: 36 },
  End: { code: "End", keyCode: 35 },
};
/** DevTools' modifier bits. */
export type Modifiers = { alt?: boolean; ctrl?: boolean; meta?: boolean; shift?: boolean };
const bits = (m: Modifiers) => (m.alt ? 1 : 0) | (m.ctrl ? 2 : 0) | (m.meta ? 4 : 0) | (m.shift ? 8 : 0);

const quote = JSON.stringify;
const LATE = " (its server did not answer, or Chromium hung)";

export class Page {
  /** Every request the page made, in order, WebSockets included (Network.requestWillBeSent, webSocketCreated). */
  readonly requests: PageRequest[] = [];
  /** Every console.log/warn/error... line (Runtime.consoleAPICalled). */
  readonly console: ConsoleLine[] = [];
  /** Every uncaught exception and unhandled rejection (Runtime.exceptionThrown). */
  readonly errors: string[] = [];
  /** The main frame's lifecycle: loader id -> the events seen (init, DOMContentLoaded, load...). */
  private readonly loaders = new Map<string, Set<string>>();
  private loaderId = "";
  private readonly wake = new Set<() => void>();
  private readonly unlisten: () => void;

  constructor(
    private readonly devtools: DevTools,
    readonly targetId: string,
    private readonly sessionId: string,
    /** The time limit of each call, ms, unless the call gives its own. */
    readonly ms: number,
  ) {
    this.unlisten = devtools.on((event) => event.sessionId === sessionId && this.record(event));
  }

  private record({ method, params }: DevToolsEvent): void {
    if (method === "Network.requestWillBeSent") {
      this.requests.push({ url: params.request.url, method: params.request.method, type: params.type ?? "Other" });
    } else if (method === "Network.webSocketCreated") {
      this.requests.push({ url: params.url, method: "GET", type: "WebSocket" });
    } else if (method === "Runtime.consoleAPICalled") {
      const text = (params.args as any[]).map((a) =>
        a.value !== undefined ? String(a.value) : (a.description ?? a.type),
      );
      this.console.push({ type: params.type, text: text.join(" ") });
    } else if (method === "Runtime.exceptionThrown") {
      const d = params.exceptionDetails;
      this.errors.push(d.exception?.description ?? d.text);
    } else if (method === "Page.lifecycleEvent" && params.frameId === this.targetId) {
      if (!this.loaders.has(params.loaderId)) this.loaders.set(params.loaderId, new Set());
      this.loaders.get(params.loaderId)!.add(params.name);
    }
    for (const wake of this.wake) wake();
  }

  /** One DevTools command to this page. */
  send(method: string, params: object = {}, ms = this.ms): Promise<any> {
    return this.devtools.send(method, params, { sessionId: this.sessionId, ms });
  }

  /** Resolve when `check()` gives a value, tested on every event from the page; reject at `deadline`. */
  private event<T>(check: () => T | undefined, deadline: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(test);
      };
      const test = () => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error("too late"));
      }, deadline - performance.now());
      this.wake.add(test);
      test();
    });
  }

  /** Set the viewport (CSS pixels, device scale 1; `mobile` also honours the page's meta viewport). */
  async setViewport(v: Viewport): Promise<void> {
    await this.send("Emulation.setDeviceMetricsOverride", {
      width: v.width,
      height: v.height,
      deviceScaleFactor: 1,
      mobile: v.mobile ?? false,
    });
  }

  /** Make the page's `prefers-color-scheme` media query match `scheme`, as a system set to dark or light would. */
  async setColorScheme(scheme: "dark" | "light"): Promise<void> {
    await this.send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: scheme }] });
  }

  /** Go to `url` (http://127.0.0.1:..., file:///..., data:...) and wait until it has loaded. */
  async goto(url: string, o: Omit<OpenOptions, keyof Viewport> = {}): Promise<void> {
    const ms = o.ms ?? this.ms;
    const deadline = performance.now() + ms;
    try {
      const nav = await this.send("Page.navigate", { url }, ms);
      if (nav.errorText) throw new Error(`${url} did not open: ${nav.errorText}`);
      this.loaderId = nav.loaderId ?? this.loaderId;
      await this.loaded(this.loaderId, o.until, deadline);
    } catch (err) {
      await this.send("Page.stopLoading", {}, 1000).catch(() => {});
      throw performance.now() < deadline ? err : new Error(`the page ${url} did not load within ${ms} ms${LATE}`);
    }
  }

  /** Reload the page and wait until it has loaded again. */
  async reload(o: Omit<OpenOptions, keyof Viewport> = {}): Promise<void> {
    const ms = o.ms ?? this.ms;
    const deadline = performance.now() + ms;
    const before = new Set(this.loaders.keys());
    try {
      await this.send("Page.reload", { ignoreCache: true }, ms);
      const fresh = () => [...this.loaders.keys()].find((id) => !before.has(id));
      this.loaderId = await this.event(fresh, deadline);
      await this.loaded(this.loaderId, o.until, deadline);
    } catch (err) {
      throw performance.now() < deadline ? err : new Error(`the page did not load again within ${ms} ms${LATE}`);
    }
  }

  private loaded(loaderId: string, until: OpenOptions["until"], deadline: number): Promise<true> {
    const name = until === "domcontentloaded" ? "DOMContentLoaded" : "load";
    return this.event(() => this.loaders.get(loaderId)?.has(name) || undefined, deadline);
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise), by value. */
  async evaluate<T = unknown>(expression: string, ms = this.ms): Promise<T> {
    const answer = await this.send(
      "Runtime.evaluate",
      { expression, returnByValue: true, awaitPromise: true, userGesture: true },
      ms,
    );
    if (answer.exceptionDetails) {
      const d = answer.exceptionDetails;
      throw new Error(`${d.exception?.description ?? d.text} (evaluating: ${expression.slice(0, 200)})`);
    }
    return answer.result.value as T;
  }

  /**
   * Poll `expression` until it is truthy and return its value: for "the log
   * shows the line", "the socket is open". After `ms`, fail saying what it
   * waited for, its last value, and the page's uncaught errors.
   */
  async waitFor<T = unknown>(expression: string, o: { ms?: number; what?: string; everyMs?: number } = {}): Promise<T> {
    const ms = o.ms ?? this.ms;
    const deadline = performance.now() + ms;
    let last: unknown;
    for (;;) {
      const left = deadline - performance.now();
      try {
        last = await this.evaluate(expression, Math.max(50, left));
        if (last) return last as T;
      } catch (err) {
        last = err;
      }
      if (performance.now() >= deadline) {
        const errors = this.errors.length ? `; the page's errors: ${this.errors.slice(-3).join(" | ")}` : "";
        const value = last instanceof Error ? `error ${last.message}` : quote(last);
        throw new Error(`timed out after ${ms} ms waiting for: ${o.what ?? expression} (last: ${value})${errors}`);
      }
      await Bun.sleep(o.everyMs ?? 20);
    }
  }

  /** The document's title. */
  title(): Promise<string> {
    return this.evaluate<string>("document.title");
  }

  /** Focus the first element matching `selector` (fails when there is none). */
  async focus(selector: string): Promise<void> {
    const found = await this.evaluate<boolean>(
      `(() => { const e = document.querySelector(${quote(selector)}); if (!e) return false; e.focus(); return true; })()`,
    );
    if (!found) throw new Error(`no element matches ${selector}`);
  }

  /**
   * Type `text` key by key with real key events (keydown, keypress/input,
   * keyup), into `selector` (focused first) or else wherever the focus is. A
   * "\n" presses Enter.
   */
  async type(text: string, selector?: string): Promise<void> {
    if (selector !== undefined) await this.focus(selector);
    for (const ch of text) {
      if (ch === "\n") await this.press("Enter");
      else await this.press(ch);
    }
  }

  /** Press and release one key: a name of KEYS ("Enter", "Tab", "ArrowUp"...) or one character; with modifiers. */
  async press(key: string, modifiers: Modifiers = {}): Promise<void> {
    const known = KEYS[key];
    if (!known && [...key].length !== 1) throw new Error(`press: unknown key "${key}" (one of ${Object.keys(KEYS)})`);
    const text = known ? known.text : key;
    const down = {
      key,
      code: known?.code ?? "",
      windowsVirtualKeyCode: known?.keyCode ?? 0,
      modifiers: bits(modifiers),
      ...(text !== undefined && !modifiers.ctrl && !modifiers.meta ? { text, unmodifiedText: text } : {}),
    };
    await this.send("Input.dispatchKeyEvent", { type: "text" in down ? "keyDown" : "rawKeyDown", ...down });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", key, code: down.code, modifiers: down.modifiers });
  }

  /** Click the middle of the first element matching `selector` with real mouse events (scrolled into view first). */
  async click(selector: string): Promise<void> {
    const at = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const e = document.querySelector(${quote(selector)});
      if (!e) return null;
      e.scrollIntoView({ block: "center", inline: "center" });
      const r = e.getBoundingClientRect();
      return r.width && r.height ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    })()`);
    if (!at) throw new Error(`click: no visible element matches ${selector}`);
    const mouse = { x: at.x, y: at.y, button: "left", clickCount: 1 };
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x: at.x, y: at.y });
    await this.send("Input.dispatchMouseEvent", { type: "mousePressed", ...mouse });
    await this.send("Input.dispatchMouseEvent", { type: "mouseReleased", ...mouse });
  }

  /** The boxes of every element matching `selector` (CSS pixels from the document's top left), visible ones only. */
  boxes(selector: string): Promise<Box[]> {
    return this.evaluate<Box[]>(`[...document.querySelectorAll(${quote(selector)})]
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0)
      .map(({ e, r }) => ({ x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height,
        text: (e.textContent || e.getAttribute("aria-label") || "").trim().slice(0, 60) }))`);
  }

  /** The pairs of elements matching `selector` whose boxes overlap: none, for labels that can all be read. */
  async overlaps(selector: string, tolerance = 0): Promise<[Box, Box][]> {
    return overlapping(await this.boxes(selector), tolerance);
  }

  /**
   * The fonts Chromium really drew the text of the first element matching
   * `selector` with, and how many glyphs each: proof that Chinese was drawn
   * with a CJK font, not as empty boxes.
   */
  async fontsOf(selector: string): Promise<{ family: string; glyphs: number }[]> {
    await this.send("DOM.enable");
    await this.send("CSS.enable");
    const { root } = await this.send("DOM.getDocument", { depth: 0 });
    const { nodeId } = await this.send("DOM.querySelector", { nodeId: root.nodeId, selector });
    if (!nodeId) throw new Error(`fontsOf: no element matches ${selector}`);
    const { fonts } = await this.send("CSS.getPlatformFontsForNode", { nodeId });
    return (fonts as any[]).map((f) => ({ family: f.familyName, glyphs: f.glyphCount }));
  }

  /**
   * A PNG of the viewport, of the whole page (`fullPage`), or of one region
   * (`clip`, a Box); written to `path` too when given (folders made).
   */
  async screenshot(path?: string, o: { fullPage?: boolean; clip?: Box; ms?: number } = {}): Promise<Uint8Array> {
    let clip: object | undefined;
    if (o.clip) clip = { x: o.clip.x, y: o.clip.y, width: o.clip.width, height: o.clip.height, scale: 1 };
    else if (o.fullPage) {
      const { cssContentSize: size } = await this.send("Page.getLayoutMetrics");
      clip = { x: 0, y: 0, width: Math.ceil(size.width), height: Math.ceil(size.height), scale: 1 };
    }
    const params = { format: "png", ...(clip ? { clip, captureBeyondViewport: true } : {}) };
    const { data } = await this.send("Page.captureScreenshot", params, o.ms ?? this.ms);
    const png = new Uint8Array(Buffer.from(data, "base64"));
    if (path) {
      mkdirSync(dirname(path), { recursive: true });
      await Bun.write(path, png);
    }
    return png;
  }

  /** The requests that went anywhere but this machine (127.0.0.1, localhost, ::1) or the page itself (file:, data:...). */
  outsideRequests(): PageRequest[] {
    return this.requests.filter((r) => !isLocalUrl(r.url));
  }

  /** Close this tab. */
  async close(): Promise<void> {
    this.unlisten();
    if (!this.devtools.closed)
      await this.devtools.send("Target.closeTarget", { targetId: this.targetId }, { ms: this.ms });
  }
}

/** Whether `url` stays on this machine: loopback http(s)/ws(s), or file:, data:, blob:, about:. */
export function isLocalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (["file:", "data:", "blob:", "about:"].includes(parsed.protocol)) return true;
  if (!["http:", "https:", "ws:", "wss:"].includes(parsed.protocol)) return false;
  return ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
}

/** The pairs of boxes that overlap by more than `tolerance` pixels both across and down (touching is not overlapping). */
export function overlapping(boxes: Box[], tolerance = 0): [Box, Box][] {
  const pairs: [Box, Box][] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!];
      const across = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const down = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (across > tolerance && down > tolerance) pairs.push([a, b]);
    }
  }
  return pairs;
}
