/**
 * The room, pure: who is in it, what they are called, and who receives which line.
 *
 * The hub never touches a socket. A transport (src/transports/) turns socket
 * events into three calls, `join`, `receive` and `leave`, and gives the hub a
 * `Peer` whose `send(line)` it may call. So one hub, and one set of tests, serve
 * TCP and UDP alike, and both transports can share one room.
 *
 * Delivery to the room goes through a `Room` (src/room.ts: publish -> deliver).
 * By default the room is local and delivers straight back to this hub; a room
 * spread over several hubs (src/link/, linked through Redis) replaces `Room`.
 *
 * Why one file, past 400 lines: every rule here acts on one `Member` record (its
 * nick and the claim on it, its flood-control bucket, the lines waiting for
 * either, whether the room has heard of it yet), and together they keep each
 * member's lines in the order it sent them. Spread over several files, that
 * order would be too. The parts read in turn: joining and leaving, a member's
 * lines and commands, nicks, what the room hears, flood control.
 */
import {
  checkNick,
  format,
  MAX_NICK_CHARS,
  nickKey,
  OutLine,
  parseCommand,
  sanitize,
  utf8Length,
  type Frame,
} from "./protocol.ts";
import { messages, wordNotice, type Lang, type Messages } from "./i18n.ts";
import { DEFAULTS } from "./config.ts";
import { localRoom, type MemberRef, type Notice, type Room, type RoomMessage } from "./room.ts";

// The seam between the hub and the room it delivers to: src/room.ts.
export { localRoom, type LinkedHub, type MemberRef, type Notice, type Room, type RoomMessage } from "./room.ts";

/** One connected client, as a transport presents it to the hub. */
export interface Peer {
  /** For logs: transport and address, e.g. "tcp 127.0.0.1:50312". */
  readonly label: string;
  /** The client's IP address, for the per-address limit. */
  readonly address: string;
  /** Queue a line for this client. Never blocks, never calls back into the hub. */
  send(line: OutLine): void;
  /** Write what is queued, then close. Never calls back into the hub synchronously. */
  close(): void;
}

/** Timers, injectable so tests can run flood control on a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface HubOptions {
  lang?: Lang;
  maxClients?: number;
  maxPerAddress?: number;
  /** Lines a member may send at once before flood control delays them; 0 = no flood control. */
  floodBurst?: number;
  /** Lines per second a member may send after the burst. */
  floodRate?: number;
  /** Delayed lines held per member; past this, lines are refused with a notice. */
  floodQueue?: number;
  maxLineBytes?: number;
  /** Past this many members, joins and leaves are summed up once per `summaryIntervalMs` instead of announced. */
  summarizeAbove?: number;
  summaryIntervalMs?: number;
  /**
   * How long a newcomer's join waits for its first line before it is announced.
   * A client that sets its nick as it connects (`/nick bob` first) is then
   * announced once, as `bob joined`; a person at `nc` who says nothing is
   * announced when this runs out.
   */
  joinHoldMs?: number;
  log?: (line: string) => void;
  clock?: Clock;
}

/** The default wait for a newcomer's first line: short enough to feel prompt, long enough for a round trip. */
export const JOIN_HOLD_MS = 500;
/** During a long flood, refused lines are summed up at most this often. */
const FLOOD_REPORT_MS = 10_000;

interface Member {
  id: string;
  peer: Peer;
  /** "" until the room has granted it its first (guest) nick: until then it is not welcomed. */
  nick: string;
  /** Flood control: a token bucket, and the lines waiting for tokens. */
  tokens: number;
  refilledAt: number;
  delayed: (Frame & { kind: "line" })[];
  timer: unknown;
  /** Lines refused in this flood episode (summed up), since when, and whether it was told they are dropped. */
  refused: number;
  refusedSince: number;
  dropping: boolean;
  /** Has the room heard of this member yet (its join announced, or counted in a summary)? */
  announced: boolean;
  holdTimer: unknown;
  /** A nick claim the room has not answered yet: the nick's key (reserved here), and the lines waiting for it. */
  claiming: string | undefined;
  held: Frame[];
}

let hubCount = 0;

/** A line quoted in a notice: cleaned, and cut to a glance. */
function quoteLine(text: string): string {
  const clean = sanitize(text).text.trim();
  const chars = [...clean];
  return `"${chars.length > 40 ? chars.slice(0, 39).join("") + "…" : clean}"`;
}

