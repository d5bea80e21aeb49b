#!/usr/bin/env bun
/**
 * The chat server: `bun src/server.ts` (TCP), `--udp` (UDP), or `--tcp --udp`
 * (both at once, one room: TCP and UDP ports are separate, so both can be 9009).
 *
 * With `--redis [URL]` this server's room is also every other server's linked
 * to the same Redis: one room across them (src/link/, docs/LINKING.md).
 *
 * Wiring only: the room is src/hub.ts, the wire is src/protocol.ts, and the
 * sockets are src/transports/. docs/PROTOCOL.md says what goes over the wire.
 */
import { Command, Option } from "commander";
import { DEFAULTS, type Settings } from "./config.ts";
import { Hub } from "./hub.ts";
import { messages } from "./i18n.ts";
import { MAX_LINE_BYTES_CEILING } from "./protocol.ts";
import { describeError, intOption, langOption, portOption, secondsOption } from "./cli.ts";
import { serveTcp } from "./transports/tcp.ts";
import type { RunningServer } from "./transports/types.ts";
import { serveUdp } from "./transports/udp.ts";
import { LinkError, RedisRoom, type LinkEvent } from "./link/redis-room.ts";

interface ServerFlags extends Settings {
  tcp?: boolean;
  udp?: boolean;
  floodLimit: boolean;
  quiet?: boolean;
  /** true: --redis without a URL. */
  redis?: string | true;
}

/** Where --redis links without a URL. */
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const program = new Command("server")
  .description("A multi-user chat server that plain `nc` can talk to.")
  .option("--host <address>", "address to listen on", DEFAULTS.host)
  .option("-p, --port <n>", "port (0 picks a free one)", portOption, DEFAULTS.port)
  .option("--tcp", "serve TCP (the default)")
  .option("--udp", "serve UDP (with --tcp: both, in one room)")
  .option("--lang <lang>", "language of notices: en or zh", langOption, DEFAULTS.lang)
  .option("--max-line-bytes <n>", "longest line in bytes", intOption(16, MAX_LINE_BYTES_CEILING), DEFAULTS.maxLineBytes)
  .option("--max-queue-bytes <n>", "a TCP client with more bytes waiting is dropped", intOption(1024, 1 << 30), DEFAULTS.maxQueueBytes)
  .option("--max-clients <n>", "most members at once", intOption(1, 1_000_000), DEFAULTS.maxClients)
  .option("--max-per-address <n>", "most members from one IP address", intOption(1, 1_000_000), DEFAULTS.maxPerAddress)
  .option("--flood-burst <n>", "lines a member may send at once", intOption(1, 1_000_000), DEFAULTS.floodBurst)
  .option("--flood-rate <n>", "lines per second after the burst", intOption(1, 1_000_000), DEFAULTS.floodRate)
  .option("--no-flood-limit", "turn flood control off (benchmarks, load tests)")
  .addOption(
    new Option("--udp-timeout <seconds>", "remove a UDP member silent this long")
      .argParser(secondsOption(0.1, 86_400))
      .default(DEFAULTS.udpTimeoutMs, String(DEFAULTS.udpTimeoutMs / 1000)),
  )
  .addOption(
    new Option("--idle-timeout <seconds>", "ask a silent TCP member if it is still there, close it after as long again (0: never)")
      .argParser(secondsOption(0, 86_400))
      .default(DEFAULTS.idleTimeoutMs, String(DEFAULTS.idleTimeoutMs / 1000)),
  )
  .option("--redis [url]", `link to every server on this Redis: one room across them (default: $REDIS_URL, else ${DEFAULT_REDIS_URL})`)
  .option("-q, --quiet", "log only the ready line and errors")
  .showHelpAfterError("(run with --help for the options)")
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2)); // a usage error exits 2, as the lessons do

program.parse();
const flags = program.opts<ServerFlags & { udpTimeout: number; idleTimeout: number }>();
const t = messages(flags.lang);
const log = flags.quiet ? () => {} : (line: string) => console.log(line);

const hub = new Hub({
  lang: flags.lang,
  maxClients: flags.maxClients,
  maxPerAddress: flags.maxPerAddress,
  floodBurst: flags.floodLimit ? flags.floodBurst : 0,
  floodRate: flags.floodRate,
  maxLineBytes: flags.maxLineBytes,
  log,
});

// Linked: reach Redis before anyone can join. A server that silently ran alone
// would split the room without anyone knowing, so an unreachable Redis is an exit.
let link: RedisRoom | undefined;
if (flags.redis !== undefined) {
  const url = typeof flags.redis === "string" ? flags.redis : process.env.REDIS_URL || DEFAULT_REDIS_URL;
  try {
    link = await RedisRoom.connect(hub, { url, report: (e) => log(linkLog(e)) });
  } catch (error) {
    if (!(error instanceof LinkError)) throw error;
    const why = { refused: t.redisWhy.refused, closed: t.redisWhy.closed, "bad-url": t.redisWhy.badUrl, other: error.detail }[error.why];
    console.error(t.redisUnreachable(error.url, why));
    process.exit(1);
  }
  hub.useRoom(link);
  log(t.linked(link.url, link.hubId));
}

function linkLog(e: LinkEvent): string {
  switch (e.kind) {
    case "down":
      return t.logLinkDown(link!.url);
    case "back":
      return t.logLinkBack(link!.url);
    case "hub-lost":
      return t.logHubLost(e.hub, e.members);
    case "skipped":
      return t.logSkipped(e.id, e.why);
  }
}

/** Listen on every transport asked for; with both, on one port number. */
async function listen(): Promise<RunningServer[]> {
  const wantTcp = flags.tcp || !flags.udp;
  if (!flags.udp) return [serveTcp(hub, { ...flags, idleTimeoutMs: flags.idleTimeout, log })];
  if (!wantTcp) return [await serveUdp(hub, { ...flags, timeoutMs: flags.udpTimeout, log })];
  // Both: TCP and UDP ports are separate, so both can have one number. With port 0,
  // the UDP port of the number TCP was given may be taken: then try another.
  for (let attempt = 1; ; attempt++) {
    const tcp = serveTcp(hub, { ...flags, idleTimeoutMs: flags.idleTimeout, log });
    try {
      return [tcp, await serveUdp(hub, { ...flags, port: tcp.port, timeoutMs: flags.udpTimeout, log })];
    } catch (error) {
      await tcp.stop(0);
      if (flags.port !== 0 || attempt >= 20) throw error;
    }
  }
}

let servers: RunningServer[];
try {
  servers = await listen();
} catch (error) {
  console.error(`server: cannot listen on ${flags.host}:${flags.port}: ${describeError(error)}`);
  process.exit(1);
}
for (const s of servers) console.log(t.listening(s.host, s.port, s.transport));

// Ctrl+C or a service manager's SIGTERM: tell everyone, let the queues drain, exit 0.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(0);
    stopping = true;
    console.log(t.stopping(signal));
    hub.shutdown();
    await Promise.all([...servers.map((s) => s.stop()), link?.close()]);
    process.exit(0);
  });
}
