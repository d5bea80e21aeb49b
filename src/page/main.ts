/**
 * The room's page: a member of the chat room, in a browser, beside `nc`,
 * `nc -u` and the terminal client (docs/PROTOCOL.md, *In a browser*).
 *
 * Its parts: room.ts (what the server told the page), connection.ts (the
 * WebSocket, and getting it back), members.ts (who is in the room), view.ts
 * (what is on the page), colour.ts (a nick's colour). This file wires them:
 * lines in, lines out, and what the page says when the connection comes and goes.
 */
import { parseCommand, parseServerLine, sanitize, utf8Length } from "../protocol.ts";
import { Connection } from "./connection.ts";
import { Members } from "./members.ts";
import { clockTime, fill, readRoom } from "./room.ts";
import { View } from "./view.ts";

const room = readRoom(document.querySelector<HTMLMetaElement>('meta[name="chat-room"]')!.content);
const words = room.words;
const view = new View(room);
const members = new Members(room.notices);

/** When the connection was lost, while the page was in the room: to say what it may have missed. */
let lostAt: Date | undefined;
/** Welcomed on this connection. */
let inRoom = false;
/** The person typed /quit. */
let leaving = false;
let countdown: ReturnType<typeof setInterval> | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let lastRefresh = 0;
/** A member list may be asked for again at most this often. */
const REFRESH_MS = 10_000;

const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;

const connection = new Connection(url, {
  connecting(attempt) {
    stopCountdown();
    view.status("connecting", attempt > 1 ? fill(words.retryingNow, { n: attempt }) : words.connecting);
  },
  open() {
    // The room's welcome says we are in.
  },
  line: received,
  closed(_wasOpen, code, reason) {
    members.reset();
    const wasInRoom = inRoom;
    inRoom = false;
    if (leaving) {
      view.status("left", words.left);
      view.leftRoom(true);
      return;
    }
    if (wasInRoom) {
      lostAt ??= new Date();
      view.local(fill(words.lost, { time: clockTime(lostAt) }));
    }
    // Bun's own reasons (a frame too big, not UTF-8) are English, and worth showing as they are.
    if (reason && code !== 1000) view.local(fill(words.closedBecause, { why: `${code} ${reason}` }), true);
  },
  waiting(ms, attempt) {
    const due = Date.now() + ms;
    const show = () => {
      const s = Math.max(0, Math.ceil((due - Date.now()) / 1000));
      view.status("waiting", fill(words.retrying, { s, n: attempt }));
    };
    stopCountdown();
    show();
    countdown = setInterval(show, 1000);
  },
});

function stopCountdown(): void {
  clearInterval(countdown);
  countdown = undefined;
}

/** A line from the server. */
function received(raw: string): void {
  const line = parseServerLine(sanitize(raw).text);
  if (line.kind !== "notice") {
    members.other();
    return view.serverLine(raw);
  }
  const heard = members.notice(line.text);
  if (heard.welcomed) welcomed();
  if (heard.refresh) refreshSoon();
  if (heard.changed) view.showMembers(members.list(), members.me);
  if (!heard.hidden) view.serverLine(raw);
}

/** In the room (again): say so, and what may have been missed; ask for our nick back, and who is here. */
function welcomed(): void {
  inRoom = true;
  connection.welcomed();
  view.status("connected", words.connected);
  if (lostAt) {
    const now = new Date();
    view.local(fill(words.back, { time: clockTime(now), from: clockTime(lostAt), to: clockTime(now) }));
    lostAt = undefined;
  }
  // A nick we chose, asked for at once: the room then hears "alice joined", not a guest.
  if (members.chosen && members.chosen !== members.me) connection.send(`/nick ${members.chosen}`);
  askWho();
}

function askWho(): void {
  if (connection.send("/who")) {
    members.askedByPage();
    lastRefresh = Date.now();
  }
}

/** The list may be out of date (a big room's summary, the link back): ask again, at most every 10 s. */
function refreshSoon(): void {
  if (refreshTimer !== undefined) return;
  const wait = Math.max(0, lastRefresh + REFRESH_MS - Date.now());
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    if (inRoom) askWho();
  }, wait);
}

view.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = view.input.value;
  const command = parseCommand(text);
  if (command.kind === "empty") return;
  const bytes = utf8Length(text);
  if (bytes > room.maxLineBytes) {
    // The server would refuse it: say so now, and leave it in the field to shorten.
    return view.local(fill(words.tooLong, { bytes, max: room.maxLineBytes }), true);
  }
  if (command.kind === "quit") {
    leaving = connection.quit(text);
    if (!leaving) return view.local(words.notConnected, true);
  } else if (!connection.send(text)) {
    return view.local(words.notConnected, true);
  }
  view.input.value = "";
  const me = members.me ?? "?";
  if (command.kind === "say") view.own("chat", me, command.text);
  else if (command.kind === "me") view.own("action", me, command.text);
  else if (command.kind === "who") members.askedByPerson();
});

view.rejoin.addEventListener("click", () => {
  leaving = false;
  view.leftRoom(false);
  connection.start();
});

// The network came back: no need to wait out the delay.
addEventListener("online", () => connection.retryNow());

view.input.focus();
connection.start();