export class Hub {
  readonly t: Messages;
  /** The room's language: every notice, and the UDP newcomer's hint. */
  readonly lang: Lang;
  private readonly members = new Map<Peer, Member>();
  private readonly byNick = new Map<string, Member>();
  private readonly perAddress = new Map<string, number>();
  private readonly hubId = ++hubCount;
  private nextMember = 1;
  private nextGuest = 1;
  private room: Room;
  private readonly opts: Required<Omit<HubOptions, "lang" | "log" | "clock">>;
  private readonly log: (line: string) => void;
  private readonly clock: Clock;
  /** Joins and leaves not announced one by one, waiting for the next summary. */
  private pending = { joined: 0, left: 0 };
  private summaryTimer: unknown;

  constructor(options: HubOptions = {}) {
    // English unless told: a hub in a test must not speak the machine's locale.
    this.lang = options.lang ?? "en";
    this.t = messages(this.lang);
    const floodBurst = options.floodBurst ?? DEFAULTS.floodBurst;
    this.opts = {
      maxClients: options.maxClients ?? DEFAULTS.maxClients,
      maxPerAddress: options.maxPerAddress ?? DEFAULTS.maxPerAddress,
      floodBurst,
      floodRate: options.floodRate ?? DEFAULTS.floodRate,
      floodQueue: options.floodQueue ?? Math.max(50, floodBurst * 5),
      maxLineBytes: options.maxLineBytes ?? DEFAULTS.maxLineBytes,
      summarizeAbove: options.summarizeAbove ?? DEFAULTS.summarizeAbove,
      summaryIntervalMs: options.summaryIntervalMs ?? DEFAULTS.summaryIntervalMs,
      joinHoldMs: options.joinHoldMs ?? JOIN_HOLD_MS,
    };
    this.log = options.log ?? (() => {});
    this.clock = options.clock ?? realClock;
    this.room = localRoom(this);
  }

  /** Replace the local room, e.g. by one that links several hubs (src/link/). */
  useRoom(room: Room): void {
    this.room = room;
  }

  get size(): number {
    return this.members.size;
  }

  /** This hub's members' nicks. */
  nicks(): string[] {
    return this.roster().map((m) => m.nick);
  }

  /** This hub's members (those the room has given a nick). */
  roster(): MemberRef[] {
    const out: MemberRef[] = [];
    for (const m of this.members.values()) if (m.nick) out.push({ id: m.id, nick: m.nick });
    return out;
  }

  /**
   * A client arrives. Returns false, after telling the client why, when the room
   * is full or its address has too many members; the transport then closes it.
   * With `wantedNick` (the UDP join request may carry one) the room hears the
   * join once, under that nick; without it, the join waits for the client's
   * first line (see `joinHoldMs`).
   */
  join(peer: Peer, wantedNick?: string): boolean {
    if (this.members.has(peer)) return true;
    if (this.members.size >= this.opts.maxClients) {
      return this.refuse(peer, this.t.serverFull(this.opts.maxClients));
    }
    const fromAddress = this.perAddress.get(peer.address) ?? 0;
    if (fromAddress >= this.opts.maxPerAddress) {
      return this.refuse(peer, this.t.tooManyFromAddress(this.opts.maxPerAddress));
    }
    this.perAddress.set(peer.address, fromAddress + 1);

    const member: Member = {
      id: `${this.hubId}/${this.nextMember++}`,
      peer,
      nick: "",
      tokens: this.opts.floodBurst,
      refilledAt: this.clock.now(),
      delayed: [],
      timer: undefined,
      refused: 0,
      refusedSince: 0,
      dropping: false,
      announced: false,
      holdTimer: undefined,
      claiming: undefined,
      held: [],
    };
    this.members.set(peer, member);
    // A guest nick first: the whole room's, so the room may take a moment to grant it.
    this.takeGuestNick(member, () => {
      this.log(this.t.logJoin(peer.label, member.nick));
      peer.send(new OutLine(format.notice(this.t.welcome(member.nick))));
      if (wantedNick) {
        this.rename(member, wantedNick, () => this.announce(member));
      } else {
        member.holdTimer = this.clock.setTimeout(() => {
          member.holdTimer = undefined;
          if (this.members.has(peer)) this.announce(member);
        }, this.opts.joinHoldMs);
      }
    });
    return true;
  }

