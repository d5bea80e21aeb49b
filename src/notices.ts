/**
 * What the room and the link report, as plain data: news about the room
 * (`Notice`) and why an entry from the other servers was not trusted
 * (`SkipReason`). Nothing here is worded: the catalogue (src/i18n.ts) words
 * each in the room's language, so the hub, the link and the wire format only
 * name them, and the catalogue needs nothing of theirs.
 */

/** News about the room, worded by the hub that delivers it. */
export type Notice =
  | { kind: "joined"; nick: string }
  | { kind: "left"; nick: string; reason: string }
  | { kind: "renamed"; from: string; to: string }
  /** In a big room: how many came and went in the last `seconds`, instead of one notice each. */
  | { kind: "summary"; joined: number; left: number; seconds: number }
  /** A member of another hub is gone because that hub stopped answering. */
  | { kind: "hub-lost"; nick: string }
  /** The link to the other hubs: lost, back, and what it could not carry. */
  | { kind: "link-down" }
  /** Redis answers, but refuses what this hub sends or reads (a broken key, out of memory, read-only). */
  | { kind: "link-refused" }
  | { kind: "link-back" }
  /** Lines sent here while the link was down, past what it could hold: they never reached the other hubs. */
  | { kind: "link-dropped"; lines: number }
  /** Batches of lines from other hubs that never arrived. */
  | { kind: "link-missing"; batches: number };

/** Why a stream entry cannot be trusted (src/link/wire.ts decides; the server's log words it). */
export type SkipReason =
  | { kind: "not-pairs" }
  | { kind: "not-text" }
  | { kind: "version"; got: string; want: string }
  | { kind: "hub" }
  | { kind: "seq" }
  | { kind: "too-long"; chars: number; max: number }
  | { kind: "not-json" }
  | { kind: "not-list" }
  | { kind: "too-many"; messages: number; max: number };
