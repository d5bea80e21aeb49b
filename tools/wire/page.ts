/**
 * One self-contained page around the kit's drawings: its style inline, no
 * font, script or image from anywhere, so it opens offline by a double click
 * and asks nothing of anyone. A Content-Security-Policy says so to the
 * browser too: only the page's own style and (when watching) its own small
 * script may run, whatever text the page shows.
 *
 * Watching (`bun run grade --watch --html`), the page reloads itself when it
 * is written again. How: the grader already watches files and rewrites the
 * page on every run; beside it, it writes a one-line stamp script
 * (`report.html.stamp.js`) naming the page's version, and the page loads that
 * script again every second and reloads when the version is no longer its
 * own. We chose this over a tiny Bun.serve on localhost because it needs no
 * port and no server: the page stays a file, opened by a double click, it
 * keeps working when the grader stops (it only stops reloading), and nothing
 * listens on the machine. A page cannot read a file: `fetch` of file:// is
 * refused, but a <script src> of a file beside it is not.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Lang } from "../../src/i18n.ts";
import { h, render, trusted, type Child } from "./markup.ts";

const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1d2330; --dim: #5e6678; --line: #9aa3b5; --head: #eef1f7;
  --program: #e2ecff; --bad: #b3261e; --bad-bg: #fdecea; --good: #1e7a34; --mark: #8a5a00; --accent: #2457c5;
  --s0: #2457c5; --s1: #c2410c; --s2: #15803d; --s3: #7e22ce; --s4: #0e7490; --s5: #a16207; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171e; --fg: #e4e7ee; --dim: #9aa3b5; --line: #5e6678;
  --head: #222735; --program: #1f2d4d; --bad: #ff8a80; --bad-bg: #3a1f1f; --good: #7bd88f; --mark: #f0c36d;
  --accent: #8ab4ff; --s0: #8ab4ff; --s1: #fdba74; --s2: #86efac; --s3: #d8b4fe; --s4: #67e8f9; --s5: #fde047; } }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 12px; max-width: 1180px; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", sans-serif; }
h1 { font-size: 1.35em; margin: 0.2em 0 0.6em; } h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
h3 { font-size: 1em; margin: 0 0 0.4em; overflow-wrap: anywhere; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", Menlo, Consolas, monospace;
  font-size: 13px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.3em 0; }
a { color: var(--accent); }
.dim { color: var(--dim); } .good { color: var(--good); } .bad { color: var(--bad); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 12px 0; }
.card.failing { border-left: 4px solid var(--bad); }
figure { margin: 0; } .charts { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
svg.chart { display: block; max-width: 100%; height: auto; } .scroll { overflow-x: auto; max-width: 100%; }
.narrow { display: none; }
@media (max-width: 720px) { .wide { display: none; } .narrow { display: block; } body { padding: 8px; } .card { padding: 8px; } }
.progress { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 0.4em 0 0.8em; }
.progress progress { flex: 1 1 160px; height: 14px; accent-color: var(--good); }
table.exercises td { border: none; padding: 1px 8px 1px 0; } table.exercises td:last-child { overflow-wrap: anywhere; }
table.grid td.cell { text-align: center; white-space: nowrap; } table.grid th { white-space: nowrap; }
.misconception { border-left: 3px solid var(--mark); padding: 0 0 0 10px; margin: 10px 0; }
.misconception p { margin: 0.3em 0; } pre.fix { background: var(--head); padding: 6px 8px; border-radius: 4px; }
.mark { color: var(--mark); } section.exercise { margin: 1.5em 0; }
ul.passed { list-style: none; padding: 0; margin: 0.3em 0; } ul.passed li { overflow-wrap: anywhere; }
table { border-collapse: collapse; } td, th { border: 1px solid var(--line); padding: 3px 6px; text-align: left; }
dl { margin: 0.3em 0; } dt { font-weight: 600; } dd { margin: 0 0 0.4em 1em; overflow-wrap: anywhere; }
svg text { fill: var(--fg); white-space: pre; }
svg .label { paint-order: stroke; stroke: var(--bg); stroke-width: 3px; stroke-linejoin: round; }
svg text.time, svg text.tick, svg text.note, svg text.gap { fill: var(--dim); }
svg .lane-head rect { fill: var(--head); stroke: var(--line); }
svg .lane-head.program rect { fill: var(--program); }
svg .lane-head text { font-weight: 600; }
svg .lifeline { stroke: var(--line); stroke-dasharray: 4 3; }
svg .arrow line { stroke: var(--fg); stroke-width: 1.5; } svg .arrow polygon { fill: var(--fg); }
svg .arrow.read line, svg .arrow.read polygon { stroke: var(--accent); fill: var(--accent); }
svg .arrow.datagram line { stroke-dasharray: 7 3; }
svg .arrow.connect line { stroke-dasharray: 2 2; }
svg .arrow.fin line, svg .arrow.rst line { stroke: var(--mark); stroke-width: 2; }
svg .arrow.fin polygon, svg .arrow.rst polygon { fill: var(--mark); }
svg .arrow.missing line { stroke: var(--bad); stroke-dasharray: 3 3; } svg .arrow.missing polygon { fill: var(--bad); }
svg .band { fill: var(--bad-bg); stroke: var(--bad); }
svg .divergence .label { stroke: var(--bad-bg); }
svg text.expected, svg text.missing, svg text.diverged { fill: var(--bad); font-weight: 700; }
svg text.exit { fill: var(--bad); }
svg text.mark { fill: var(--mark); font-style: italic; }
svg path.exit { stroke: var(--bad); stroke-width: 2.5; } svg circle.dot { fill: var(--dim); }
svg line.end { stroke: var(--dim); stroke-dasharray: 1 3; }
svg line.grid { stroke: var(--line); stroke-width: 0.5; } svg .step { stroke-width: 2; fill: none; }
svg .s0 { fill: var(--s0); stroke: var(--s0); } svg .s1 { fill: var(--s1); stroke: var(--s1); stroke-dasharray: 6 3; }
svg .s2 { fill: var(--s2); stroke: var(--s2); stroke-dasharray: 2 2; } svg .s3 { fill: var(--s3); stroke: var(--s3); stroke-dasharray: 8 2 2 2; }
svg .s4 { fill: var(--s4); stroke: var(--s4); stroke-dasharray: 4 4; } svg .s5 { fill: var(--s5); stroke: var(--s5); stroke-dasharray: 1 2; }
svg rect.bar { stroke: none; } svg path.step, svg line.step { fill: none; }
svg a.bar-link:focus-visible rect { outline: 2px solid var(--accent); }
`;

/** The reload script: loads the stamp beside the page every second; reloads when it names another version. */
const RELOAD = `(() => {
  const me = document.currentScript;
  const [stamp, src] = [me.dataset.stamp, me.dataset.src];
  window.wireStamp = (now) => { if (now !== stamp) location.reload(); };
  setInterval(() => {
    const s = document.createElement("script");
    s.src = src + "?" + Date.now();
    s.onload = s.onerror = () => s.remove();
    document.head.append(s);
  }, 1000);
})();`;

