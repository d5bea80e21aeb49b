/**
 * The harness's headless Chromium (tools/harness/browser.ts), on which the
 * kit's pages are tested: it must see what a person would see (Chinese drawn
 * with a Chinese font, ink on a screenshot, labels that overlap), do what a
 * person does with a keyboard, report every request a page made, and never
 * hang a test or outlive it. Skipped where Chromium is missing; fails under CI.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import {
  PHONE,
  PROFILE_MARK,
  ROOT,
  Session,
  WIDE,
  chromiumPids,
  connectTextSocket,
  decodePng,
  ink,
  isLocalUrl,
  launchBrowser,
  needBrowser,
  overlapping,
  runToEnd,
  until,
  type Box,
  type Browser,
  type Page,
} from "../tools/harness/index.ts";

const box = (x: number, y: number, width: number, height: number, text = ""): Box => ({ x, y, width, height, text });

describe("overlapping", () => {
  test("finds the pairs of boxes that overlap, and not the ones that only touch", () => {
    const [a, b, c, d] = [box(0, 0, 10, 10, "a"), box(5, 5, 10, 10, "b"), box(10, 0, 10, 10, "c"), box(0, 30, 5, 5)];
    expect(overlapping([a, b, c, d]).map(([p, q]) => p.text + q.text)).toEqual(["ab", "bc"]);
    expect(overlapping([a, c, d])).toEqual([]);
  });
});

/** A PNG made by hand (no CRCs: the decoder does not check them), each row with the filter given. */
function pngOf(width: number, channels: number, bytes: number[], filters: number[]): Uint8Array {
  const colour = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels]!;
  const stride = width * channels;
  const raw: number[] = [];
  filters.forEach((filter, y) => {
    raw.push(filter);
    for (let x = 0; x < stride; x++) {
      const at = (dx: number, dy: number) => (x - dx >= 0 && y - dy >= 0 ? bytes[(y - dy) * stride + x - dx]! : 0);
      const [left, up, upLeft] = [at(channels, 0), at(0, 1), at(channels, 1)];
      const p = left + up - upLeft;
      const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
      const paeth = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      raw.push((bytes[y * stride + x]! - [0, left, up, (left + up) >> 1, paeth][filter]!) & 0xff);
    }
  });
  const chunk = (type: string, body: Uint8Array) => {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, body.length);
    head.set(new TextEncoder().encode(type), 4);
    return Buffer.concat([head, body, new Uint8Array(4)]);
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, filters.length);
  ihdr.set([8, colour, 0, 0, 0], 8);
  const signature = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const idat = deflateSync(Uint8Array.from(raw));
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))]);
}

describe("decodePng and ink", () => {
  test("undo every row filter, for RGB, RGBA and grey images, and count what differs from the background", () => {
    const width = 3;
    const rgb = [...Array(5 * width * 3)].map((_, i) => (i * 37 + 11) % 256);
    const image = decodePng(pngOf(width, 3, rgb, [0, 1, 2, 3, 4]));
    expect([image.width, image.height]).toEqual([3, 5]);
    expect([...image.data]).toEqual(
      rgb.flatMap((_, i) => (i % 3 === 0 ? [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!, 255] : [])),
    );
    const rgba = [...Array(2 * width * 4)].map((_, i) => (i * 53 + 7) % 256);
    expect([...decodePng(pngOf(width, 4, rgba, [4, 4])).data]).toEqual(rgba);
    const grey = [9, 9, 9, 9, 200, 9];
    expect([...decodePng(pngOf(width, 1, grey, [1, 2])).data]).toEqual(grey.flatMap((g) => [g, g, g, 255]));
    expect(ink(pngOf(width, 1, grey, [0, 0]))).toEqual({ pixels: 1, fraction: 1 / 6, background: [9, 9, 9, 255] });
    expect(() => decodePng(new Uint8Array(8))).toThrow(/not a PNG/);
  });
});

describe("isLocalUrl", () => {
  test("keeps to this machine and the page itself", () => {
    for (const url of ["http://127.0.0.1:8080/", "ws://localhost:1/ws", "file:///tmp/a.html", "data:text/html,x"]) {
      expect(isLocalUrl(url)).toBe(true);
    }
    for (const url of ["http://203.0.113.1/x.png", "https://fonts.example/a.woff2", "wss://127.0.0.1.example/", "x"]) {
      expect(isLocalUrl(url)).toBe(false);
    }
  });
});

