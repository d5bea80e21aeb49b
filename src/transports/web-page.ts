/**
 * The room's page, as the web transport serves it: the files of src/page/,
 * bundled by Bun's own bundler when the server starts (in memory, in about a
 * tenth of a second), so a fresh clone needs no build step and the page can
 * never be older than its server.
 *
 * The page has no catalogue of its own. The server tells it, in a <meta> of
 * the page, the room's language, its line limit, the page's words in that
 * language (src/i18n.ts, WEB_MESSAGES) and how to recognise the few notices it
 * follows to keep its member list (joins, leaves, renames, `/who`), made from
 * the same catalogue the hub words them with. Text in the HTML marked
 * `data-word` is filled in here too, so the page reads right before its script runs.
 */
import { join } from "node:path";
import { MESSAGES, WEB_MESSAGES, type Lang, type Messages, type PageWords } from "../i18n.ts";

/** Where the page's files are (src/page/). */
export const PAGE_DIR = join(import.meta.dir, "..", "page");

export interface PageFile {
  body: Uint8Array;
  type: string;
  /** Named by a hash of its content: a browser may keep it. */
  immutable: boolean;
}

/** The page's files by URL path ("/" is the page itself). */
export type WebPage = Map<string, PageFile>;

/** Regular expressions (their sources) for the notices the page follows. */
export interface NoticePatterns {
  /** Group 1: our nick. */
  welcome: string;
  /** Group 1: the nick. */
  joined: string;
  /** Group 1: the nick (with and without a reason). */
  left: string[];
  /** Groups 1 and 2: the old and the new nick. */
  renamed: string;
  /** Group 1: how many; group 2: the nicks, joined by `whoSeparator`. */
  who: string;
  /** Group 1: more nicks. */
  whoMore: string;
  whoSeparator: string;
  /** Notices after which the member list may be out of date (a big room's summary, the link back). */
  refresh: string[];
}

/** What the page is told about the room: plain data, as JSON. */
export interface RoomInfo {
  lang: Lang;
  maxLineBytes: number;
  words: PageWords;
  notices: NoticePatterns;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A notice's regular expression, from the catalogue's own function: it is
 * called with markers in place of its arguments, and each marker becomes a group.
 */
function pattern(text: string, groups: Record<string, string>): string {
  let source = escape(text);
  for (const [marker, group] of Object.entries(groups)) source = source.replace(escape(marker), group);
  return `^${source}$`;
}

const NICK = "(\\S+?)";
const [A, B] = ["\u0001A\u0001", "\u0001B\u0001"];
const NUMBER = 9_876_543;

/** The notices the page follows, as `t` words them. */
export function noticePatterns(t: Messages): NoticePatterns {
  const numbers = (text: string) => `^${escape(text).replaceAll(String(NUMBER), "\\d+")}$`;
  const whoTwo = t.whoMore([A, B]);
  return {
    welcome: pattern(t.welcome(A), { [A]: NICK }),
    joined: pattern(t.joined(A), { [A]: NICK }),
    left: [pattern(t.left(A, ""), { [A]: NICK }), pattern(t.left(A, B), { [A]: NICK, [B]: "(.*)" })],
    renamed: pattern(t.renamed(A, B), { [A]: NICK, [B]: NICK }),
    who: pattern(t.who(NUMBER, [A]), { [String(NUMBER)]: "(\\d+)", [A]: "(.*)" }),
    whoMore: pattern(t.whoMore([A]), { [A]: "(.*)" }),
    whoSeparator: whoTwo.slice(whoTwo.indexOf(A) + A.length, whoTwo.indexOf(B)),
    refresh: [
      numbers(t.summary(NUMBER, 0, NUMBER)),
      numbers(t.summary(0, NUMBER, NUMBER)),
      numbers(t.summary(NUMBER, NUMBER, NUMBER)),
      `^${escape(t.linkBack)}$`,
    ],
  };
}

export function roomInfo(lang: Lang, maxLineBytes: number): RoomInfo {
  return { lang, maxLineBytes, words: WEB_MESSAGES[lang].page, notices: noticePatterns(MESSAGES[lang]) };
}

/** Bundles src/page/ and fills in the room's words. Throws when the bundler fails. */
export async function buildPage(room: RoomInfo): Promise<WebPage> {
  const result = await Bun.build({
    entrypoints: [join(PAGE_DIR, "index.html")],
    target: "browser",
    minify: true,
    throw: false,
  });
  if (!result.success) throw new Error(result.logs.map(String).join("\n") || "the bundler failed");
  const page: WebPage = new Map();
  for (const artifact of result.outputs) {
    const path = "/" + artifact.path.replace(/^\.\//, "");
    if (path.endsWith(".html")) {
      const html = localize(await artifact.text(), room);
      page.set("/", { body: new TextEncoder().encode(html), type: "text/html;charset=utf-8", immutable: false });
    } else {
      page.set(path, { body: new Uint8Array(await artifact.arrayBuffer()), type: artifact.type, immutable: true });
    }
  }
  if (!page.has("/")) throw new Error("the bundler made no HTML");
  return page;
}

/** The page in the room's language: its `lang`, its words, and the room's data for its script. */
function localize(html: string, room: RoomInfo): string {
  const words = room.words as unknown as Record<string, string>;
  const rewriter = new HTMLRewriter()
    .on("html", { element: (e) => void e.setAttribute("lang", room.lang === "zh" ? "zh-CN" : "en") })
    .on("title", { element: (e) => void e.setInnerContent(room.words.title) })
    // An ampersand as a JSON escape: whatever the rewriter makes of "&" in an attribute, JSON reads the same.
    .on('meta[name="chat-room"]', {
      element: (e) => void e.setAttribute("content", JSON.stringify(room).replaceAll("&", "\\u0026")),
    })
    .on("[data-word]", {
      element: (e) => void e.setInnerContent(words[e.getAttribute("data-word")!] ?? ""),
    })
    .on("[data-word-attr]", {
      element(e) {
        // data-word-attr="placeholder:placeholder aria-label:logLabel"
        for (const pair of e.getAttribute("data-word-attr")!.split(/\s+/)) {
          const [attr, key] = pair.split(":");
          if (attr && key && words[key] !== undefined) e.setAttribute(attr, words[key]);
        }
      },
    });
  return rewriter.transform(html);
}
