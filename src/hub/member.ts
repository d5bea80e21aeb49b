/**
 * A member of the room as the hub keeps it, and the `Peer` a transport gives
 * the hub for it. Every part of the hub (src/hub/) acts on this one record.
 */
import type { LineFrame, OutLine } from "../protocol.ts";
import type { FloodGate } from "./flood-gate.ts";

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
  /**
   * How full its outgoing queue is: 0 to 1 of what it may hold before it is
   * dropped as too slow to read. None for a transport without a queue (UDP).
   */
  backlog?(): number;
}

export interface Member {
  readonly id: string;
  readonly peer: Peer;
  /** "" until the room has granted it its first (guest) nick: until then it is not welcomed. */
  nick: string;
  /** Has the room heard of this member yet (its join announced, or counted in a summary)? */
  announced: boolean;
  /** Waiting for its first line before its join is announced (HubOptions.joinHoldMs, src/hub/options.ts). */
  joinTimer: unknown;
  /** The key of a nick claimed for it that the room has not answered yet (reserved on this hub). */
  claiming: string | undefined;
  /** Lines that came while that claim was pending: they go on, in order, once it is answered. */
  awaitingNick: LineFrame[];
  /** The room said another hub's member holds this nick, while a claim was pending: settled after it. */
  lostNick: string | undefined;
  /** Its flood control: the lines it may send now, and those waiting their turn. */
  readonly flood: FloodGate;
}
