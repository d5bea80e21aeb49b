/**
 * What the page shows: the log, the connection's state, the member list and
 * the "N new lines" button.
 *
 * Every piece of text from the network is put on the page as text (a text
 * node, `textContent`), never as markup: a line holding `<img onerror=...>`
 * shows those characters and runs nothing. It is cleaned first as the
 * terminal client cleans it (src/protocol.ts `sanitize`): no control
 * characters, no bidirectional overrides that would make a line read backwards.
 */
import { parseServerLine, sanitize } from "../protocol.ts";
import { nickColour } from "./colour.ts";
import { fill, shortTime, type Room } from "./room.ts";

/** The log keeps this many lines; older ones go. */
const MAX_LINES = 2000;
/** Scrolled to within this many pixels of the end counts as at the end. */
const AT_END_PX = 24;

export type State = "connecting" | "connected" | "waiting" | "left";

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class View {
  readonly log = byId<HTMLDivElement>("log");
  readonly input = byId<HTMLInputElement>("line");
  readonly form = byId<HTMLFormElement>("say");
  readonly rejoin = byId<HTMLButtonElement>("rejoin");
  private readonly send = byId<HTMLButtonElement>("send");
  private readonly state = byId<HTMLParagraphElement>("state");
  private readonly stateText = byId<HTMLSpanElement>("state-text");
  private readonly members = byId<HTMLDetailsElement>("members");
  private readonly membersTitle = byId<HTMLElement>("members-title");
  private readonly memberList = byId<HTMLUListElement>("member-list");
  private readonly newLines = byId<HTMLButtonElement>("new-lines");
  /** Lines that came while the log was scrolled up. */
  private unseen = 0;

  constructor(private readonly room: Room) {
    this.log.addEventListener("scroll", () => {
      if (this.atEnd()) this.seen();
    });
    this.newLines.addEventListener("click", () => {
      this.toEnd();
      this.input.focus();
    });
    // The member list beside the log on a wide screen; folded away on a phone.
    const wide = matchMedia("(min-width: 48rem)");
    this.members.open = wide.matches;
    wide.addEventListener("change", () => (this.members.open = wide.matches));
    this.showMembers([], undefined);
  }

  status(state: State, text: string): void {
    this.state.dataset.state = state;
    this.stateText.textContent = text;
  }

  /** Leaving (after /quit): the field gives way to "join again". */
  leftRoom(left: boolean): void {
    this.rejoin.hidden = !left;
    this.send.hidden = left;
    this.input.disabled = left;
    (left ? this.rejoin : this.input).focus();
  }

  /** A line from the server, as it came. */
  serverLine(raw: string, at = new Date()): void {
    const line = parseServerLine(sanitize(raw).text);
    const p = this.line(at, line.kind === "private-sent" ? "private sent" : line.kind);
    switch (line.kind) {
      case "chat":
        p.append("<", this.nick(line.nick), "> " + line.text);
        break;
      case "action":
        p.append("* ", this.nick(line.nick), " " + line.text);
        break;
      case "private":
        p.append("*", this.nick(line.nick), "* " + line.text);
        break;
      case "private-sent":
        p.append("-> *", this.nick(line.nick), "* " + line.text);
        break;
      case "notice":
        p.append("*** " + line.text);
        break;
      case "error":
        p.append("!!! " + line.text);
        break;
      case "other":
        p.append(line.text);
        break;
    }
    this.add(p);
  }

  /** What the person typed, as the room sees it: the server never sends our own lines back. */
  own(kind: "chat" | "action", nick: string, text: string, at = new Date()): void {
    const p = this.line(at, `${kind} own`);
    const clean = sanitize(text).text;
    if (kind === "chat") p.append("<", this.nick(nick), "> " + clean);
    else p.append("* ", this.nick(nick), " " + clean);
    this.add(p, true);
  }

  /** The page's own words (connection lost, line too long). */
  local(text: string, error = false, at = new Date()): void {
    const p = this.line(at, `${error ? "error" : "notice"} local`);
    p.append((error ? "!!! " : "*** ") + text);
    this.add(p, error);
  }

  showMembers(nicks: string[], me: string | undefined): void {
    this.membersTitle.textContent = fill(this.room.words.members, { n: nicks.length });
    const items = nicks.map((nick) => {
      const li = document.createElement("li");
      li.append(this.nick(nick));
      if (nick === me) {
        li.classList.add("me");
        li.append(` ${this.room.words.you}`);
      }
      return li;
    });
    this.memberList.replaceChildren(...items);
  }

  private line(at: Date, kind: string): HTMLParagraphElement {
    const p = document.createElement("p");
    p.className = kind;
    const time = document.createElement("time");
    time.dateTime = at.toISOString();
    time.textContent = shortTime(at);
    p.append(time);
    return p;
  }

  private nick(nick: string): HTMLSpanElement {
    const span = document.createElement("span");
    span.className = "nick";
    span.textContent = nick;
    const { hue, band } = nickColour(nick);
    // CSSOM, not a style attribute: the page's Content-Security-Policy allows no inline styles.
    span.style.setProperty("--hue", String(hue));
    span.style.setProperty("--band", String(band));
    return span;
  }

  /** Appends a line; follows it when the log was at its end (or `follow`), else counts it as new. */
  private add(p: HTMLParagraphElement, follow = false): void {
    const atEnd = this.atEnd();
    this.log.append(p);
    while (this.log.childElementCount > MAX_LINES) this.log.firstElementChild!.remove();
    if (atEnd || follow) return this.toEnd();
    this.unseen++;
    const words = this.room.words;
    this.newLines.textContent = this.unseen === 1 ? words.newLine : fill(words.newLines, { n: this.unseen });
    this.newLines.hidden = false;
  }

  private atEnd(): boolean {
    const log = this.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight <= AT_END_PX;
  }

  private toEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
    this.seen();
  }

  private seen(): void {
    this.unseen = 0;
    this.newLines.hidden = true;
  }
}