  /** A frame from a member's decoder. Lines from non-members are ignored. */
  receive(peer: Peer, frame: Frame): void {
    const member = this.members.get(peer);
    if (!member) return;
    if (frame.kind === "overflow" || frame.kind === "not-chat") {
      const overflow = frame.kind === "overflow";
      this.tell(member, format.error(overflow ? this.t.noNewline(frame.bytes) : this.t.notChat));
      this.leave(peer, overflow ? this.t.reasonNoNewline : this.t.reasonNotChat);
      peer.close();
      return;
    }
    if (frame.kind === "too-long") {
      // Refused at once, not queued: it carries no text to relay.
      this.tell(member, format.error(this.t.lineTooLong(frame.bytes, this.opts.maxLineBytes)));
      return;
    }
    if (frame.text.trim() === "") return;
    // Waiting for the room to grant a nick: its lines wait too, so they keep their order.
    if (member.claiming !== undefined) return this.hold(member, frame);
    if (this.admit(member)) this.handle(member, frame);
    else this.delay(member, frame);
  }

  /** A member goes. Safe to call twice, and for peers that never joined. */
  leave(peer: Peer, reason = ""): void {
    const member = this.members.get(peer);
    if (!member) return;
    // Lines it sent that flood control (or a nick claim) was still holding were
    // accepted: deliver them first. Whatever the room answers a claim now comes too late.
    this.unclaim(member);
    this.releaseDelayed(member, Infinity);
    for (const frame of member.held.splice(0)) {
      if (this.members.has(peer) && frame.kind === "line") this.handle(member, frame);
    }
    if (!this.members.has(peer)) return; // a delayed /quit already took it out
    const roomSize = this.roomSize();
    this.remove(member);
    if (!member.nick) return; // never welcomed: nobody, here or elsewhere, knew of it
    this.room.release(member);
    this.log(this.t.logLeave(peer.label, member.nick, reason));
    // Nobody heard it come (it left within the join hold): nobody hears it go.
    if (!member.announced) return;
    if (roomSize > this.opts.summarizeAbove) this.summarize("left");
    else this.publishNotice({ kind: "left", nick: member.nick, reason });
  }

  /** Tell everyone the server is stopping, and close every peer. */
  shutdown(): void {
    if (this.summaryTimer !== undefined) this.clock.clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    const bye = new OutLine(format.notice(this.t.shuttingDown));
    const leaving = [...this.members.values()];
    const roomSize = this.roomSize();
    for (const member of leaving) {
      this.unclaim(member);
      this.releaseDelayed(member, Infinity);
      this.remove(member);
      member.peer.send(bye);
      member.peer.close();
    }
    // Nobody is left here to hear it; members on other hubs hear who went (a count, in a big room).
    const known = leaving.filter((m) => m.nick);
    for (const member of known) this.room.release(member);
    const heard = known.filter((m) => m.announced);
    if (roomSize > this.opts.summarizeAbove) {
      const seconds = Number((this.opts.summaryIntervalMs / 1000).toFixed(1));
      if (heard.length > 0) this.publishNotice({ kind: "summary", joined: 0, left: heard.length, seconds });
    } else {
      for (const m of heard) this.publishNotice({ kind: "left", nick: m.nick, reason: this.t.shuttingDown });
    }
  }

  /** Deliver a room message to this hub's members (the local half of `Room`). */
  deliver(message: RoomMessage): void {
    if (message.to !== undefined) {
      for (const member of this.members.values()) {
        if (member.id === message.to && member.nick) member.peer.send(new OutLine(message.text));
      }
      return;
    }
    const line = new OutLine(message.notice ? format.notice(wordNotice(message.notice, this.t)) : message.text);
    for (const member of this.members.values()) {
      if (member.id !== message.except && member.nick) member.peer.send(line);
    }
  }

  /**
   * The room could not keep this member's nick: a member of another hub holds
   * it (both were granted it while the link between them was down). It becomes
   * a guest again, and is told why.
   */
  nickLost(id: string): void {
    const member = [...this.members.values()].find((m) => m.id === id);
    if (!member || !member.nick || member.claiming !== undefined) return;
    const old = member.nick;
    this.tell(member, format.error(this.t.nickLost(old)));
    this.takeGuestNick(member, () => {
      this.log(this.t.logRename(member.peer.label, old, member.nick));
      if (member.announced) this.publishNotice({ kind: "renamed", from: old, to: member.nick });
    });
  }

  // -------------------------------------------------------------------------

