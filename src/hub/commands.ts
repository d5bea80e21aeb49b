/**
 * What each command does, one small function each: `say`, `/me`, `/nick`,
 * `/who`, `/msg`, `/help`, `/quit`, `/ping` ... (src/protocol.ts parses them).
 * Each is given the room as its commands see it, and the member who typed it.
 * A new command is a line in src/protocol.ts's parser and one entry here.
 */
import { alreadyJoinedLine, format, nickKey, utf8Length, type Command } from "../protocol.ts";
import type { Messages } from "../i18n.ts";
import type { RoomMessage } from "../room.ts";
import type { Member } from "./member.ts";

/** The room, as its commands see it (src/hub.ts makes it). */
export interface CommandRoom {
  /** The room's messages, in its language. */
  readonly messages: Messages;
  /** The longest line the room sends, in bytes: /who is cut to fit it. */
  readonly maxLineBytes: number;
  /** A line for one member of this hub. */
  tell(member: Member, text: string): void;
  /** A line for everyone in the room but `except`, here and on the hubs it is linked to. */
  publish(message: RoomMessage): void;
  /** `/nick`: checked, then claimed from the room. */
  rename(member: Member, nick: string): void;
  /** The member leaves the room, for `reason`. */
  leave(member: Member, reason: string): void;
  /** The member of this hub holding `nick` (or reserving it for a pending claim). */
  holder(nick: string): Member | undefined;
  /** A private line for the member called `to` on another hub: its nick as written there, or undefined. */
  whisper(to: string, text: string): string | undefined;
  /** Everyone in the room by nick: this hub's members, then the other hubs'. */
  everyone(): string[];
}

type Handlers = {
  [K in Command["kind"]]: (room: CommandRoom, member: Member, command: Extract<Command, { kind: K }>) => void;
};

const HANDLERS: Handlers = {
  empty: () => {},
  say: (room, member, c) => room.publish({ text: format.chat(member.nick, c.text), except: member.id }),
  me: (room, member, c) => room.publish({ text: format.action(member.nick, c.text), except: member.id }),
  nick: (room, member, c) => room.rename(member, c.name),
  who,
  msg: (room, member, c) => {
    const t = room.messages;
    const line = format.privateReceived(member.nick, c.text);
    const target = room.holder(c.to);
    // Its nick, not one only reserved for a claim the room has not answered yet.
    if (target && nickKey(target.nick) === nickKey(c.to)) {
      room.tell(target, line);
      return room.tell(member, format.privateSent(target.nick, c.text));
    }
    const elsewhere = room.whisper(c.to, line);
    if (elsewhere === undefined) return room.tell(member, format.error(t.noSuchNick(c.to)));
    room.tell(member, format.privateSent(elsewhere, c.text));
  },
  help: (room, member) => {
    for (const line of room.messages.help) room.tell(member, format.notice(line));
  },
  quit: (room, member, c) => {
    // Said to the quitter first: at `nc` the connection's end is otherwise silent.
    room.tell(member, format.notice(room.messages.goodbye(member.nick)));
    room.leave(member, c.reason || room.messages.reasonQuit);
    member.peer.close();
  },
  ping: (room, member, c) => room.tell(member, format.notice(room.messages.pong(c.token))),
  join: (room, member) => room.tell(member, alreadyJoinedLine(room.messages.alreadyJoined)),
  usage: (room, member, c) => room.tell(member, format.error(room.messages.usage(c.usage))),
  unknown: (room, member, c) => room.tell(member, format.error(room.messages.unknownCommand(c.name))),
};

/** Does what the member's command asks. */
export function runCommand(room: CommandRoom, member: Member, command: Command): void {
  (HANDLERS[command.kind] as (room: CommandRoom, member: Member, command: Command) => void)(room, member, command);
}

/** `/who`, in as many lines as it takes: each within the line limit, so each fits in one datagram. */
function who(room: CommandRoom, member: Member): void {
  const nicks = room.everyone();
  const t = room.messages;
  let first = true;
  let batch: string[] = [];
  const line = (names: string[]) => format.notice(first ? t.who(nicks.length, names) : t.whoMore(names));
  for (const nick of nicks) {
    if (batch.length > 0 && utf8Length(line([...batch, nick])) > room.maxLineBytes) {
      room.tell(member, line(batch));
      first = false;
      batch = [];
    }
    batch.push(nick);
  }
  room.tell(member, line(batch));
}
