/**
 * Flood control holds to the end: a member who pastes 200 lines and leaves at
 * once gets to the room what the burst and the rate allow (20 at once, then 5 a
 * second), never the whole waiting queue in one instant (over TCP it closes
 * the connection; over UDP it falls silent and is timed out). The lines still
 * waiting when it leaves are dropped, and the server's log says how many.
 *
 * The real server (`bun src/server.ts`, its default flood limits) in a child
 * process, and raw clients, over TCP and UDP.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { member, startChild, type ChildServer } from "../reliability/child-server.ts";
import { TRANSPORTS, until, type ChatClient } from "../../tools/harness/index.ts";
import { range } from "./linked.ts";

let server: ChildServer | undefined;
let clients: ChatClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  await server?.stop();
  server = undefined;
});

const BURST = 20;
const RATE = 5;

describe.each(TRANSPORTS)("flood control over %s", (transport) => {
  test("holds to the end: a member who sends 200 lines and leaves gets no more than the burst and the rate allow", async () => {
    // Over UDP a member leaves by falling silent (a /quit would wait its turn in the queue).
    server = await startChild(["--flood-burst", String(BURST), "--flood-rate", String(RATE), "--udp-timeout", "1"]);
    const mallory = await member(server, transport, "mallory");
    const bob = await member(server, transport, "bob");
    clients.push(mallory, bob);
    await mallory.waitFor("*** bob joined");
    const lines = range(200).map((i) => `paste ${i}`);
    if (transport === "tcp") mallory.write(lines.join("\n") + "\n");
    else for (let i = 0; i < lines.length; i += 50) mallory.write(lines.slice(i, i + 50).join("\n") + "\n");
    const sentAt = performance.now();
    await mallory.waitFor("you are sending too fast");
    mallory.close(); // TCP: gone (a FIN); UDP: silent from now on
    if (transport === "udp") bob.say("/ping"); // bob is not silent
    const beat = transport === "udp" ? setInterval(() => bob.say("/ping"), 200) : undefined;
    try {
      await bob.waitFor("*** mallory left", 5000);
    } finally {
      clearInterval(beat);
    }
    // A line from a bystander after the leave: everything the server sent before it is in.
    const carol = await member(server, transport, "carol");
    clients.push(carol);
    carol.say("after");
    await bob.waitFor("<carol> after");
    const seconds = (performance.now() - sentAt) / 1000;
    const got = bob.matching(/^<mallory> paste \d+$/).length;
    // The burst, what the rate let through while mallory was there, and a line of slack. (Over
    // TCP its `/nick mallory` took a token too, which the rate may not have given back yet.)
    expect(got).toBeGreaterThanOrEqual(BURST - 1);
    expect(got).toBeLessThanOrEqual(BURST + Math.ceil(RATE * seconds) + 1);
    // The lines still waiting when it left (the queue holds 5 × the burst) were dropped, and
    // the server's log counts them, in a line about mallory.
    const waiting = 5 * BURST - (got - BURST);
    const counts = (l: string) => (l.match(/\d+/g) ?? []).some((n) => Math.abs(Number(n) - waiting) <= 1);
    await until(
      () => server!.logs.some((l) => l.includes("mallory") && counts(l)),
      3000,
      () => `a log line counting mallory's ${waiting} dropped lines (log: ${JSON.stringify(server!.logs.slice(-4))})`,
    );
  }, 20_000);
});
