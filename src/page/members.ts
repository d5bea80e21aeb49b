/**
 * Who is in the room, as the page follows it: from the server's notices, in
 * the room's language (the patterns come from the server's catalogue). Pure:
 * lines in, what they mean out; the view draws it.
 *
 * The list starts from a `/who` the page sends itself after each welcome. Its
 * answer is the member list's, not the person's: it is not shown (the answer
 * to a `/who` the person typed is). Then joins, leaves and renames keep it up
 * to date. A big room sums joins and leaves up (`37 joined and 5 left in the
 * last 10s`), and linked servers may lose sight of each other: after those
 * notices the page asks again (`refresh`).
 */
import type { NoticePatterns } from "./room.ts";

/** What a notice from the server meant to the member list. */
export interface Heard {
  /** The list changed. */
  changed: boolean;
  /** A line of the answer to the page's own `/who`: not for the log. */
  hidden: boolean;
  /** The list may be out of date: ask again. */
  refresh: boolean;
  /** We were welcomed (joined the room). */
  welcomed: boolean;
}

/** Nicks compare as the server compares them for case and compatibility forms. */
const keyOf = (nick: string) => nick.normalize("NFKC").toLowerCase();

export class Members {
  /** Our nick, as the server last named it. */
  me: string | undefined;
  /** A nick we chose (`/nick`) and the server granted: asked for again after a reconnect. */
  chosen: string | undefined;
  private readonly nicks = new Map<string, string>();
  /** The `/who` requests on their way, in the order sent: whose answer is whose. */
  private readonly asked: ("page" | "person")[] = [];
  /** The `/who` answer being read: how many it said, those listed so far, and whether it is the page's. */
  private answer: { total: number; nicks: string[]; page: boolean } | undefined;
  private readonly re: {
    welcome: RegExp;
    joined: RegExp;
    left: RegExp[];
    renamed: RegExp;
    who: RegExp;
    whoMore: RegExp;
    refresh: RegExp[];
  };

  constructor(private readonly patterns: NoticePatterns) {
    const re = (source: string) => new RegExp(source, "u");
    this.re = {
      welcome: re(patterns.welcome),
      joined: re(patterns.joined),
      left: patterns.left.map(re),
      renamed: re(patterns.renamed),
      who: re(patterns.who),
      whoMore: re(patterns.whoMore),
      refresh: patterns.refresh.map(re),
    };
  }

  /** Everyone, sorted, ourselves included. */
  list(): string[] {
    return [...this.nicks.values()].sort((a, b) => a.localeCompare(b));
  }

  get size(): number {
    return this.nicks.size;
  }

  /** The page sends a `/who` of its own (after a welcome, or a refresh). */
  askedByPage(): void {
    this.asked.push("page");
  }

  /** The person typed `/who`. */
  askedByPerson(): void {
    this.asked.push("person");
  }

  /** The connection is gone: whatever was asked will never be answered. */
  reset(): void {
    this.asked.length = 0;
    this.answer = undefined;
  }

  /** A line from the server that is not a notice: any `/who` answer being read is over. */
  other(): void {
    this.answer = undefined;
  }

  /** A notice from the server (its text, after `*** `). */
  notice(text: string): Heard {
    const heard: Heard = { changed: false, hidden: false, refresh: false, welcomed: false };
    const re = this.re;
    let m: RegExpExecArray | null;
    const reading = this.answer;
    this.answer = undefined;

    if ((m = re.who.exec(text))) {
      const page = this.asked.shift() === "page";
      this.answer = { total: Number(m[1]), nicks: this.split(m[2]!), page };
      heard.hidden = page;
      heard.changed = this.settle();
    } else if (reading && (m = re.whoMore.exec(text))) {
      this.answer = { ...reading, nicks: [...reading.nicks, ...this.split(m[1]!)] };
      heard.hidden = reading.page;
      heard.changed = this.settle();
    } else if ((m = re.welcome.exec(text))) {
      this.nicks.clear();
      this.me = m[1]!;
      this.add(this.me);
      heard.changed = heard.welcomed = true;
    } else if ((m = re.renamed.exec(text))) {
      const [from, to] = [m[1]!, m[2]!];
      this.nicks.delete(keyOf(from));
      this.add(to);
      if (this.me !== undefined && keyOf(from) === keyOf(this.me)) this.me = this.chosen = to;
      heard.changed = true;
    } else if ((m = re.joined.exec(text))) {
      this.add(m[1]!);
      heard.changed = true;
    } else if ((m = re.left.map((r) => r.exec(text)).find(Boolean) ?? null)) {
      heard.changed = this.nicks.delete(keyOf(m[1]!));
    } else if (re.refresh.some((r) => r.test(text))) {
      heard.refresh = true;
    }
    return heard;
  }

  private add(nick: string): void {
    this.nicks.set(keyOf(nick), nick);
  }

  private split(list: string): string[] {
    return list.split(this.patterns.whoSeparator).filter(Boolean);
  }

  /** A whole `/who` answer replaces the list. */
  private settle(): boolean {
    const answer = this.answer!;
    if (answer.nicks.length < answer.total) return false;
    this.nicks.clear();
    for (const nick of answer.nicks) this.add(nick);
    if (this.me !== undefined) this.add(this.me);
    this.answer = undefined;
    return true;
  }
}
