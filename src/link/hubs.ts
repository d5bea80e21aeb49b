/**
 * The other hubs: this hub's heartbeat, a key in Redis that expires unless it
 * is renewed, its arrival (an entry in the arrivals stream each time it joins
 * the link, so that the others read its stream at once), and finding the hubs
 * that stopped renewing theirs. A hub that stopped answering (killed, or cut
 * off longer than the TTL) is gone, and so are its members: they are announced
 * as left, and their nicks are free again. Its stream is still read while it
 * lasts (a hub taken for gone may only have been frozen a while, and say more);
 * once Redis has let it go, it is read no more.
 *
 * A hub finds out when the others may have taken it for gone: its heartbeat
 * was no longer there when it renewed it (the process was frozen past the
 * TTL, say, or the key evicted). It then rejoins the link, as after an outage:
 * its members are announced again, and its nicks claimed again.
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
  /** Hubs taken for gone, and when: their streams are read until they expire. */
  private readonly gone = new Map<string, number>();

  constructor(
    private readonly link: LinkContext,
    private readonly health: LinkHealth,
    private readonly roster: Roster,
    private readonly claims: RedisClaims,
    /** The hubs whose streams are read; and, told a hub's stream is gone, it is read no more. */
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
    const sentAt = performance.now();
    // GET: the heartbeat renewed was still there. If not, the others may have taken this hub
    // for gone: it rejoins (unless it has rejoined since, or is doing so).
    w.send("SET", [...this.args(), "GET"]).then(
      (previous) => {
        if (previous === null && this.health.isUp && this.health.upSince < sentAt) this.health.lapsed();
      },
      // Refused (out of memory, a read-only replica): the link is down until Redis takes it again.
      (error: unknown) => isRefusal(error) && this.link.refused("SET", error),
    );
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
    const now = performance.now();
    hubs.forEach((h, i) => {
      const since = this.gone.get(h);
      if (beats[i] !== null) {
        this.gone.delete(h); // it is back: it rejoins, and says who is there
      } else if (since === undefined) {
        this.lost(h);
      } else if (now - since > streamTtlMs(timing)) {
        this.gone.delete(h);
        this.streams.unfollow(h); // its stream has expired by now
      }
    });
  }

  /** This hub leaves: its heartbeat is removed at once (the others need not wait for it to expire). */
  remove(): Promise<unknown> {
    return this.link.writer.client.send("DEL", [this.link.keys.hub(this.link.hubId)]);
  }

  /** A hub stopped answering: its members are gone. */
  private lost(hub: string): void {
    this.gone.set(hub, performance.now());
    const nicks = this.roster.dropHub(hub);
    this.link.counts.hubsLost++;
    this.link.report({ kind: "hub-lost", hub, members: nicks.length });
    for (const nick of nicks) this.link.hub.deliver({ text: "", notice: { kind: "hub-lost", nick } });
    this.claims.freeHub(hub).catch(() => {});
  }
}
