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
 * This file keeps the membership (joining, leaving, the join hold) and hands
 * each line to the part whose job it is (src/hub/): the member's flood gate,
 * the nick claims, the command handlers, the big-room summariser. Notices are
 * worded by the catalogue (src/i18n.ts). A member's lines keep their order: a
 * line waits for its flood gate, and for the room's answer to a nick claim.
 */
import { format, nickKey, OutLine, parseCommand, sanitize, type Frame, type LineFrame } from "./protocol.ts";
import { MESSAGES, wordNotice, type Lang, type Messages } from "./i18n.ts";
import { localRoom, type MemberRef, type Notice, type Room, type RoomMessage } from "./room.ts";
import type { Clock } from "./hub/clock.ts";
import { runCommand, type CommandRoom } from "./hub/commands.ts";
import { FloodGate } from "./hub/flood-gate.ts";
import type { Member, Peer } from "./hub/member.ts";
import { NickClaims } from "./hub/nick-claims.ts";
import { hubSettings, type HubOptions, type HubSettings } from "./hub/options.ts";
import { Summariser } from "./hub/summary.ts";

let hubCount = 0;

/**
 * A member whose outgoing queue stays over half full longer than this is not
 * waited for by the link (`backlogged`): it is not keeping up, and the room must
 * not wait for it. One that keeps up drains half its queue in milliseconds.
 */
const BACKLOG_GRACE_MS = 1000;

export class Hub {
  /** The room's language: every notice, and the UDP newcomer's hint. */
  readonly lang: Lang;
  /** Everything the room says, in its language (src/i18n.ts). */
  readonly messages: Messages;
  private readonly members = new Map<Peer, Member>();
  private readonly byId = new Map<string, Member>();
  /** Members found with their queue over half full, and since when (`backlogged`). */
  private readonly crowded = new Map<Member, number>();
  private readonly perAddress = new Map<string, number>();
  private readonly hubId = ++hubCount;
  private nextMember = 1;
  private room: Room;
  private readonly settings: HubSettings;
  private readonly log: (line: string) => void;
  private readonly clock: Clock;
  private readonly claims: NickClaims;
  private readonly summary: Summariser;
  /** The room as the command handlers see it. */
  private readonly commandRoom: CommandRoom;

