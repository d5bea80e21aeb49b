/**
 * The other hubs: this hub's heartbeat, a key in Redis that expires unless it
 * is renewed, and finding the hubs that stopped renewing theirs. A hub that
 * stopped answering (killed, or cut off longer than the TTL) is gone, and so are
 * its members: they are announced as left, and their nicks are free again.
 */
import type { RedisClaims } from "./claims.ts";
import type { LinkContext } from "./context.ts";
import { isRefusal, type LinkHealth } from "./health.ts";
import type { Roster } from "./roster.ts";

export class HubHeartbeat {
  constructor(
    private readonly link: LinkContext,
    private readonly health: LinkHealth,
    private readonly roster: Roster,
    private readonly claims: RedisClaims,
  ) {}

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
    // Only after a whole TTL of being up: a live hub that was cut off with us has had time to renew.
    const settled = performance.now() - this.health.upSince >= timing.hubTtlMs + timing.heartbeatMs;
    if (!this.health.isUp || !settled) return;
    const hubs = this.roster.hubIds();
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

  /** A hub stopped answering: its members are gone. */
  private lost(hub: string): void {
    const nicks = this.roster.dropHub(hub);
    this.link.counts.hubsLost++;
    this.link.report({ kind: "hub-lost", hub, members: nicks.length });
    for (const nick of nicks) this.link.hub.deliver({ text: "", notice: { kind: "hub-lost", nick } });
    this.claims.freeHub(hub).catch(() => {});
  }
}