  private handle(member: Member, frame: Frame & { kind: "line" }): void {
    const { text, changed } = sanitize(frame.text);
    if (frame.invalidUtf8) this.tell(member, format.error(this.t.invalidUtf8));
    else if (changed) this.tell(member, format.error(this.t.controlReplaced));

    const command = parseCommand(text);
    if (!member.announced && command.kind !== "quit") {
      // Its first line: a nick set as it connects is part of its arrival (even if the room takes a moment to grant it).
      if (command.kind === "nick") {
        if (member.holdTimer !== undefined) this.clock.clearTimeout(member.holdTimer);
        member.holdTimer = undefined;
        return this.rename(member, command.name, () => this.announce(member));
      }
      this.announce(member);
    }
    switch (command.kind) {
      case "empty":
        return;
      case "say":
        return this.room.publish({ text: format.chat(member.nick, command.text), except: member.id });
      case "me":
        return this.room.publish({ text: format.action(member.nick, command.text), except: member.id });
      case "nick":
        return this.rename(member, command.name);
      case "who":
        return this.who(member);
      case "msg": {
        const line = format.privateReceived(member.nick, command.text);
        const target = this.byNick.get(nickKey(command.to));
        if (target && nickKey(target.nick) === nickKey(command.to)) {
          this.tell(target, line);
          return this.tell(member, format.privateSent(target.nick, command.text));
        }
        const elsewhere = this.room.whisper(command.to, line);
        if (elsewhere === undefined) return this.tell(member, format.error(this.t.noSuchNick(command.to)));
        return this.tell(member, format.privateSent(elsewhere, command.text));
      }
      case "help":
        for (const line of this.t.help) this.tell(member, format.notice(line));
        return;
      case "quit":
        // Said to the quitter first: at `nc` the connection's end is otherwise silent.
        this.tell(member, format.notice(this.t.goodbye(member.nick)));
        this.leave(member.peer, command.reason || this.t.reasonQuit);
        member.peer.close();
        return;
      case "ping":
        return this.tell(member, format.notice(this.t.pong(command.token)));
      case "join":
        return this.tell(member, format.error(this.t.alreadyJoined));
      case "usage":
        return this.tell(member, format.error(this.t.usage(command.usage)));
      case "unknown":
        return this.tell(member, format.error(this.t.unknownCommand(command.name)));
    }
  }

  /** `/nick`: checked here, then claimed from the room. `after` runs once it is settled, whatever the answer. */
  private rename(member: Member, requested: string, after?: () => void): void {
    const checked = checkNick(requested);
    if (!checked.ok) {
      const why = {
        empty: this.t.nickEmpty,
        "too-long": this.t.nickTooLong(MAX_NICK_CHARS),
        "bad-chars": this.t.nickBadChars,
        "mixed-scripts": this.t.nickMixedScripts,
      }[checked.problem];
      this.tell(member, format.error(this.t.nickRefused(why, sanitize(requested).text)));
      return after?.();
    }
    const key = nickKey(checked.nick);
    const holder = this.byNick.get(key);
    if (holder && holder !== member) {
      this.tell(member, format.error(this.t.nickTaken(checked.nick)));
      return after?.();
    }
    if (checked.nick === member.nick) return after?.();
    const old = member.nick;
    this.claimNick(member, checked.nick, (ok) => {
      if (!ok) this.tell(member, format.error(this.t.nickTaken(checked.nick)));
      else {
        this.log(this.t.logRename(member.peer.label, old, checked.nick));
        const notice: Notice = { kind: "renamed", from: old, to: checked.nick };
        // Before its arrival is announced, only the member hears of it: the room will hear `NEW joined`.
        if (member.announced) this.publishNotice(notice);
        else this.tell(member, format.notice(wordNotice(notice, this.t)));
      }
      after?.();
    });
  }

  /** The room hears of a newcomer: one join line, or (in a big room) a count for the next summary. */
  private announce(member: Member): void {
    if (member.announced || !this.members.has(member.peer)) return;
    member.announced = true;
    if (member.holdTimer !== undefined) this.clock.clearTimeout(member.holdTimer);
    member.holdTimer = undefined;
    if (this.roomSize() > this.opts.summarizeAbove) this.summarize("joined");
    else this.publishNotice({ kind: "joined", nick: member.nick }, member.id);
  }

  /** Members in the whole room: here, and on the hubs it is linked to. */
  private roomSize(): number {
    return this.members.size + this.room.elsewhereCount();
  }