  constructor(options: HubOptions = {}) {
    this.settings = hubSettings(options);
    this.lang = this.settings.lang;
    this.messages = MESSAGES[this.lang];
    this.log = this.settings.log;
    this.clock = this.settings.clock;
    this.room = localRoom(this);
    this.claims = new NickClaims({
      messages: this.messages,
      room: () => this.room,
      present: (member) => this.members.has(member.peer),
      settled: (member) => this.nickSettled(member),
      tell: (member, text) => this.tell(member, text),
      renamed: (member, from) => this.renamed(member, from),
    });
    this.summary = new Summariser(this.settings.summarizeAbove, this.settings.summaryIntervalMs, this.clock, (notice) =>
      this.publishNotice(notice),
    );
    this.commandRoom = {
      messages: this.messages,
      maxLineBytes: this.settings.maxLineBytes,
      tell: (member, text) => this.tell(member, text),
      publish: (message) => this.room.publish(message),
      rename: (member, nick) => this.claims.rename(member, nick),
      leave: (member, reason) => this.leave(member.peer, reason),
      holder: (nick) => this.claims.holder(nick),
      whisper: (to, text) => this.room.whisper(to, text),
      everyone: () => [...this.nicks(), ...this.room.elsewhere()],
    };
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

  /** Is member `id` still here? */
  present(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Is a member's outgoing queue over half full? The link then waits before it
   * reads more from the other hubs (src/link/reader.ts), so that a catch-up
   * after an outage never gets a member dropped as too slow. A member over half
   * full for longer than BACKLOG_GRACE_MS is not waited for. One pass over the
   * members: the link asks every few KB of lines it delivers.
   */
  backlogged(): boolean {
    const now = this.clock.now();
    let wait = false;
    for (const member of this.members.values()) {
      if ((member.peer.backlog?.() ?? 0) <= 0.5) {
        if (this.crowded.size > 0) this.crowded.delete(member);
        continue;
      }
      let since = this.crowded.get(member);
      if (since === undefined) this.crowded.set(member, (since = now));
      if (now - since < BACKLOG_GRACE_MS) wait = true;
    }
    return wait;
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
    const t = this.messages;
    if (this.members.size >= this.settings.maxClients) return this.refuse(peer, t.serverFull(this.settings.maxClients));
    const fromAddress = this.perAddress.get(peer.address) ?? 0;
    if (fromAddress >= this.settings.maxPerAddress) {
      return this.refuse(peer, t.tooManyFromAddress(this.settings.maxPerAddress));
    }
    this.perAddress.set(peer.address, fromAddress + 1);

    const member: Member = {
      id: `${this.hubId}/${this.nextMember++}`,
      peer,
      nick: "",
      announced: false,
      joinTimer: undefined,
      claiming: undefined,
      awaitingNick: [],
      lostNick: undefined,
      flood: new FloodGate(this.settings.flood, this.clock, t, {
        pass: (frame) => this.handle(member, frame),
        tell: (text) => this.tell(member, text),
        present: () => this.members.has(peer),
        claiming: () => member.claiming !== undefined,
      }),
    };
    this.members.set(peer, member);
    this.byId.set(member.id, member);
    // A guest nick first: the whole room's, so the room may take a moment to grant it.
    this.claims.takeGuest(member, () => {
      this.log(t.logJoin(peer.label, member.nick));
      peer.send(new OutLine(format.notice(t.welcome(member.nick))));
      if (wantedNick) {
        this.claims.rename(member, wantedNick, () => this.announce(member));
      } else {
        member.joinTimer = this.clock.setTimeout(() => {
          member.joinTimer = undefined;
          if (this.members.has(peer)) this.announce(member);
        }, this.settings.joinHoldMs);
      }
    });
    return true;
  }

  /** A frame from a member's decoder. Lines from non-members are ignored. */
  receive(peer: Peer, frame: Frame): void {
    const member = this.members.get(peer);
    if (!member) return;
    const t = this.messages;
    if (frame.kind === "overflow" || frame.kind === "not-chat") {
      const overflow = frame.kind === "overflow";
      this.tell(member, format.error(overflow ? t.noNewline(frame.bytes) : t.notChat));
      this.leave(peer, overflow ? t.reasonNoNewline : t.reasonNotChat);
      peer.close();
      return;
    }
    if (frame.kind === "too-long") {
      // Refused at once, not queued: it carries no text to relay.
      this.tell(member, format.error(t.lineTooLong(frame.bytes, this.settings.maxLineBytes)));
      return;
    }
    if (frame.text.trim() === "") return;
    // Waiting for the room to grant a nick: its lines wait too, so they keep their order.
    if (member.claiming !== undefined) return this.awaitNick(member, frame);
    member.flood.offer(frame);
  }

  /** A member goes. Safe to call twice, and for peers that never joined. */
  leave(peer: Peer, reason = ""): void {
    const member = this.members.get(peer);
    if (!member) return;
    // Whatever the room answers a pending nick claim now comes too late.
    this.claims.unclaim(member);
    const dropped = this.dropWaiting(member);
    if (!this.members.has(peer)) return; // a /quit among its last lines already took it out
    if (dropped > 0) this.log(this.messages.logDroppedOnLeave(peer.label, member.nick, dropped));
    const roomSize = this.roomSize();
    this.remove(member);
    // Never welcomed (its guest nick was not granted yet): nobody, here or elsewhere, knew of it.
    if (!member.nick) return;
    this.room.release(member);
    this.log(this.messages.logLeave(peer.label, member.nick, reason));
    // Nobody heard it come (it left within the join hold): nobody hears it go.
    if (!member.announced) return;
    if (this.summary.covers(roomSize)) this.summary.count("left");
    else this.publishNotice({ kind: "left", nick: member.nick, reason });
  }

  /** Tell everyone the server is stopping, and close every peer. */
  shutdown(): void {
    this.summary.stop();
    const bye = new OutLine(format.notice(this.messages.shuttingDown));
    const leaving = [...this.members.values()];
    const roomSize = this.roomSize();
    for (const member of leaving) {
      this.claims.unclaim(member);
      const dropped = member.flood.drop() + member.awaitingNick.splice(0).length;
      if (dropped > 0) this.log(this.messages.logDroppedOnLeave(member.peer.label, member.nick, dropped));
      this.remove(member);
      member.peer.send(bye);
      member.peer.close();
    }
    // Nobody is left here to hear it; members on other hubs hear who went (a count, in a big room).
    const known = leaving.filter((m) => m.nick);
    for (const member of known) this.room.release(member);
    const heard = known.filter((m) => m.announced);
    if (this.summary.covers(roomSize)) {
      const seconds = this.summary.seconds;
      if (heard.length > 0) this.publishNotice({ kind: "summary", joined: 0, left: heard.length, seconds });
    } else {
      for (const m of heard) this.publishNotice({ kind: "left", nick: m.nick, reason: this.messages.shuttingDown });
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
    const line = new OutLine(message.notice ? format.notice(wordNotice(message.notice, this.messages)) : message.text);
    for (const member of this.members.values()) {
      if (member.id !== message.except && member.nick) member.peer.send(line);
    }
  }

  /**
   * The room could not keep this member's nick: a member of another hub holds
   * it (both were granted it while the link between them was down). It becomes
   * a guest again, and is told why. If the member has since left that nick,
   * nothing is lost; if a claim of its is pending, this waits for its answer
   * (the member keeps `nick` only if that claim is refused).
   */
  nickLost(id: string, nick: string): void {
    const member = this.byId.get(id);
    if (!member || !member.nick || nickKey(member.nick) !== nickKey(nick)) return;
    if (member.claiming !== undefined) {
      member.lostNick = nick;
      return;
    }
    const old = member.nick;
    this.tell(member, format.error(this.messages.nickLost(old)));
    this.claims.takeGuest(member, () => {
      this.log(this.messages.logRename(member.peer.label, old, member.nick));
      if (member.announced) this.publishNotice({ kind: "renamed", from: old, to: member.nick });
    });
  }

  // -------------------------------------------------------------------------

  /**
   * The member is leaving: its lines still waiting (for flood control, or for
   * the answer to a nick claim) are not all let through at once. Flood control
   * holds to the end: those its tokens allow now go, oldest first, the rest are
   * dropped. A member without a nick yet (the room had not granted its guest
   * nick: a client gone at once, such as `printf 'hi\n' | nc -q0`) was never
   * welcomed and never in the room: its lines go nowhere. Returns how many were
   * dropped.
   */
  private dropWaiting(member: Member): number {
    let dropped = 0;
    for (const frame of member.awaitingNick.splice(0)) {
      if (!this.members.has(member.peer)) return dropped; // it was a /quit
      // Once one is dropped, so are the lines after it (a line after a /nick waits for its answer).
      const passed =
        dropped === 0 && member.nick !== "" && member.claiming === undefined && member.flood.passNow(frame);
      if (!passed) dropped++;
    }
    return dropped + member.flood.drop();
  }

  /** A line the member's flood gate let through: cleaned, parsed, and done. */
  private handle(member: Member, frame: LineFrame): void {
    const t = this.messages;
    const { text, changed } = sanitize(frame.text);
    if (frame.invalidUtf8) this.tell(member, format.error(t.invalidUtf8));
    else if (changed) this.tell(member, format.error(t.controlReplaced));

    const command = parseCommand(text);
    if (!member.announced && command.kind !== "quit") {
      // Its first line: a nick set as it connects is part of its arrival (even if the room takes a moment to grant it).
      if (command.kind === "nick") {
        if (member.joinTimer !== undefined) this.clock.clearTimeout(member.joinTimer);
        member.joinTimer = undefined;
        return this.claims.rename(member, command.name, () => this.announce(member));
      }
      this.announce(member);
    }
    runCommand(this.commandRoom, member, command);
  }

  /** The member's new nick is granted. Before its arrival is announced, only it hears: the room will hear `NEW joined`. */
  private renamed(member: Member, from: string): void {
    this.log(this.messages.logRename(member.peer.label, from, member.nick));
    const notice: Notice = { kind: "renamed", from, to: member.nick };
    if (member.announced) this.publishNotice(notice);
    else this.tell(member, format.notice(wordNotice(notice, this.messages)));
  }

  /** A line that came while the member's nick claim was pending (as many as flood control would hold). */
  private awaitNick(member: Member, frame: LineFrame): void {
    if (member.awaitingNick.length >= this.settings.flood.queue) return member.flood.refuse();
    member.awaitingNick.push(frame);
  }

  /** The claim is answered: the lines that waited for it go on, in order. */
  private nickSettled(member: Member): void {
    // A nick lost while the claim was pending, that the member still holds, goes first.
    const lost = member.lostNick;
    member.lostNick = undefined;
    if (lost !== undefined) this.nickLost(member.id, lost);
    const waiting = member.awaitingNick;
    member.awaitingNick = [];
    for (const frame of waiting) this.receive(member.peer, frame);
    member.flood.resume();
  }

  /** The room hears of a newcomer: one join line, or (in a big room) a count for the next summary. */
  private announce(member: Member): void {
    if (member.announced || !this.members.has(member.peer)) return;
    member.announced = true;
    if (member.joinTimer !== undefined) this.clock.clearTimeout(member.joinTimer);
    member.joinTimer = undefined;
    if (this.summary.covers(this.roomSize())) this.summary.count("joined");
    else this.publishNotice({ kind: "joined", nick: member.nick }, member.id);
  }

  /** Members in the whole room: here, and on the hubs it is linked to. */
  private roomSize(): number {
    return this.members.size + this.room.elsewhereCount();
  }

  /** News about the room, for everyone in it (but `except`): worded in this hub's language, and by each other hub in its own. */
  private publishNotice(notice: Notice, except?: string): void {
    this.room.publish({ text: format.notice(wordNotice(notice, this.messages)), except, notice });
  }

  private tell(member: Member, text: string): void {
    member.peer.send(new OutLine(text));
  }

  private refuse(peer: Peer, why: string): false {
    peer.send(new OutLine(format.error(why)));
    return false;
  }

  private remove(member: Member): void {
    member.flood.stop();
    if (member.joinTimer !== undefined) this.clock.clearTimeout(member.joinTimer);
    member.joinTimer = undefined;
    this.members.delete(member.peer);
    this.byId.delete(member.id);
    this.crowded.delete(member);
    this.claims.forget(member);
    const n = (this.perAddress.get(member.peer.address) ?? 1) - 1;
    if (n > 0) this.perAddress.set(member.peer.address, n);
    else this.perAddress.delete(member.peer.address);
  }
}