describe("connectTextSocket", () => {
  test("sends and receives whole text messages of every length class, UTF-8 included", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, srv) => (srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 })),
      websocket: { message: (ws, text) => void ws.send(text) }, // echo
    });
    const got: string[] = [];
    let closed: number | undefined;
    const ws = await connectTextSocket(
      `ws://127.0.0.1:${server.port}/`,
      { message: (text) => got.push(text), close: (code) => (closed = code) },
      5000,
    );
    // Lengths with a 7-bit, a 16-bit and a 64-bit length field; a character split across reads.
    const sent = ["hi", `你好 ${"x".repeat(300)}`, `${"é".repeat(40_000)}🙂`];
    for (const text of sent) ws.send(text);
    await until(() => got.length === sent.length, 5000, "the three echoes");
    expect(got).toEqual(sent);
    ws.close();
    expect(ws.closed).toBe(true);
    expect(closed).toBe(1000);
    server.stop(true);
  });
});

/** A page with a form: each line submitted is appended to the log; key events are counted. */
const FORM_PAGE = `<!doctype html><meta charset="utf-8"><title>form</title>
<form id="f"><label for="line">Line</label> <input id="line" autocomplete="off"> <button id="send">Send</button></form>
<ul id="log"></ul><button id="count" style="margin:40px">clicked 0</button>
<script>
  let clicks = 0;
  window.keydowns = 0;
  addEventListener("keydown", () => window.keydowns++);
  document.getElementById("f").addEventListener("submit", (e) => {
    e.preventDefault();
    const li = document.createElement("li");
    li.textContent = document.getElementById("line").value;
    document.getElementById("log").append(li);
    console.log("sent", li.textContent);
    document.getElementById("line").value = "";
  });
  document.getElementById("count").onclick = (e) => { e.target.textContent = "clicked " + ++clicks; };
</script>`;

const ZH_PAGE = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>聊天室</title>
<body style="margin:8px;font-family:sans-serif">
<span id="zh" style="font-size:40px">你好</span><br>
<span id="tofu" style="font-size:40px">\u{E000}\u{E001}</span>
<p>聊天室：欢迎 alice 加入。Chinese and English side by side, wrapped at a phone's width.</p>`;

const LABELS_PAGE = `<!doctype html><meta charset="utf-8"><title>labels</title>
<style>span { position: absolute; font: 14px sans-serif; }</style>
<span class="crowded" style="left:10px;top:10px">alice -&gt; "hi"</span>
<span class="crowded" style="left:40px;top:16px">bob &lt;- "hi"</span>
<span class="crowded" style="left:300px;top:10px">carol</span>
<span class="spaced" style="left:10px;top:100px">alice -&gt; "hi"</span>
<span class="spaced" style="left:10px;top:130px">bob &lt;- "hi"</span>`;

/** A reply from the network, put on the page two ways: as text (right) and as markup (the bug to catch). */
const PAYLOAD = `<img src="x" onerror="document.title='owned'"><b>bold</b>`;
const MARKUP_PAGE = `<!doctype html><meta charset="utf-8"><title>reply</title>
<p id="reply"></p><p id="unsafe"></p>
<script>
  document.getElementById("reply").textContent = ${JSON.stringify(PAYLOAD)};
  if (location.search === "?unsafe") document.getElementById("unsafe").innerHTML = ${JSON.stringify(PAYLOAD)};
</script>`;

