/**
 * The other hubs: this hub's heartbeat, a key in Redis that expires unless it
 * is renewed, its arrival (an entry in the arrivals stream each time it joins
 * the link, so that the others read its stream at once), and finding the hubs
 * that stopped renewing theirs. A hub that stopped answering (killed, or cut
 * off longer than the TTL) is gone, and so are its members: they are announced
 * as left, their nicks are free again, and its stream is no longer read.
 *
 * Each beat also renews how long this hub's stream outlives it: a stream whose
 * hub is gone is deleted by Redis once nobody could still need it.
 */
import type { RedisClaims } from "./claims.ts";
import { streamTtlMs, type LinkContext } from "./context.ts";
import { isRefusal, type LinkHealth } from "./health.ts";
import type { Roster } from "./roster.ts";
import { arrivalFields } from "./wire.ts";

export class HubHeartbeat {
  constructor(
    private readonly link: LinkContext,
    private readonly health: LinkHealth,
    private readonly roster: Roster,
    private readonly claims: RedisClaims,
    /** The hubs whose streams are read; and, told a hub is gone, its stream is read no more. */
    private readonly streams: { readonly hubs: string[]; unfollow(hub: string): void },
  ) {}

  /**
   * XADD arguments of this hub's arrival: the others start reading its stream
   * (Redis's clock `nowMs`, 0 when not known yet, says how much of the arrivals
   * stream to keep).
   */
  arrival(nowMs: number): string[] {
    const { keys, hubId, timing } = this.link;
    const minId = nowMs > timing.historyMs ? String(nowMs - timing.historyMs) : "0";
    return [keys.arrivals, "MINID", "~", minId, "*", ...arrivalFields(hubId)];
  }

  /** SET arguments of this hub's heartbeat: it expires unless renewed. */
  args(): string[] {
    const { keys, hubId, timing } = this.link;
    return [keys.hub(hubId), String(Date.now()), "PX", String(timing.hubTtlMs)];
  }

  /** Renews the heartbeat, and looks for hubs that stopped renewing theirs. */
  async beat(): Promise<void> {
    const { writer, keys, timing } = this.link;
    const w = writer.client;
    // Refused (out of memory, a read-only replica): the link is down until Redis takes it again.
    w.send("SET", this.args()).catch((error: unknown) => isRefusal(error) && this.link.refused("SET", error));
    w.send("PEXPIRE", [keys.stream(this.link.hubId), String(streamTtlMs(timing))]).catch(() => {});
    // Only after a whole TTL of being up: a live hub that was cut off with us has had time to renew.
    const settled = performance.now() - this.health.upSince >= timing.hubTtlMs + timing.heartbeatMs;
    if (!this.health.isUp || !settled) return;
    const hubs = [...new Set([...this.roster.hubIds(), ...this.streams.hubs])];
    if (hubs.length === 0) return;
    let beats: unknown;
    try {
      beats = await w.send(
        "MGET",
        hubs.map((h) => keys.hub(h)),
      );
    } catch {
      return;
    }
    if (!this.health.isUp || !Array.isArray(beats)) return;
    hubs.forEach((h, i) => {
      if (beats[i] === null) this.lost(h);
    });
  }

  /** This hub leaves: its heartbeat is removed at once (the others need not wait for it to expire). */
  remove(): Promise<unknown> {
    return this.link.writer.client.send("DEL", [this.link.keys.hub(this.link.hubId)]);
  }

  /** A hub stopped answering: its members are gone, and its stream is read no more. */
  private lost(hub: string): void {
    this.streams.unfollow(hub);
    const nicks = this.roster.dropHub(hub);
    this.link.counts.hubsLost++;
    this.link.report({ kind: "hub-lost", hub, members: nicks.length });
    for (const nick of nicks) this.link.hub.deliver({ text: "", notice: { kind: "hub-lost", nick } });
    this.claims.freeHub(hub).catch(() => {});
  }
}
