#!/usr/bin/env bun
/**
 * The chat server: `bun src/server.ts` (TCP), `--udp` (UDP), or `--tcp --udp`
 * (both at once, one room: TCP and UDP ports are separate, so both can be 9009).
 *
 * With `--redis [URL]` this server's room is also every other server's linked
 * to the same Redis: one room across them (src/link/, docs/LINKING.md).
 *
 * With `--web [PORT]` (8080) it also serves the room's page and its WebSocket:
 * browsers join the same room (src/transports/web.ts, src/page/). `--web`
 * alone serves only browsers; with `--tcp` or `--udp`, everyone in one room.
 *
 * Wiring only: the room is src/hub.ts, the wire is src/protocol.ts, and the
 * sockets are src/transports/. docs/PROTOCOL.md says what goes over the wire.
 */
import { Command, Option } from "commander";
import { DEFAULTS, type Settings } from "./config.ts";
import { Hub } from "./hub.ts";
import { langFromArgs, messages } from "./i18n.ts";
import { MAX_LINE_BYTES_CEILING } from "./protocol.ts";
import { describeError, intOption, langOption, localize, secondsOption } from "./cli.ts";
import { serveTcp } from "./transports/tcp.ts";
import type { RunningServer } from "./transports/types.ts";
import { serveUdp } from "./transports/udp.ts";
import type { LinkEvent } from "./link/context.ts";
import { LinkError, redactUrl } from "./link/reach.ts";
import { RedisRoom } from "./link/redis-room.ts";
// The room in a browser (--web).
import { WEB_PORT } from "./config.ts";
import { hostPort } from "./address.ts";
import { WEB_MESSAGES } from "./i18n.ts";
import { buildPage, roomInfo, serveWeb } from "./transports/web.ts";

interface ServerFlags extends Settings {
  tcp?: boolean;
  udp?: boolean;
  floodLimit: boolean;
  quiet?: boolean;
  /** true: --redis without a URL. */
  redis?: string | true;
  /** true: --web without a port. */
  web?: number | true;
  webOrigin?: string;
}

/** Where --redis links without a URL. */
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

// The language of everything this program says, --help and its errors included:
// --lang if given (read before the options are, so that --help can speak it), else the locale.
const t = messages(langFromArgs(process.argv.slice(2)) ?? DEFAULTS.lang);
const o = t.cli.server;
const w = WEB_MESSAGES[langFromArgs(process.argv.slice(2)) ?? DEFAULTS.lang];

const program = localize(new Command("server"), t)
  .description(o.about)
  .option("--host <address>", o.host, DEFAULTS.host)
  .option("-p, --port <n>", o.port, intOption(0, 65535, t), DEFAULTS.port)
  .option("--tcp", o.tcp)
  .option("--udp", o.udp)
  .option("--lang <lang>", o.lang, langOption(t), DEFAULTS.lang)
  .option("--max-line-bytes <n>", o.maxLineBytes, intOption(16, MAX_LINE_BYTES_CEILING, t), DEFAULTS.maxLineBytes)
  .option("--max-queue-bytes <n>", o.maxQueueBytes, intOption(1024, 1 << 30, t), DEFAULTS.maxQueueBytes)
  .option("--max-clients <n>", o.maxClients, intOption(1, 1_000_000, t), DEFAULTS.maxClients)
  .option("--max-per-address <n>", o.maxPerAddress, intOption(1, 1_000_000, t), DEFAULTS.maxPerAddress)
  .option("--flood-burst <n>", o.floodBurst, intOption(1, 1_000_000, t), DEFAULTS.floodBurst)
  .option("--flood-rate <n>", o.floodRate, intOption(1, 1_000_000, t), DEFAULTS.floodRate)
  .option("--no-flood-limit", o.noFloodLimit)
  .addOption(
    new Option("--udp-timeout <seconds>", o.udpTimeout)
      .argParser(secondsOption(0.1, 86_400, t))
      .default(DEFAULTS.udpTimeoutMs, String(DEFAULTS.udpTimeoutMs / 1000)),
  )
  .addOption(
    new Option("--idle-timeout <seconds>", o.idleTimeout)
      .argParser(secondsOption(0, 86_400, t))
      .default(DEFAULTS.idleTimeoutMs, String(DEFAULTS.idleTimeoutMs / 1000)),
  )
  .option("--summarize-above <n>", o.summarizeAbove, intOption(0, 1_000_000, t), DEFAULTS.summarizeAbove)
  .addOption(
    new Option("--summary-interval <seconds>", o.summaryInterval)
      .argParser(secondsOption(0.1, 86_400, t))
      .default(DEFAULTS.summaryIntervalMs, String(DEFAULTS.summaryIntervalMs / 1000)),
  )
  .option("--redis [url]", o.redis(DEFAULT_REDIS_URL))
  .option("--web [port]", w.optionWeb(WEB_PORT), intOption(0, 65535, t))
  .option("--web-origin <origins>", w.optionWebOrigin)
  .option("-q, --quiet", o.quiet)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2)); // a usage error exits 2, as the lessons do

