/**
 * Reaching Redis at start, without a redis-server: a URL Bun's client cannot
 * read, a port nobody listens on, an address that never answers. Each ends in
 * one line naming the URL (password hidden), never a stack trace or a long wait.
 */
import { describe, expect, test } from "bun:test";
import { Hub } from "../../src/hub.ts";
import { RedisRoom } from "../../src/link/redis-room.ts";
import { LinkError, whyUnreachable } from "../../src/link/reach.ts";
import { probeTcp } from "../../src/tcp-probe.ts";
import { freePort } from "../../tools/harness/ports.ts";
import { ROOT } from "../../tools/harness/command.ts";

const MALFORMED = ["http://x", "redis://:secret@", "redis://:secret@127.0.0.1:notaport", ""];

describe("linking to a Redis that cannot be reached", () => {
  test.each(MALFORMED)("a URL Bun's client cannot read (%p) is a bad-url LinkError, password hidden", async (url) => {
    const error = await RedisRoom.connect(new Hub(), { url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LinkError);
    expect((error as LinkError).why).toBe("bad-url");
    expect((error as LinkError).message).not.toContain("secret");
    expect((error as LinkError).message).not.toContain("\n");
  });

  test.each(MALFORMED)("the server started with --redis %p says so in one line and exits 1", async (url) => {
    const proc = Bun.spawn([process.execPath, "src/server.ts", "--port", "0", "--lang", "en", "--redis", url], {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^server: cannot reach Redis at \S+: not a Redis URL/),
    ]);
    expect(err).not.toContain("secret");
  });

  test("a port nobody listens on: refused", async () => {
    const port = await freePort("tcp");
    expect(await probeTcp("127.0.0.1", port)).toEqual({ kind: "refused" });
    const why = await whyUnreachable(`redis://127.0.0.1:${port}`, new Error("Connection closed"), 1000);
    expect(why.why).toBe("refused");
  });

  test("something that listens is told from nobody", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      expect(await probeTcp("127.0.0.1", listener.port)).toEqual({ kind: "open" });
    } finally {
      listener.stop(true);
    }
  });

  test("an address that never answers: the probe gives up after the connect timeout", async () => {
    const never = () => new Promise<never>(() => {});
    const why = await whyUnreachable("redis://192.0.2.1:6379", new Error("Connection closed"), 50, never);
    expect(why.why).toBe("timeout");
    expect(new LinkError("redis://192.0.2.1:6379", why.why, why.detail).message).toBe(
      "cannot reach Redis at redis://192.0.2.1:6379: no answer (timed out)",
    );
  });
});
