/**
 * The soak's report: the server's memory and descriptors along the run, what the
 * healthy members sent and received, the churn, and the verdict.
 */

export interface Sample {
  atS: number;
  rssKiB: number;
  fds: number;
}

export interface SoakOutcome {
  minutes: number;
  seed: number;
  pid: number;
  host: string;
  port: number;
  udpPort: number;
  healthyPerTransport: number;
  churners: number;
  samples: Sample[];
  exitCode: number | null;
  /** Healthy members disconnected (TCP) or let go by the server (its leave notice). */
  lostHealthy: number;
  droppedByServer: string[];
  sentHealthy: number;
  by: Record<"tcp" | "udp", { expected: number; delivered: number }>;
  duplicates: number;
  reordered: number;
  lossBySender: string[];
  churn: {
    clients: number;
    joined: { tcp: number; udp: number };
    inherited: number;
    quit: number;
    vanished: number;
    reset: number;
    killed: number;
    failed: number;
    failures: Map<string, number>;
    sent: number;
    delivered: number;
  };
  surprises: string[];
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
const yes = (ok: boolean) => (ok ? "yes" : "NO");

/** The report, and whether the run passed. */
export function soakReport(r: SoakOutcome): { text: string; ok: boolean } {
  const start = r.samples[0]!;
  const end = r.samples.at(-1)!;
  const fromMiddle = (s: Sample) => Math.abs(s.atS - end.atS / 2);
  const mid = r.samples.reduce((best, s) => (fromMiddle(s) < fromMiddle(best) ? s : best));
  const peak = Math.max(...r.samples.map((s) => s.rssKiB));
  // Flat: the second half of the run adds no more than 10 % (and 8 MiB of slack for the allocator).
  const rssFlat = end.rssKiB <= mid.rssKiB * 1.1 + 8 * 1024;
  const fdsFlat = end.fds <= start.fds;
  const dropped = r.lostHealthy + r.droppedByServer.length;
  const lost = { tcp: r.by.tcp.expected - r.by.tcp.delivered, udp: r.by.udp.expected - r.by.udp.delivered };
  const noLoss = lost.tcp === 0 && lost.udp === 0;
  const every = r.samples.length > 2 ? "15 s" : "sample";
  const c = r.churn;
  const failures = [...c.failures].map(([why, n]) => `${n}× ${why}`).join("; ");
  const list = (title: string, items: string[]) =>
    items.length ? `\n${title}\n${items.map((s) => "  " + s).join("\n")}\n` : "";
  const row = (cells: string[]) =>
    cells
      .map((c) => c.padEnd(12))
      .join(" ")
      .trimEnd();

  const text = `
soak report: ${r.minutes} min, seed ${r.seed}, server pid ${r.pid} on ${r.host}:${r.port}\
${r.udpPort === r.port ? "" : ` (udp ${r.udpPort})`} (tcp + udp, one room)

server                      start        middle       end          peak
  resident memory (MiB)     ${row([start, mid, end].map((s) => mib(s.rssKiB)).concat(mib(peak)))}
  open file descriptors     ${row([start, mid, end].map((s) => String(s.fds)))}
  every ${every} (MiB):        ${r.samples.map((s) => mib(s.rssKiB)).join(" ")}
  every ${every} (fds):        ${r.samples.map((s) => s.fds).join(" ")}
  exit on SIGTERM           ${r.exitCode}

healthy members             ${r.healthyPerTransport} tcp + ${r.healthyPerTransport} udp, there from start to end\
${dropped === 0 ? "" : ` (${dropped} DROPPED)`}
  lines sent                ${r.sentHealthy}
  deliveries expected       ${r.by.tcp.expected + r.by.udp.expected}   \
(to tcp members ${r.by.tcp.expected}, to udp members ${r.by.udp.expected})
  delivered                 ${r.by.tcp.delivered + r.by.udp.delivered}   \
(tcp ${r.by.tcp.delivered}, udp ${r.by.udp.delivered})
  lost                      ${lost.tcp + lost.udp}   (tcp ${lost.tcp}, udp ${lost.udp})
  duplicates                ${r.duplicates}
  reordered                 ${r.reordered}

churn                       ${c.clients} clients came and went (${r.churners} at a time)
  joined                    tcp ${c.joined.tcp}, udp ${c.joined.udp} \
(of which ${c.inherited} on a port a vanished member had used: the server took them for it)
  left                      /quit ${c.quit}, vanished (FIN or a closed UDP socket) ${c.vanished}, RST ${c.reset}, \
process killed mid-line ${c.killed}
  could not join            ${c.failed}${failures ? ` (${failures})` : ""}
  lines sent                ${c.sent}; delivered to healthy members ${c.delivered} \
(a line sent just before dying may be lost: not counted as loss)
${list("healthy members the server let go:", r.droppedByServer)}\
${r.lossBySender.length ? `\nloss by sender: ${r.lossBySender.join(", ")}\n` : ""}\
${list(`surprises (${r.surprises.length}):`, r.surprises.slice(0, 20))}
verdict
  no loss between healthy members        ${yes(noLoss)}
  every healthy member stayed            ${yes(dropped === 0)}
  open descriptors back to the start     ${yes(fdsFlat)}
  memory flat over the second half       ${yes(rssFlat)}
  clean exit (0) on SIGTERM              ${yes(r.exitCode === 0)}`;
  return { text, ok: noLoss && dropped === 0 && fdsFlat && rssFlat && r.exitCode === 0 };
}
