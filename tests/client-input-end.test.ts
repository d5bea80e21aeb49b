/**
 * The kit's client when its input ends or it quits: the answers to the last
 * lines still arrive before it says bye (`printf '/who\n' | bun src/client.ts`),
 * and it says bye once, though the server now says goodbye too.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { member, startServer, type RawClient, type TestServer } from "./helpers/chat.ts";
import { ROOT, startTerminal, until, type TerminalProgram } from "../tools/harness/index.ts";

let server: TestServer | undefined;
let clients: RawClient[] = [];
let terminals: TerminalProgram[] = [];

afterEach(async () => {
  for (const t of terminals) await t.stop();
  terminals = [];
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
});

const CLIENT = join(ROOT, "src/client.ts");

describe.each(["tcp", "udp"] as const)("the kit's client over %s", (transport) => {
  const flags = transport === "udp" ? ["--udp"] : [];

  test("piped input: the answer to the last line comes before bye", async () => {
    server = await startServer(transport);
    const alice = await member(server, "alice");
    clients.push(alice);
    const proc = Bun.spawn([process.execPath, CLIENT, "--port", String(server.port), "--lang", "en", ...flags], {
      stdin: new TextEncoder().encode("piped hello\n/who\n"),
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    const lines = out
      .trimEnd()
      .split("\n")
      .map((l) => l.replace(/^\d\d:\d\d /, ""));
    const who = lines.findIndex((l) => l.startsWith("*** in the room (2): alice, guest"));
    expect(who).toBeGreaterThan(-1);
    expect(lines.slice(who + 1)).toEqual(["*** bye"]); // bye, once, after the answer; the ping that waited for it unseen
    await alice.waitFor(/^<guest\d+> piped hello$/);
  });

  test("/quit typed at the terminal: one bye on the screen", async () => {
    server = await startServer(transport);
    const alice = await member(server, "alice");
    clients.push(alice);
    const term = startTerminal({
      command: { argv: [process.execPath, CLIENT], label: "bun src/client.ts", custom: false },
      args: ["--nick", "kit", "--lang", "en", ...flags],
      port: server.port,
      env: { NO_COLOR: "1" },
    });
    terminals.push(term);
    await alice.waitFor("*** kit joined", 10_000);
    await until(() => term.screen().includes("> "), 5000, "the prompt");
    term.type("/quit\r");
    await alice.waitFor("*** kit left");
    const exit = await term.exited;
    expect(exit.code).toBe(0);
    expect(term.screen().match(/\bbye\b/g)).toEqual(["bye"]);
  });
});
