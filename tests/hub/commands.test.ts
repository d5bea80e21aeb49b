/** The command handlers on their own, against a room that records what they do. */
import { describe, expect, test } from "bun:test";
import { MESSAGES } from "../../src/i18n.ts";
import { runCommand, type CommandRoom } from "../../src/hub/commands.ts";
import type { Member } from "../../src/hub/member.ts";
import { parseCommand } from "../../src/protocol.ts";
import type { RoomMessage } from "../../src/room.ts";
import { FakePeer } from "./fakes.ts";

function room(options: { here?: string[]; elsewhere?: string[]; maxLineBytes?: number } = {}) {
  const members = new Map<string, Member>();
  const member = (nick: string): Member => {
    const m: Member = {
      ...{ id: `1/${members.size + 1}`, peer: new FakePeer(), nick, announced: true },
      ...{ joinTimer: undefined, claiming: undefined, awaitingNick: [], lostNick: undefined },
      flood: undefined as never, // the commands never touch it
    };
    members.set(nick.toLowerCase(), m);
    return m;
  };
  for (const nick of options.here ?? []) member(nick);
  const told: [string, string][] = [];
  const published: RoomMessage[] = [];
  const left: string[] = [];
  const elsewhere = options.elsewhere ?? [];
  const r: CommandRoom = {
    messages: MESSAGES.en,
    maxLineBytes: options.maxLineBytes ?? 1024,
    tell: (m, text) => told.push([m.nick, text]),
    publish: (message) => published.push(message),
    rename: (m, nick) => told.push([m.nick, `(rename to ${nick})`]),
    leave: (m, reason) => left.push(`${m.nick}: ${reason}`),
    holder: (nick) => members.get(nick.toLowerCase()),
    whisper: (to, _text) => elsewhere.find((n) => n.toLowerCase() === to.toLowerCase()),
    everyone: () => [...[...members.values()].map((m) => m.nick), ...elsewhere],
  };
  const run = (m: Member, line: string) => runCommand(r, m, parseCommand(line));
  return { r, run, member: (nick: string) => members.get(nick.toLowerCase()) ?? member(nick), told, published, left };
}

describe("the command handlers", () => {
  test("a line and an action go to the room, not back to the sender", () => {
    const { run, member, published } = room();
    const alice = member("alice");
    run(alice, "hello");
    run(alice, "/me waves");
    expect(published).toEqual([
      { text: "<alice> hello", except: alice.id },
      { text: "* alice waves", except: alice.id },
    ]);
  });

  test("/msg reaches a member here, else one elsewhere, else says there is nobody by that name", () => {
    const { run, member, told } = room({ here: ["bob"], elsewhere: ["carol"] });
    const alice = member("alice");
    run(alice, "/msg BOB hi");
    run(alice, "/msg carol hey");
    run(alice, "/msg dave yo");
    expect(told).toEqual([
      ["bob", "*alice* hi"],
      ["alice", "-> *bob* hi"],
      ["alice", "-> *carol* hey"],
      ["alice", "!!! no such nickname: dave"],
    ]);
  });

  test("/who says everyone, here and elsewhere, in lines within the line limit", () => {
    const many = Array.from({ length: 40 }, (_, i) => `member${i}`);
    const { run, member, told } = room({ here: many.slice(0, 20), elsewhere: many.slice(20), maxLineBytes: 100 });
    run(member("member0"), "/who");
    const lines = told.map(([, text]) => text);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(100);
    expect(lines[0]).toStartWith("*** in the room (40): member0, ");
    expect(lines.join(" ").match(/member\d+/g)).toHaveLength(40);
  });

  test("/quit says goodbye first, then the member leaves and its peer is closed", () => {
    const { run, member, told, left } = room();
    const alice = member("alice");
    run(alice, "/quit gone fishing");
    expect(told).toEqual([["alice", "*** bye, alice: you left the room"]]);
    expect(left).toEqual(["alice: gone fishing"]);
    expect((alice.peer as FakePeer).closed).toBe(true);
  });

  test("a mistyped command, one without its arguments, and /join once in are each answered", () => {
    const { run, member, told } = room();
    const alice = member("alice");
    run(alice, "/frobnicate");
    run(alice, "/msg bob");
    run(alice, "/join 1234abcd");
    expect(told.map(([, text]) => text)).toEqual([
      "!!! unknown command /frobnicate; /help lists the commands",
      "!!! usage: /msg NICK TEXT",
      "!!! /join: you are already in the room",
    ]);
  });
});