  /** News about the room, for everyone in it (but `except`): worded here, and by each other hub in its own language. */
  private publishNotice(notice: Notice, except?: string): void {
    this.room.publish({ text: format.notice(wordNotice(notice, this.t)), except, notice });
  }

  /**
   * Asks the room for `nick` (free on this hub: the caller checked). It is
   * reserved here at once, so nobody on this hub takes it meanwhile, and the
   * member's lines wait for the answer. `done` is not called if the member left.
   */
  private claimNick(member: Member, nick: string, done: (ok: boolean) => void): void {
    const key = nickKey(nick);
    this.byNick.set(key, member);
    member.claiming = key;
    this.room.claim({ id: member.id, nick: member.nick }, nick, (ok) => {
      if (!this.members.has(member.peer)) {
        if (ok) this.room.release({ id: member.id, nick }); // it left meanwhile
        return;
      }
      member.claiming = undefined;
      const old = member.nick;
      if (ok) {
        if (old && nickKey(old) !== key) this.byNick.delete(nickKey(old));
        member.nick = nick;
      } else if (this.byNick.get(key) === member && nickKey(old) !== key) {
        this.byNick.delete(key);
      }
      done(ok);
      this.releaseHeld(member);
    });
  }

  /**
   * Gives the member the next guest nick the room grants, then calls `then`.
   *
   * A room answers a claim in one of two ways. At once, from inside `claim` (the
   * local room always; a linked room when it knows another hub holds the nick):
   * then a refusal means the next guest nick is tried here, in this loop, not by
   * recursion, since a room may turn many away in a row. Or later (a linked room
   * asking Redis): then this returns, and the answer's callback carries on.
   */
  private takeGuestNick(member: Member, then: () => void): void {
    for (;;) {
      let answeredAtOnce: boolean | undefined;
      let returned = false;
      this.claimNick(member, this.guestNick(), (ok) => {
        if (!returned) answeredAtOnce = ok;
        else if (ok) then();
        else this.takeGuestNick(member, then);
      });
      returned = true;
      if (answeredAtOnce === undefined) return; // answered later, by the callback
      if (answeredAtOnce) return then();
    }
  }

  /** Stops waiting for the room's answer to a claim (the member is leaving); the nick reserved for it is free here. */
  private unclaim(member: Member): void {
    if (member.claiming === undefined) return;
    const reserved = member.claiming;
    if (this.byNick.get(reserved) === member && nickKey(member.nick) !== reserved) this.byNick.delete(reserved);
    member.claiming = undefined;
  }

  /** A line that arrived while the member's nick claim was pending (as many as flood control would hold). */
  private hold(member: Member, frame: Frame & { kind: "line" }): void {
    if (member.held.length >= this.opts.floodQueue) {
      if (member.refused++ === 0) member.refusedSince = this.clock.now();
      return;
    }
    member.held.push(frame);
  }

  /** The claim is answered: the lines that waited for it go on, in order. */
  private releaseHeld(member: Member): void {
    const held = member.held;
    member.held = [];
    for (const frame of held) this.receive(member.peer, frame);
    const settled = member.delayed.length === 0 && member.claiming === undefined && this.members.has(member.peer);
    if (member.refused > 0 && settled) {
      this.tell(member, format.error(this.t.floodRefused(member.refused)));
      member.refused = 0;
    }
    this.schedule(member);
  }

  /**
   * In a big room every join announced to every member makes N²/2 notices for N
   * joins. Past `summarizeAbove` members, joins and leaves are counted instead,
   * and the room hears one notice per interval naming how many came and went.
   * (With several hubs in one room, each sums up its own.)
   */
  private summarize(what: "joined" | "left"): void {
    this.pending[what]++;
    if (this.summaryTimer !== undefined) return;
    this.summaryTimer = this.clock.setTimeout(() => {
      this.summaryTimer = undefined;
      const { joined, left } = this.pending;
      this.pending = { joined: 0, left: 0 };
      if (joined + left === 0) return;
      const seconds = Number((this.opts.summaryIntervalMs / 1000).toFixed(1));
      this.publishNotice({ kind: "summary", joined, left, seconds });
    }, this.opts.summaryIntervalMs);
  }

