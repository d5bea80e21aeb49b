#!/usr/bin/env bun
/**
 * A real browser for the tests of the kit's pages: Debian's `chromium`, headless,
 * driven over the DevTools protocol (browser-cdp.ts) on a small WebSocket client
 * of our own (browser-websocket.ts says why not Bun's). A Browser has pages
 * (browser-page.ts: open a URL at a viewport, wait, type, click, screenshot, see
 * every request it made); browser-png.ts reads screenshots without a library;
 * browser-processes.ts tells our Chromium processes from anyone else's.
 *
 * Each browser gets a fresh profile folder, removed when it closes, and is
 * killed when this process ends (children.ts) or its Session closes. Tests that
 * need it are skipped where Chromium is missing, and fail under CI=true:
 *
 *   describe.if(needBrowser())("the report in a browser", () => { ... });
 *
 * As a tool, a screenshot of one page (for the README's pictures):
 *
 *   bun tools/harness/browser.ts --screenshot URL OUT.png [--width 375] [--height 740] [--full-page]
 */
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DevTools } from "./browser-cdp.ts";
import { chromiumPids, endsWithin, PROFILE_MARK, removeStaleProfiles } from "./browser-processes.ts";
import { Page, WIDE, type OpenOptions } from "./browser-page.ts";
import { diesWithUs, killAtExit } from "./children.ts";
import type { Session } from "./session.ts";
import { openingComment, toolArgs, usageError } from "./tool-args.ts";
import { until } from "./until.ts";

export { DevTools, DevToolsError, type DevToolsEvent } from "./browser-cdp.ts";
export { connectTextSocket, type TextSocket, type TextSocketHandlers } from "./browser-websocket.ts";
export * from "./browser-page.ts";
export { chromiumPids, PROFILE_MARK } from "./browser-processes.ts";
export { decodePng, ink, type Pixels } from "./browser-png.ts";

/** How to get what the browser tests need, on Debian and Ubuntu. */
export const BROWSER_INSTALL = "sudo apt-get install chromium fonts-noto-cjk";

/**
 * The Chromium program: $CHROMIUM if set (a path or a name on the PATH), else
 * Debian's real binary (not its /usr/bin/chromium shell wrapper, which adds
 * flags of its own and trips on a /dev/shm mounted twice), else the first
 * chromium or chrome on the PATH; null when there is none.
 */
export const CHROMIUM: string | null = process.env.CHROMIUM
  ? Bun.which(process.env.CHROMIUM)
  : (["/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome"]
      .map((name) => Bun.which(name))
      .find(Boolean) ?? null);

/** Whether a font for Chinese is installed (fonts-noto-cjk, or any other): without one, Chinese is drawn as boxes. */
function hasCjkFont(): boolean {
  if (Bun.which("fc-list")) {
    const listed = Bun.spawnSync(["fc-list", ":lang=zh", "family"], { stdout: "pipe", stderr: "ignore" });
    return listed.stdout.toString().trim() !== "";
  }
  return Bun.file("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").size > 0;
}

let available: boolean | undefined;
/** Whether the browser tests can run here: Chromium and a Chinese font are installed. */
export function browserAvailable(): boolean {
  return (available ??= CHROMIUM !== null && hasCjkFont());
}

let told = false;
/**
 * For `describe.if(needBrowser())`: whether the browser tests run. Where Chromium
 * or a Chinese font is missing they are skipped, with one line saying how to
 * install them; under CI=true they run anyway, and fail.
 */
export function needBrowser(): boolean {
  if (browserAvailable() || process.env.CI === "true") return true;
  const missing = CHROMIUM === null ? "chromium is not installed" : "no Chinese font is installed";
  if (!told) console.log(`browser: ${missing}: skipping the tests that use a browser (install: ${BROWSER_INSTALL})`);
  told = true;
  return false;
}

export type BrowserOptions = {
  /** The time limit of each call (open, evaluate, screenshot...), ms. Default 15 s (a busy 2-core machine). */
  ms?: number;
  /** How long Chromium may take to start, ms. Default 20 s (a cold start on a busy machine). */
  launchMs?: number;
  /** Closed (and killed) with this session. */
  session?: Session;
  /** More Chromium flags, and environment variables on top of ours. */
  args?: string[];
  env?: Record<string, string>;
};

/**
 * What every browser starts with. The profile is fresh and thrown away, so
 * nothing from a person's own browser leaks in; everything that would phone
 * home (updates, sync, crash reports, QUIC) is off, so a test's network log
 * holds only what the page asked for.
 */
