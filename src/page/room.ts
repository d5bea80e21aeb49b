/**
 * What the server tells the page about the room (src/transports/web-page.ts
 * puts it in the page's <meta name="chat-room">): its language, its line
 * limit, the page's words in that language, and the notices to follow. Pure:
 * no DOM here, so the tests read it as the page does.
 */

/** The notices the page follows, as regular expression sources (the server's catalogue made them). */
export interface NoticePatterns {
  welcome: string;
  joined: string;
  left: string[];
  renamed: string;
  who: string;
  whoMore: string;
  whoSeparator: string;
  refresh: string[];
}

/** The page's words, in the room's language: templates with {name} parts. */
export type Words = Record<
  | "title"
  | "logLabel"
  | "inputLabel"
  | "placeholder"
  | "send"
  | "members"
  | "you"
  | "newLine"
  | "newLines"
  | "connecting"
  | "connected"
  | "retrying"
  | "retryingNow"
  | "left"
  | "lost"
  | "back"
  | "closedBecause"
  | "tooLong"
  | "notConnected"
  | "joinAgain"
  | "noScript",
  string
>;

export interface Room {
  lang: "en" | "zh";
  maxLineBytes: number;
  words: Words;
  notices: NoticePatterns;
}

/** Reads the room from the page's <meta> (its JSON). Throws on anything else. */
export function readRoom(json: string): Room {
  const room = JSON.parse(json) as Room;
  if (typeof room?.maxLineBytes !== "number" || typeof room.words?.title !== "string" || !room.notices) {
    throw new Error("the page was served without its room");
  }
  return room;
}

/** A template with its {name} parts filled in: `fill("{n} new lines", { n: 3 })`. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** `HH:MM:SS`, local time. */
export function clockTime(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** `HH:MM`, local time: the stamp of every line. */
export function shortTime(at: Date): string {
  return clockTime(at).slice(0, 5);
}
