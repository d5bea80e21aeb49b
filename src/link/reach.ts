/**
 * Reaching Redis at start, and saying so when it cannot be reached: in one line,
 * with any password hidden. Bun's client says "Connection closed" for a refused
 * connection and a wrong password alike, so the TCP port is tried on its own
 * (with src/tcp-probe.ts, below both the link and the transports).
 */
import { probeTcp, type TcpProbe } from "../tcp-probe.ts";

/** Why Redis could not be reached at start. */
export type Unreachable = "refused" | "closed" | "timeout" | "bad-url" | "other";

/** Redis could not be reached (at start): the message is one line, with the password hidden. */
export class LinkError extends Error {
  override name = "LinkError";
  constructor(
    /** The URL, password hidden. */
    readonly url: string,
    readonly why: Unreachable,
    /** The error's own words, for "other". */
    readonly detail: string,
  ) {
    super(`cannot reach Redis at ${url}: ${UNREACHABLE_EN[why] ?? detail}`);
  }
}

const UNREACHABLE_EN: Partial<Record<Unreachable, string>> = {
  refused: "connection refused (is redis-server running there?)",
  closed: "the server closed the connection (a wrong password? not Redis?)",
  timeout: "no answer (timed out)",
  "bad-url": "not a Redis URL (redis://HOST:PORT)",
};

/** The URL as it may be shown: any password replaced by ***. */
export function redactUrl(url: string): string {
  if (url.trim() === "") return JSON.stringify(url); // `--redis ""`: say so, not nothing
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/**
 * Why Redis could not be reached. Bun says "Connection closed" for a refused
 * connection and a wrong password alike, so the TCP port is tried on its own,
 * for at most `timeoutMs`: on an address that drops packets a connect would
 * otherwise wait minutes for the kernel to give up.
 */
export async function whyUnreachable(
  url: string,
  error: unknown,
  timeoutMs: number,
  probe: (host: string, port: number) => Promise<TcpProbe> = probeTcp,
): Promise<{ why: Unreachable; detail: string }> {
  const detail = (error as Error)?.message ?? String(error);
  let host: string | undefined;
  let port = 6379;
  try {
    const u = new URL(url);
    if (u.protocol === "redis:" || u.protocol === "rediss:") {
      host = u.hostname.replace(/^\[|\]$/g, "");
      port = u.port ? Number(u.port) : 6379;
    }
  } catch {
    return { why: "bad-url", detail };
  }
  if (host === undefined) return { why: "other", detail };
  if (/TIMEOUT/i.test((error as { code?: string })?.code ?? "")) return { why: "timeout", detail };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<TcpProbe>((resolve) => (timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs)));
  const tried = await Promise.race([probe(host, port), late]).finally(() => clearTimeout(timer));
  switch (tried.kind) {
    case "refused":
      return { why: "refused", detail };
    case "timeout":
      return { why: "timeout", detail };
    case "failed":
      return { why: "other", detail: tried.detail };
    case "open":
      if ((error as { code?: string })?.code === "ERR_REDIS_CONNECTION_CLOSED") return { why: "closed", detail };
      return { why: "other", detail };
  }
}