const sha256 = (text: string) => `'sha256-${new Bun.CryptoHasher("sha256").update(text).digest("base64")}'`;

export type PageOptions = {
  lang: Lang;
  /** The page's title, in the tab and as its heading. */
  title: string;
  body: Child;
  /** Watching: the page's version, and the stamp script's file name beside it (see reloadStamp). */
  reload?: { stamp: string; src: string };
};

/** A whole page, as one string of HTML, with nothing in it that asks for anything outside it. */
export function htmlPage(o: PageOptions): string {
  const scripts = o.reload ? `${sha256(RELOAD)} file:` : "'none'";
  const policy = `default-src 'none'; style-src ${sha256(STYLE)}; img-src data:; script-src ${scripts}; base-uri 'none'; form-action 'none'`;
  const head = h(
    "head",
    {},
    h("meta", { charset: "utf-8" }),
    h("meta", { "http-equiv": "Content-Security-Policy", content: policy }),
    h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    h("meta", { name: "referrer", content: "no-referrer" }),
    h("title", {}, o.title),
    h("style", {}, trusted(STYLE)),
    o.reload && h("script", { "data-stamp": o.reload.stamp, "data-src": o.reload.src }, trusted(RELOAD)),
  );
  const html = h("html", { lang: o.lang === "zh" ? "zh-CN" : "en" }, head, h("body", {}, o.body));
  return `<!doctype html>\n${render(html)}\n`;
}

/** The stamp script's name beside a page: `report.html` -> `report.html.stamp.js`. */
export const stampFileOf = (page: string): string => `${basename(page)}.stamp.js`;

/** A version for a page's content: what the stamp script names. */
export const versionOf = (content: string): string =>
  new Bun.CryptoHasher("sha256").update(content).digest("hex").slice(0, 16);

/**
 * Write a page whole (to a file beside it, then renamed over it, so a browser
 * never reads half of one). Watching, `build` is given the reload settings to
 * put in the page, and the stamp script is written after it.
 */
export function writePage(path: string, build: (reload?: PageOptions["reload"]) => string, watch = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const version = versionOf(build());
  const html = build(watch ? { stamp: version, src: stampFileOf(path) } : undefined);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, html);
  renameSync(temporary, path);
  if (watch) writeFileSync(join(dirname(path), stampFileOf(path)), `wireStamp(${JSON.stringify(version)});\n`);
}
