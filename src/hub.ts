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
 */
import { checkNick, format, nickKey, OutLine, parseCommand, sanitize, USAGE, type Frame, MAX_NICK_CHARS } from "./protocol.ts";
import { localReason, messages, type Lang, type Messages } from "./i18n.ts";
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

export const realClock: Clock = {
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
  log?: (line: string) => void;
  clock?: Clock;
}

interface Member {
  id: string;
  peer: Peer;
  /** "" until the room has granted it its first (guest) nick: until then it is not welcomed. */
  nick: string;
  /** Flood control: a token bucket, and the lines waiting for tokens. */
  tokens: number;
  refilledAt: number;
  delayed: Frame[];
  timer: unknown;
  /** A nick claim the room has not answered yet: the nick's key (reserved here), and the lines waiting for the answer. */
  claiming: string | undefined;
  held: Frame[];
}

let hubCount = 0;

export class Hub {
  readonly t: Messages;
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

  constructor(options: HubOptions = {}) {
    // English unless told: a hub in a test must not speak the machine's locale.
    this.t = messages(options.lang ?? "en");
    const floodBurst = options.floodBurst ?? DEFAULTS.floodBurst;
    this.opts = {
      maxClients: options.maxClients ?? DEFAULTS.maxClients,
      maxPerAddress: options.maxPerAddress ?? DEFAULTS.maxPerAddress,
      floodBurst,
      floodRate: options.floodRate ?? DEFAULTS.floodRate,
      floodQueue: options.floodQueue ?? Math.max(50, floodBurst * 5),
      maxLineBytes: options.maxLineBytes ?? DEFAULTS.maxLineBytes,
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
      claiming: undefined,
      held: [],
    };
    this.members.set(peer, member);
    // A guest nick first: the whole room's, so the room may take a moment to grant it.
    this.takeGuestNick(member, () => {
      this.log(this.t.logJoin(peer.label, member.nick));
      peer.send(new OutLine(format.notice(this.t.welcome(member.nick))));
      const notice: Notice = { kind: "joined", nick: member.nick };
      this.room.publish({ text: format.notice(this.word(notice)), except: member.id, notice });
      if (wantedNick) this.rename(member, wantedNick);
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
    for (const frame of member.held.splice(0)) if (this.members.has(peer) && frame.kind === "line") this.handle(member, frame);
    if (!this.members.has(peer)) return; // a delayed /quit already took it out
    this.remove(member);
    if (!member.nick) return; // never welcomed: the room never heard of it
    this.room.release(member);
    this.log(this.t.logLeave(peer.label, member.nick, reason));
    const notice: Notice = { kind: "left", nick: member.nick, reason };
    this.room.publish({ text: format.notice(this.word(notice)), notice });
  }

  /** Tell everyone the server is stopping, and close every peer. */
  shutdown(): void {
    const bye = new OutLine(format.notice(this.t.shuttingDown));
    const leaving = [...this.members.values()];
    for (const member of leaving) {
      this.unclaim(member);
      this.releaseDelayed(member, Infinity);
      this.remove(member);
      member.peer.send(bye);
      member.peer.close();
    }
    // Nobody is left here to hear it; members on other hubs hear who went.
    for (const member of leaving) {
      if (!member.nick) continue;
      this.room.release(member);
      const notice: Notice = { kind: "left", nick: member.nick, reason: this.t.shuttingDown };
      this.room.publish({ text: format.notice(this.word(notice)), notice });
    }
  }

  /** Deliver a room message to this hub's members (the local half of `Room`). */
  deliver(message: RoomMessage): void {
    if (message.to !== undefined) {
      for (const member of this.members.values()) if (member.id === message.to && member.nick) member.peer.send(new OutLine(message.text));
      return;
    }
    const line = new OutLine(message.notice ? format.notice(this.word(message.notice)) : message.text);
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
      const notice: Notice = { kind: "renamed", from: old, to: member.nick };
      this.room.publish({ text: format.notice(this.word(notice)), notice });
    });
  }

  // -------------------------------------------------------------------------

