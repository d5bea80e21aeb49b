#!/usr/bin/env bun
/**
 * A naive linked server, for the benchmark only: the kit's own hub and TCP
 * transport, linked to its peers by plain Redis pub/sub and nothing else.
 *
 *   bun tools/bench/pubsub-peer.ts --port 0 --redis redis://127.0.0.1:6380 [--max-queue-bytes N]
 *
 * Each line a member says is delivered here and PUBLISHed on one channel; every
 * peer is SUBSCRIBEd to it, hears its own lines back and skips them by a prefix.
 * No numbering, no outbox, no catch-up, no nick claims, no roster: a line
 * published while a peer is away is lost, and two members on two peers may take
 * one nick. It is the floor that `bun run bench --scenario hubs` holds the kit's
 * link (src/link/) against: what linking two hubs through Redis costs at least,
 * with the same hub, the same sockets and the same load.
 */
import { RedisClient } from "bun";
import { Hub } from "../../src/hub.ts";
import type { Room, RoomMessage } from "../../src/room.ts";
import { serveTcp } from "../../src/transports/tcp.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1]! : fallback;
};
const url = arg("--redis", "redis://127.0.0.1:6379");
const CHANNEL = "bench:pubsub";
const me = crypto.randomUUID().slice(0, 8);

const hub = new Hub({ lang: "en", maxClients: 20_000, maxPerAddress: 20_000, floodBurst: 0 });
const pub = new RedisClient(url);
const sub = new RedisClient(url);
await Promise.all([pub.connect(), sub.connect()]);

const room: Room = {
  publish(message: RoomMessage) {
    hub.deliver(message);
    if (message.to === undefined) void pub.publish(CHANNEL, `${me} ${message.text}`);
  },
  claim: (_member, _nick, done) => done(true),
  release: () => {},
  elsewhere: () => [],
  elsewhereCount: () => 0,
  whisper: () => undefined,
};
await sub.subscribe(CHANNEL, (message: string) => {
  if (message.startsWith(`${me} `)) return; // our own, back from Redis
  hub.deliver({ text: message.slice(me.length + 1) });
});
hub.useRoom(room);

const server = serveTcp(hub, {
  host: arg("--host", "127.0.0.1"),
  port: Number(arg("--port", "0")),
  maxLineBytes: 1024,
  maxQueueBytes: Number(arg("--max-queue-bytes", String(256 * 1024))),
});
console.log(`pubsub-peer: listening on ${server.host}:${server.port}`);
process.on("SIGTERM", () => process.exit(0));