  /** `/who`, in as many lines as it takes: each within the line limit, so each fits in one datagram. */
  private who(member: Member): void {
    const nicks = [...this.nicks(), ...this.room.elsewhere()];
    const max = this.opts.maxLineBytes;
    let first = true;
    let batch: string[] = [];
    const line = (names: string[]) => format.notice(first ? this.t.who(nicks.length, names) : this.t.whoMore(names));
    for (const nick of nicks) {
      if (batch.length > 0 && utf8Length(line([...batch, nick])) > max) {
        this.tell(member, line(batch));
        first = false;
        batch = [];
      }
      batch.push(nick);
    }
    this.tell(member, line(batch));
  }

  private tell(member: Member, text: string): void {
    member.peer.send(new OutLine(text));
  }

  private refuse(peer: Peer, why: string): false {
    peer.send(new OutLine(format.error(why)));
    return false;
  }

  private remove(member: Member): void {
    if (member.timer !== undefined) this.clock.clearTimeout(member.timer);
    member.timer = undefined;
    if (member.holdTimer !== undefined) this.clock.clearTimeout(member.holdTimer);
    member.holdTimer = undefined;
    this.members.delete(member.peer);
    for (const nick of [member.nick, member.claiming]) {
      if (!nick) continue;
      const key = nickKey(nick);
      if (this.byNick.get(key) === member) this.byNick.delete(key);
    }
    const n = (this.perAddress.get(member.peer.address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(member.peer.address, n);
    else this.perAddress.delete(member.peer.address);
  }

  private guestNick(): string {
    let nick: string;
    do nick = `guest${this.nextGuest++}`;
    while (this.byNick.has(nick));
    return nick;
  }

  // Flood control: a token bucket per member (IRC servers do the same). A line
  // over the rate is not dropped: it waits its turn, and the sender is told once.
  // Past the waiting room's size lines are refused, and those are summed up in one
  // notice when the episode ends (or every 10 s while it lasts): a notice per
  // refused line would be a flood of its own, back at the sender.

  private refill(member: Member): void {
    const now = this.clock.now();
    const earned = ((now - member.refilledAt) / 1000) * this.opts.floodRate;
    member.tokens = Math.min(this.opts.floodBurst, member.tokens + earned);
    member.refilledAt = now;
  }

  /** May this member's line be handled now? */
  private admit(member: Member): boolean {
    if (this.opts.floodBurst <= 0) return true;
    if (member.delayed.length > 0) return false; // keep the order of its lines
    this.refill(member);
    if (member.tokens < 1) return false;
    member.tokens -= 1;
    return true;
  }

  private delay(member: Member, frame: Frame & { kind: "line" }): void {
    const waiting = member.delayed.length;
    if (waiting >= this.opts.floodQueue) {
      if (member.refused++ === 0) member.refusedSince = this.clock.now();
      if (!member.dropping) {
        // Once per episode, at the first refused line: from here on lines are dropped, until the queue is out.
        member.dropping = true;
        const last = member.delayed[waiting - 1]!;
        const seconds = Math.ceil((waiting - member.tokens) / this.opts.floodRate);
        this.tell(member, format.error(this.t.floodDropping(waiting, seconds, quoteLine(last.text))));
      }
      return;
    }
    if (waiting === 0) this.tell(member, format.notice(this.t.floodSlowDown(this.opts.floodRate)));
    member.delayed.push(frame);
    this.schedule(member);
  }

  private schedule(member: Member): void {
    if (member.timer !== undefined || member.delayed.length === 0) return;
    const wait = Math.max(1, ((1 - member.tokens) / this.opts.floodRate) * 1000);
    member.timer = this.clock.setTimeout(() => {
      member.timer = undefined;
      if (!this.members.has(member.peer)) return;
      this.refill(member);
      this.releaseDelayed(member, Math.floor(member.tokens));
      if (!this.members.has(member.peer)) return;
      const over = member.delayed.length === 0;
      if (member.refused > 0 && (over || this.clock.now() - member.refusedSince >= FLOOD_REPORT_MS)) {
        this.tell(member, format.error(this.t.floodRefused(member.refused)));
        member.refused = 0;
      }
      if (over) member.dropping = false;
      this.schedule(member);
    }, wait);
  }

  /** Handle up to `count` delayed lines, oldest first. */
  private releaseDelayed(member: Member, count: number): void {
    let released = 0;
    // A line after a /nick waits until the room has answered it (its sender's name may change).
    const more = () => member.delayed.length > 0 && this.members.has(member.peer) && member.claiming === undefined;
    while (released < count && more()) {
      const frame = member.delayed.shift()!;
      if (count !== Infinity) member.tokens -= 1;
      released++;
      if (frame.kind === "line") this.handle(member, frame);
    }
  }
}