  private handle(member: Member, frame: Frame & { kind: "line" }): void {
    const { text, changed } = sanitize(frame.text);
    if (frame.invalidUtf8) this.tell(member, format.error(this.t.invalidUtf8));
    else if (changed) this.tell(member, format.error(this.t.controlReplaced));

    const command = parseCommand(text);
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
        return this.tell(member, format.notice(this.t.who([...this.nicks(), ...this.room.elsewhere()])));
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

  private rename(member: Member, requested: string): void {
    const checked = checkNick(requested);
    if (!checked.ok) {
      const why =
        checked.problem === "empty"
          ? this.t.nickEmpty
          : checked.problem === "too-long"
            ? this.t.nickTooLong(MAX_NICK_CHARS)
            : this.t.nickBadChars;
      return this.tell(member, format.error(`${why}: ${sanitize(requested).text}`));
    }
    const key = nickKey(checked.nick);
    const holder = this.byNick.get(key);
    if (holder && holder !== member) return this.tell(member, format.error(this.t.nickTaken(checked.nick)));
    if (checked.nick === member.nick) return;
    const old = member.nick;
    this.claimNick(member, checked.nick, (ok) => {
      if (!ok) return this.tell(member, format.error(this.t.nickTaken(checked.nick)));
      this.log(this.t.logRename(member.peer.label, old, checked.nick));
      const notice: Notice = { kind: "renamed", from: old, to: checked.nick };
      this.room.publish({ text: format.notice(this.word(notice)), notice });
    });
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

  /** Gives the member the next guest nick the room grants, then calls `then`. */
  private takeGuestNick(member: Member, then: () => void): void {
    // A loop, not recursion: a room may turn many guest nicks away at once (other hubs hold them).
    let answer: boolean | undefined;
    do {
      answer = undefined;
      let waiting = false;
      this.claimNick(member, this.guestNick(), (ok) => {
        if (!waiting) answer = ok;
        else if (ok) then();
        else this.takeGuestNick(member, then);
      });
      waiting = true;
    } while (answer === false);
    if (answer) then();
  }

  /** Stops waiting for the room's answer to a claim (the member is leaving); the nick reserved for it is free here. */
  private unclaim(member: Member): void {
    if (member.claiming === undefined) return;
    if (this.byNick.get(member.claiming) === member && nickKey(member.nick) !== member.claiming) this.byNick.delete(member.claiming);
    member.claiming = undefined;
  }

  /** A line that arrived while the member's nick claim was pending. */
  private hold(member: Member, frame: Frame & { kind: "line" }): void {
    if (member.held.length >= this.opts.floodQueue) return this.tell(member, format.error(this.t.floodRefused));
    member.held.push(frame);
  }

  /** The claim is answered: the lines that waited for it go on, in order. */
  private releaseHeld(member: Member): void {
    const held = member.held;
    member.held = [];
    for (const frame of held) this.receive(member.peer, frame);
    this.schedule(member);
  }

  /** A notice about the room, in this hub's language. */
  private word(notice: Notice): string {
    const t = this.t;
    switch (notice.kind) {
      case "joined":
        return t.joined(notice.nick);
      case "left":
        return t.left(notice.nick, localReason(notice.reason, t));
      case "renamed":
        return t.renamed(notice.from, notice.to);
      case "hub-lost":
        return t.left(notice.nick, t.reasonHubLost);
      case "link-down":
        return t.linkDown;
      case "link-back":
        return t.linkBack;
      case "link-dropped":
        return t.linkDropped(notice.lines);
      case "link-missing":
        return t.linkMissing(notice.batches);
    }
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
    this.members.delete(member.peer);
    for (const nick of [member.nick, member.claiming]) {
      if (nick === undefined) continue;
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
    if (member.delayed.length >= this.opts.floodQueue) {
      return this.tell(member, format.error(this.t.floodRefused));
    }
    if (member.delayed.length === 0) {
      this.tell(member, format.notice(this.t.floodSlowDown(Math.ceil(1 / this.opts.floodRate))));
    }
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
      this.schedule(member);
    }, wait);
  }

  /** Handle up to `count` delayed lines, oldest first. */
  private releaseDelayed(member: Member, count: number): void {
    let released = 0;
    // A line after a /nick waits until the room has answered it (its sender's name may change).
    while (released < count && member.delayed.length > 0 && this.members.has(member.peer) && member.claiming === undefined) {
      const frame = member.delayed.shift()!;
      if (count !== Infinity) member.tokens -= 1;
      released++;
      if (frame.kind === "line") this.handle(member, frame);
    }
  }
}
