/**
 * Is anything listening on a TCP port? One connect, hung up at once. Both the
 * link (src/link/reach.ts: is Redis there at all?) and the tools' harness ask
 * it, so it sits below both the link and the transports.
 */

/** What trying a TCP port found: someone listens, nobody does, or the connect failed otherwise. */
export type TcpProbe =
  { kind: "open" } | { kind: "refused" } | { kind: "timeout" } | { kind: "failed"; detail: string };

/**
 * Tries to connect to host:port, and hangs up at once: is anything listening?
 * No timeout of its own (the kernel's, minutes on an address that drops
 * packets): the caller races it against one.
 */
export async function probeTcp(host: string, port: number): Promise<TcpProbe> {
  try {
    const probe = await Bun.connect({ hostname: host, port, socket: { data() {}, error() {} } });
    probe.end();
    return { kind: "open" };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ECONNREFUSED") return { kind: "refused" };
    if (code === "ETIMEDOUT") return { kind: "timeout" };
    return { kind: "failed", detail: code ?? (e as Error).message };
  }
}