describe.if(needBrowser())("a headless Chromium", () => {
  let browser: Browser;
  let dir: string;
  let server: ReturnType<typeof Bun.serve>;
  let base: string;
  /** Pages most tests share, each going to its own URL first: a new tab costs Chromium a new process. */
  let phone: Page;
  let files: Page;
  const file = (name: string) => pathToFileURL(join(dir, name)).href;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "browser-test-"));
    writeFileSync(join(dir, "labels.html"), LABELS_PAGE);
    writeFileSync(join(dir, "markup.html"), MARKUP_PAGE);
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req, srv) {
        const path = new URL(req.url).pathname;
        const html = (body: string) => new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
        if (path === "/ws") {
          return srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 });
        }
        if (path === "/never") return new Promise<Response>(() => {}); // never answers
        if (path === "/zh") return html(ZH_PAGE);
        if (path === "/tall")
          return html(`<body style="margin:0"><div style="height:2000px;background:#36c">tall</div>`);
        if (path === "/blank") return html(`<body style="margin:0;background:#fff">`);
        if (path === "/outside") {
          return html(`<title>outside</title><img src="http://203.0.113.1/x.png">
            <script>const ws = new WebSocket("ws://" + location.host + "/ws"); ws.onopen = () => (window.open = true);</script>`);
        }
        return html(FORM_PAGE);
      },
      websocket: { message() {} },
    });
    base = `http://127.0.0.1:${server.port}`;
    browser = await launchBrowser();
    [phone, files] = await Promise.all([browser.open(base, PHONE), browser.open(undefined, WIDE)]);
  }, 60_000); // Chromium's start and first pages, on a busy machine

  afterAll(async () => {
    await browser?.close();
    server?.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test("evaluates an expression in the page and returns its value, and says why one threw", async () => {
    expect(await phone.evaluate("({ sum: 1 + 2, words: ['a', '你'], width: innerWidth })")).toEqual({
      sum: 3,
      words: ["a", "你"],
      width: 375,
    });
    expect(await phone.title()).toBe("form");
    await expect(phone.evaluate("nope.nothing")).rejects.toThrow(/nope is not defined/);
    // Uncaught exceptions and unhandled rejections are recorded, as the console shows them.
    const before = phone.errors.length;
    await phone.evaluate(`setTimeout(() => { throw new Error("boom"); }); Promise.reject(new Error("refused")); 0`);
    await until(() => phone.errors.length === before + 2, 2000, "two uncaught errors");
    expect(phone.errors.join("\n")).toMatch(/Error: boom[^]*Error: refused|Error: refused[^]*Error: boom/);
    const dark = "matchMedia('(prefers-color-scheme: dark)').matches";
    expect(await phone.evaluate(dark)).toBe(false);
    await phone.setColorScheme("dark");
    expect(await phone.evaluate(dark)).toBe(true);
    await phone.setColorScheme("light");
  });

  test("types into a field with real key events, and Enter submits its form", async () => {
    await phone.goto(base);
    const errors = phone.errors.length;
    await phone.type("hello 你好", "#line");
    await phone.press("Enter");
    expect(await phone.waitFor<string>(`document.querySelector("#log li")?.textContent`)).toBe("hello 你好");
    expect(await phone.evaluate("keydowns")).toBe([..."hello 你好"].length + 1);
    expect(phone.console).toContainEqual({ type: "log", text: "sent hello 你好" });
    // Keyboard only: Tab moves the focus on to the button, Shift+Tab back.
    await phone.press("Tab");
    expect(await phone.evaluate("document.activeElement.id")).toBe("send");
    await phone.press("Tab", { shift: true });
    expect(await phone.evaluate("document.activeElement.id")).toBe("line");
    await phone.click("#count");
    await phone.click("#count");
    await phone.waitFor(`document.querySelector("#count").textContent === "clicked 2"`);
    expect(phone.errors.slice(errors)).toEqual([]);
    const loads = () => phone.requests.filter((r) => r.url === `${base}/`).length;
    const before = loads();
    await phone.reload();
    expect(await phone.evaluate(`document.querySelectorAll("#log li").length`)).toBe(0);
    expect(loads()).toBe(before + 1);
  });

  test("takes PNG screenshots with ink on them, of the viewport and of the whole page; a blank page has none", async () => {
    await phone.goto(base);
    const path = join(dir, "shots", "form.png");
    const shot = await phone.screenshot(path);
    expect(Buffer.from(await Bun.file(path).bytes()).equals(shot)).toBe(true);
    const image = decodePng(shot);
    expect([image.width, image.height]).toEqual([375, 740]);
    expect(ink(image).pixels).toBeGreaterThan(500);

    await phone.goto(`${base}/tall`);
    const full = decodePng(await phone.screenshot(undefined, { fullPage: true }));
    expect([full.width, full.height]).toEqual([375, 2000]);

    await phone.goto(`${base}/blank`);
    expect(ink(await phone.screenshot()).pixels).toBe(0);
  });

  test("finds the labels that overlap, and none where none do", async () => {
    await files.goto(file("labels.html"));
    const pairs = await files.overlaps(".crowded");
    expect(pairs.map(([a, b]) => [a.text, b.text])).toEqual([['alice -> "hi"', 'bob <- "hi"']]);
    expect(await files.overlaps(".spaced")).toEqual([]);
    expect(await files.boxes(".spaced")).toHaveLength(2);
  });

  test("keeps markup put on the page with textContent as text; the same with innerHTML is caught", async () => {
    await files.goto(file("markup.html"));
    expect(await files.evaluate(`document.getElementById("reply").textContent`)).toBe(PAYLOAD);
    expect(await files.evaluate(`document.querySelectorAll("img, b").length`)).toBe(0);
    expect(await files.title()).toBe("reply");

    // The check can fail: put as markup, the reply makes an element and runs its onerror.
    await files.goto(`${file("markup.html")}?unsafe`);
    await files.waitFor(`document.title === "owned"`);
    expect(await files.evaluate(`document.querySelectorAll("#unsafe img").length`)).toBe(1);
  });

  test("lists every request the page made, an outside one and a WebSocket included", async () => {
    // The outside image never loads (that is fine): the page is done once its DOM is.
    const page = await browser.open(`${base}/outside`, { until: "domcontentloaded" });
    await page.waitFor("window.open === true", { what: "the page's WebSocket to open" });
    expect(page.requests).toContainEqual({ url: `ws://127.0.0.1:${server.port}/ws`, method: "GET", type: "WebSocket" });
    expect(page.outsideRequests().map((r) => r.url)).toEqual(["http://203.0.113.1/x.png"]);
    await page.close();
    // The pages the other tests use asked nothing of anyone else.
    expect(phone.requests[0]?.url).toBe(`${base}/`);
    expect(phone.requests.length).toBeGreaterThan(3);
    expect([...phone.outsideRequests(), ...files.outsideRequests()]).toEqual([]);
  });

  test("draws Chinese with a CJK font, not as empty boxes", async () => {
    await phone.goto(`${base}/zh`);
    await phone.screenshot(join(dir, "shots", "zh.png"));
    const drawnWithCjk = async (selector: string) =>
      (await phone.fontsOf(selector)).some((f) => /CJK|Hei|Song|Ming|Kai|WenQuanYi/i.test(f.family));
    expect(await drawnWithCjk("#zh")).toBe(true);
    // Without a Chinese font, 你好 would be drawn as the same two boxes as two characters no font has.
    const [zh, tofu] = [(await phone.boxes("#zh"))[0]!, (await phone.boxes("#tofu"))[0]!];
    const [zhImage, tofuImage] = [
      decodePng(await phone.screenshot(undefined, { clip: { ...tofu, x: zh.x, y: zh.y } })),
      decodePng(await phone.screenshot(undefined, { clip: tofu })),
    ];
    expect(ink(zhImage).pixels).toBeGreaterThan(200);
    expect(Buffer.from(zhImage.data).equals(Buffer.from(tofuImage.data))).toBe(false);
    expect(await phone.title()).toBe("聊天室");
  });

  test("opens several pages at once, each at its own viewport", async () => {
    const pages = await Promise.all([
      browser.open(base, PHONE),
      browser.open(`${base}/zh`, WIDE),
      browser.open(file("labels.html"), { width: 800, height: 600 }),
    ]);
    const sizes = await Promise.all(pages.map((p) => p.evaluate("[innerWidth, innerHeight, devicePixelRatio]")));
    expect(sizes).toEqual([
      [375, 740, 1],
      [1400, 900, 1],
      [800, 600, 1],
    ]);
    expect(await Promise.all(pages.map((p) => p.title()))).toEqual(["form", "聊天室", "labels"]);
    // Each in a window of its own, none behind another: all visible, all quick to answer a click.
    const visibility = await Promise.all([phone, ...pages].map((p) => p.evaluate("document.visibilityState")));
    expect(visibility).toEqual(["visible", "visible", "visible", "visible"]);
    // Each page's requests are its own (a favicon may follow).
    expect(pages.map((p) => p.requests[0]?.url)).toEqual([`${base}/`, `${base}/zh`, file("labels.html")]);
    expect(pages[0]!.requests.some((r) => r.url.includes("/zh"))).toBe(false);
    await Promise.all(pages.map((p) => p.close()));
  });

  test("fails to open a page that never loads within the time limit, saying which", async () => {
    const started = performance.now();
    await expect(phone.goto(`${base}/never`, { ms: 700 })).rejects.toThrow(
      `the page ${base}/never did not load within 700 ms`,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await phone.evaluate("1 + 1")).toBe(2); // the page is still there to use
  });

  test("runs beside a second browser in a session; a hung or dead one fails its calls with a clear error", async () => {
    // The second browser has no fonts at all: where Chinese cannot be drawn, the check above fails.
    const fonts = join(dir, "no-fonts.conf");
    writeFileSync(fonts, `<?xml version="1.0"?><fontconfig><dir>${join(dir, "none")}</dir></fontconfig>`);
    const session = new Session();
    const other = await launchBrowser({ env: { FONTCONFIG_FILE: fonts }, session });
    try {
      const [, theirs] = await Promise.all([phone.goto(`${base}/zh`), other.open(`${base}/zh`)]);
      expect((await phone.fontsOf("#zh")).length).toBeGreaterThan(0);
      expect(await theirs.fontsOf("#zh")).toEqual([]);

      other.proc.kill("SIGSTOP"); // hung
      let started = performance.now();
      await expect(theirs.evaluate("1", 600)).rejects.toThrow(/did not answer within 600 ms/);
      expect(performance.now() - started).toBeLessThan(2000);
      other.proc.kill("SIGCONT");
      expect(await theirs.evaluate("1 + 1")).toBe(2);

      other.proc.kill("SIGKILL"); // dead
      await other.proc.exited;
      started = performance.now();
      await expect(theirs.evaluate("1")).rejects.toThrow(/chromium exited|connection to Chromium closed/);
      expect(performance.now() - started).toBeLessThan(600);
    } finally {
      other.proc.kill("SIGCONT"); // no-op once it is dead
      await session.close();
    }
    // The session closed it: every process of it gone, its profile removed.
    await until(() => !existsSync(other.profile), 5000, "the session to close the second browser");
    expect(chromiumPids(other.profile)).toEqual([]);
  });

  test("kills the browser of a process that ends without closing it", async () => {
    const script = `import { launchBrowser } from ${JSON.stringify(join(ROOT, "tools/harness/browser.ts"))};
      const b = await launchBrowser(); await b.open("about:blank"); console.log(b.profile); process.exit(0);`;
    const run = await runToEnd([process.execPath, "-e", script], { timeoutMs: 30_000 });
    const profile = run.stdout.trim();
    expect(profile).toContain("chat-kit-chromium-");
    await until(() => chromiumPids(profile).length === 0, 3000, `every process of ${profile} to end`);
    expect(existsSync(profile)).toBe(false);
  }, 40_000); // a second bun and a second Chromium: room for a busy machine

  test("makes a screenshot from the command line, for the README", async () => {
    const out = join(dir, "shots", "cli.png");
    const argv = [process.execPath, join(ROOT, "tools/harness/browser.ts"), "--screenshot", `${base}/zh`, out];
    const run = await runToEnd([...argv, "--width", "375"], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    const image = decodePng(await Bun.file(out).bytes());
    expect([image.width, image.height]).toEqual([375, 740]);
    expect(ink(image).pixels).toBeGreaterThan(500);
  }, 40_000); // a second bun and a second Chromium: room for a busy machine

  test("leaves no Chromium of its own running once closed", async () => {
    await browser.close();
    const pgrep = Bun.spawnSync(["pgrep", "-f", PROFILE_MARK]);
    expect(pgrep.stdout.toString()).toBe("");
    expect(chromiumPids()).toEqual([]);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(PROFILE_MARK))).toEqual([]);
  });
});