const FLAGS = [
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  // The address bar's popup, which a headless window never shows, loaded as two pages at every start.
  "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
  "--disable-dev-shm-usage", // a container's /dev/shm is often too small for Chromium
  // Every page is as alive as the one in front: no slowed timers, paused frames or lowered priority for
  // the others (two pages in one chat room, a page's reconnect timer, a screenshot of a page behind).
  "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows",
  "--disable-renderer-backgrounding",
  "--hide-scrollbars",
  "--mute-audio",
  "--remote-debugging-port=0",
];

const open = new Set<Browser>();
let hooked = false;

/**
 * Kill every open browser when this process ends, by the rule of children.ts:
 * on exit, and on SIGINT, SIGTERM or SIGHUP (then die of the signal, unless
 * another listener is left to decide).
 */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killOpen = () => [...open].forEach((b) => b.kill());
  process.on("exit", killOpen);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killOpen();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Start a headless Chromium and connect to it. Fails with a clear error if it does not start within `launchMs`. */
export async function launchBrowser(o: BrowserOptions = {}): Promise<Browser> {
  if (CHROMIUM === null) throw new Error(`chromium is not installed (${BROWSER_INSTALL}; .ci/run installs it)`);
  hookExit();
  removeStaleProfiles();
  const profile = mkdtempSync(join(tmpdir(), PROFILE_MARK));
  // As root (a container, CI), Chromium refuses to start without --no-sandbox.
  const root = process.getuid?.() === 0 ? ["--no-sandbox"] : [];
  const proc = Bun.spawn(
    diesWithUs([CHROMIUM, ...FLAGS, ...root, `--user-data-dir=${profile}`, ...(o.args ?? []), "about:blank"]),
    {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      detached: true, // its own process group: close() kills every process it started
      // Its config folder (where a crash database would go) inside the profile, not in $HOME.
      env: { ...process.env, XDG_CONFIG_HOME: join(profile, "config"), ...o.env } as Record<string, string>,
    },
  );
  killAtExit(proc);
  const browser = new Browser(proc, profile, o.ms ?? 15_000);
  open.add(browser);
  o.session?.defer(() => void browser.close());
  try {
    await browser.connect(o.launchMs ?? 20_000);
  } catch (err) {
    await browser.close();
    throw err;
  }
  return browser;
}

export class Browser {
  private devtools?: DevTools;
  private stderr = "";
  private closing?: Promise<void>;
  /** The DevTools address, once Chromium said it. */
  private url?: string;

