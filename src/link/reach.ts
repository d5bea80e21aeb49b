/**
 * Reaching Redis at start, and saying so when it cannot be reached: in one line,
 * with any password hidden. Bun's client says "Connection closed" for a refused
 * connection and a wrong password alike, so the TCP port is tried on its own.
 */

/** Why Redis could not be reached at start. */
export type Unreachable = "refused" | "closed" | "bad-url" | "other";

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
  "bad-url": "not a Redis URL (redis://HOST:PORT)",
};

/** The URL as it may be shown: any password replaced by ***. */
export function redactUrl(url: string): string {
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
 * connection and a wrong password alike, so the TCP port is tried on its own.
 */
export async function whyUnreachable(url: string, error: unknown): Promise<{ why: Unreachable; detail: string }> {
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
  try {
    const probe = await Bun.connect({ hostname: host, port, socket: { data() {}, error() {} } });
    probe.end();
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "ECONNREFUSED" ? { why: "refused", detail } : { why: "other", detail: code ?? (e as Error).message };
  }
  return (error as { code?: string })?.code === "ERR_REDIS_CONNECTION_CLOSED" ? { why: "closed", detail } : { why: "other", detail };
}