program.parse();
const flags = program.opts<ServerFlags & { udpTimeout: number; idleTimeout: number; summaryInterval: number }>();
const log = flags.quiet ? () => {} : (line: string) => console.log(line);

const hub = new Hub({
  lang: flags.lang,
  maxClients: flags.maxClients,
  maxPerAddress: flags.maxPerAddress,
  floodBurst: flags.floodLimit ? flags.floodBurst : 0,
  floodRate: flags.floodRate,
  maxLineBytes: flags.maxLineBytes,
  summarizeAbove: flags.summarizeAbove,
  summaryIntervalMs: flags.summaryInterval,
  log,
});

// Linked: reach Redis before anyone can join. A server that silently ran alone
// would split the room without anyone knowing, so an unreachable Redis is an exit.
let link: RedisRoom | undefined;
if (flags.redis !== undefined) {
  const url = typeof flags.redis === "string" ? flags.redis : process.env.REDIS_URL || DEFAULT_REDIS_URL;
  try {
    link = await RedisRoom.connect(hub, { url, report: (e) => log(linkLog(e, redactUrl(url))) });
  } catch (error) {
    if (!(error instanceof LinkError)) throw error;
    const why = {
      refused: t.redisWhy.refused,
      closed: t.redisWhy.closed,
      timeout: t.redisWhy.timeout,
      "bad-url": t.redisWhy.badUrl,
      other: error.detail,
    }[error.why];
    console.error(t.redisUnreachable(error.url, why));
    process.exit(1);
  }
  hub.useRoom(link);
  log(t.linked(link.url, link.hubId));
}

/** What the link reports, for the log; `url` is Redis's, its password hidden. */
function linkLog(e: LinkEvent, url: string): string {
  switch (e.kind) {
    case "down":
      return t.logLinkDown(url);
    case "refused":
      return t.logLinkRefused(url, e.command, e.error);
    case "back":
      return t.logLinkBack(url);
    case "hub-lost":
      return t.logHubLost(e.hub, e.members);
    case "roster-too-big":
      return t.logRosterTooBig(e.hub, e.max);
    case "skipped":
      return t.logSkipped(e.id, t.skipReason(e.why));
    case "message-dropped":
      return t.logMessageDropped(e.id, e.sample);
    case "skips-unlogged":
      return t.logSkipsUnlogged(e.after);
  }
}

/**
 * For tests only: how long a UDP stranger's token lives, in ms, instead of 60 s,
 * so that its expiry is tested in seconds (docs/SECURITY.md, How this is
 * tested). An environment variable, not an option: nobody running a server needs it.
 */
const tokenLife = Number(process.env.CHAT_UDP_TOKEN_LIFE_MS);
const udpOptions = { timeoutMs: flags.udpTimeout, tokenLifeMs: tokenLife > 0 ? tokenLife : undefined, log };

/** Listen on every transport asked for: `--web` alone serves only browsers. */
async function listen(): Promise<RunningServer[]> {
  const servers = flags.web === undefined || flags.tcp || flags.udp ? await listenChat() : [];
  if (flags.web !== undefined) servers.push(await listenWeb());
  return servers;
}

/** The room's page and its WebSocket, on --web's port. */
async function listenWeb(): Promise<RunningServer> {
  let page;
  try {
    page = await buildPage(roomInfo(flags.lang, flags.maxLineBytes));
  } catch (error) {
    console.error(w.cannotBuildPage((error as Error).message));
    process.exit(1);
  }
  const port = flags.web === true || flags.web === undefined ? WEB_PORT : flags.web;
  const origins = flags.webOrigin
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const floodBurst = flags.floodLimit ? flags.floodBurst : 0;
  try {
    return serveWeb(hub, { ...flags, port, origins, floodBurst, page, log });
  } catch (error) {
    console.error(t.cannotListen(flags.host, port, describeError(error, t)));
    process.exit(1);
  }
}

/** TCP, UDP, or both on one port number. */
async function listenChat(): Promise<RunningServer[]> {
  const wantTcp = flags.tcp || !flags.udp;
  if (!flags.udp) return [serveTcp(hub, { ...flags, idleTimeoutMs: flags.idleTimeout, log })];
  if (!wantTcp) return [await serveUdp(hub, { ...flags, ...udpOptions })];
  // Both: TCP and UDP ports are separate, so both can have one number. With port 0,
  // the UDP port of the number TCP was given may be taken: then try another.
  for (let attempt = 1; ; attempt++) {
    const tcp = serveTcp(hub, { ...flags, idleTimeoutMs: flags.idleTimeout, log });
    try {
      return [tcp, await serveUdp(hub, { ...flags, ...udpOptions, port: tcp.port })];
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
  console.error(t.cannotListen(flags.host, flags.port, describeError(error, t)));
  process.exit(1);
}
for (const s of servers) {
  console.log(t.listening(s.host, s.port, s.transport));
  // Where to point a browser: on this machine, 127.0.0.1 stands for "every network".
  const host = ["0.0.0.0", "::"].includes(s.host) ? "127.0.0.1" : s.host;
  if (s.transport === "web") console.log(w.pageAt(`http://${hostPort(host, s.port)}/`));
}

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