  constructor(
    readonly proc: Subprocess<"ignore", "ignore", "pipe">,
    /** Its profile folder, removed on close. */
    readonly profile: string,
    /** The time limit of each call, ms. */
    readonly ms: number,
  ) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stderr) {
        this.stderr += decoder.decode(chunk, { stream: true });
        if (this.stderr.length > 64_000) this.stderr = this.stderr.slice(-32_000); // its last words are enough
      }
    })().catch(() => {});
  }

  /** What Chromium said on stderr, without its harmless D-Bus complaints (no system bus in a container). */
  log(): string {
    return this.stderr
      .split("\n")
      .filter((line) => line.trim() && !/dbus|D-?Bus/i.test(line))
      .join("\n");
  }

  /** Why a call may have failed: Chromium's exit and its last words. */
  private why = (): string => {
    const exit = this.proc.exitCode ?? this.proc.signalCode;
    const said = this.log().split("\n").slice(-5).join("\n");
    return `${exit !== null ? ` (chromium exited: ${exit})` : ""}${said ? `\nchromium said:\n${said}` : ""}`;
  };

  /** Read the DevTools address from Chromium's stderr and connect to it. */
  async connect(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    let url: string | undefined;
    while (!(url = this.url ??= /DevTools listening on (ws:\/\/\S+)/.exec(this.stderr)?.[1])) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`chromium did not start${this.why()}`);
      }
      if (performance.now() > deadline) throw new Error(`chromium did not start within ${ms} ms${this.why()}`);
      await Bun.sleep(10);
    }
    this.devtools = await DevTools.connect(url, Math.max(1, deadline - performance.now()), this.why);
    const { targetInfos } = await this.send("Target.getTargets", {}, Math.max(1, deadline - performance.now()));
    this.spare = (targetInfos as any[])
      .filter((t) => t.type === "page" && t.url === "about:blank")
      .map((t) => t.targetId);
  }

  /** The DevTools port it listens on (127.0.0.1). */
  get port(): number {
    return Number(/127\.0\.0\.1:(\d+)\//.exec(this.url ?? "")?.[1] ?? 0);
  }

  /** One DevTools command to the browser itself. */
  send(method: string, params: object = {}, ms = this.ms): Promise<any> {
    if (!this.devtools) return Promise.reject(new Error(`${method}: chromium is not connected${this.why()}`));
    return this.devtools.send(method, params, { ms });
  }

  /** A new page (tab) at `viewport` (default 1400×900), on `url` once loaded, or blank. */
  async open(url?: string, o: Partial<OpenOptions> = {}): Promise<Page> {
    const targetId = (this.spare?.splice(0, 1)[0] ?? (await this.newWindow())) as string;
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this.devtools!, targetId, sessionId, o.ms ?? this.ms);
    await Promise.all([
      page.send("Page.enable"),
      page.send("Page.setLifecycleEventsEnabled", { enabled: true }),
      page.send("Runtime.enable"),
      page.send("Network.enable"),
      page.setViewport({ ...WIDE, ...o }),
    ]);
    if (url !== undefined) await page.goto(url, o);
    return page;
  }

  /** The blank page Chromium starts with, for the first `open`: a window and a process already there. */
  private spare?: string[];

  /**
   * A blank page in a window of its own, so every page is the visible one: a tab behind
   * another got each click acknowledged only after 5 s, and once no screenshot at all.
   */
  private async newWindow(): Promise<string> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank", newWindow: true });
    return targetId;
  }

  /**
   * Close it: ask Chromium to quit (or kill it when it does not answer), wait
   * until every process it started has ended, remove its profile. Safe to call twice.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const devtools = this.devtools;
      const asked = devtools && !devtools.closed && (await this.send("Browser.close", {}, 2000).catch(() => false));
      devtools?.close();
      if (!(asked && (await endsWithin(this.proc, 3000)))) this.killGroup();
      await this.proc.exited;
      this.killGroup(); // a child that outlived it
      // The crash handlers live in sessions of their own and end soon after the browser: wait for them.
      const ended = () => chromiumPids(this.profile).length === 0;
      if (!(await until(ended, 3000).catch(() => false))) this.killRest();
      await until(ended, 1000).catch(() => {});
      this.forget();
    })());
  }

  /** Kill it now, without asking: for a process that is ending (so synchronously). */
  kill(): void {
    this.killGroup();
    this.killRest();
    const deadline = performance.now() + 1000;
    while (chromiumPids(this.profile).length > 0 && performance.now() < deadline) Bun.sleepSync(10);
    this.forget();
  }

  /** Remove its profile, once nothing of it runs (a dying process could still write there). */
  private forget(): void {
    open.delete(this);
    try {
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 5 });
    } catch {
      // left in the temporary folder; chromiumPids() shows nothing of it runs
    }
  }

  private killGroup(): void {
    try {
      process.kill(-this.proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Kill what runs outside its process group (Chromium's crash handlers call setsid). */
  private killRest(): void {
    for (const pid of chromiumPids(this.profile)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/** `bun tools/harness/browser.ts --screenshot URL OUT.png [--width N] [--height N] [--full-page]` */
async function main(): Promise<void> {
  const config = {
    options: {
      screenshot: { type: "string" },
      width: { type: "string", default: "375" },
      height: { type: "string", default: "740" },
      "full-page": { type: "boolean", default: false },
    },
    allowPositionals: true,
  } as const;
  const o = toolArgs("browser", config, () => openingComment(import.meta.path));
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const options = { ...config.options, help: { type: "boolean", short: "h" } } as const;
  const { positionals } = parseArgs({ ...config, options, args, strict: true });
  const [target, out] = [o.screenshot, positionals[0]];
  if (!target || !out || positionals.length > 1) usageError("browser", "give --screenshot URL OUT.png");
  const [width, height] = [Number(o.width), Number(o.height)];
  if (!(width > 0 && height > 0)) usageError("browser", "--width and --height must be numbers above 0");
  const url = /^[a-z]+:/i.test(target) ? target : pathToFileURL(resolve(target)).href;
  const browser = await launchBrowser();
  try {
    const page = await browser.open(url, { width, height });
    await page.screenshot(out, { fullPage: o["full-page"] });
    if (page.errors.length) console.error(`browser: the page threw: ${page.errors.join("\n")}`);
    console.log(`browser: ${out} (${url} at ${width}×${height})`);
  } finally {
    await browser.close();
  }
}

if (import.meta.main) {
  await main().catch((err) => {
    console.error(`browser: ${(err as Error).message}`);
    process.exit(1);
  });
}
