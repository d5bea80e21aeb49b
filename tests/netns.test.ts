/**
 * Off loopback, for real: a classroom runs the server on one machine
 * (`--host 0.0.0.0`) and the clients on others. Here the two machines are two
 * network namespaces joined by a veth pair, made by each test and removed by it
 * (even when it fails): the server in one, the kit's clients and raw clients
 * (TCP and UDP) in the other, on addresses of those namespaces only. Then the
 * link is made lossy with nftables in the server's namespace (`numgen random mod
 * 10 0 drop` on its UDP port), and the kit's client must report the lines lost.
 *
 * Needs root, `ip` (iproute2) and `nft` (nftables). Where they are missing the
 * tests are skipped with one line saying why; under CI=true they fail instead.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT, Session, until, type Command, type Transport } from "../tools/harness/index.ts";

const CI = process.env.CI === "true";
const SERVER_IP = "10.99.0.1";
const CLIENT_IP = "10.99.0.2";

function sh(...args: string[]): { ok: boolean; out: string } {
  const r = Bun.spawnSync(args, { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: r.stdout.toString() + r.stderr.toString() };
}

/** Why these tests cannot run here, or undefined when they can. */
function missing(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (network namespaces need root)";
  if (!Bun.which("ip")) return "no `ip` (install iproute2)";
  if (!Bun.which("nft")) return "no `nft` (install nftables)";
  const probe = `sck-probe-${process.pid}`;
  const made = sh("ip", "netns", "add", probe);
  sh("ip", "netns", "del", probe);
  if (!made.ok) return `cannot make a network namespace: ${made.out.trim()}`;
  return undefined;
}

const why = missing();
if (why && !CI) console.log(`tests/netns.test.ts: skipped: ${why}`);

// ---------------------------------------------------------------------------

/** Two namespaces joined by a veth pair: the server's and the clients'. */
interface Net {
  server: string;
  client: string;
}

// Every program a test starts belongs to its session; its namespaces are removed after them.
let s: Session;
let made = 0;
const namespaces: string[] = [];
beforeEach(() => {
  s = new Session();
});
afterEach(async () => {
  await s.close(1000);
  // Deleting a namespace deletes its end of the veth, and so the pair.
  for (const ns of namespaces.splice(0)) sh("ip", "netns", "del", ns);
});

/** Makes the two namespaces and the link; both are removed when the test ends, failed or not. */
async function network(): Promise<Net> {
  const id = `${process.pid}-${++made}`;
  const server = `sck-${id}-s`;
  const client = `sck-${id}-c`;
  namespaces.push(server, client);
  const steps = [
    ["ip", "netns", "add", server],
    ["ip", "netns", "add", client],
    ["ip", "link", "add", "v0", "netns", server, "type", "veth", "peer", "name", "v1", "netns", client],
    ["ip", "-n", server, "addr", "add", `${SERVER_IP}/24`, "dev", "v0"],
    ["ip", "-n", client, "addr", "add", `${CLIENT_IP}/24`, "dev", "v1"],
    ["ip", "-n", server, "link", "set", "lo", "up"],
    ["ip", "-n", client, "link", "set", "lo", "up"],
    ["ip", "-n", server, "link", "set", "v0", "up"],
    ["ip", "-n", client, "link", "set", "v1", "up"],
  ];
  for (const step of steps) {
    const r = sh(...step);
    if (!r.ok) throw new Error(`${step.join(" ")}: ${r.out}`);
  }
  // The link is up once both ends have carrier.
  const down = () => /NO-CARRIER|state DOWN/.test(sh("ip", "-n", client, "link", "show", "v1").out);
  await until(() => !down(), 5000, "the veth link to come up");
  return { server, client };
}

/** `file` (in the kit), run by this Bun in the namespace `ns`. */
const inNamespace = (ns: string, file: string): Command => ({
  argv: ["ip", "netns", "exec", ns, process.execPath, join(ROOT, file)],
  label: `ip netns exec ${ns} bun ${file}`,
  custom: false,
});

/** The server, as a classroom runs it: every address of its machine, TCP and UDP, one room. */
function startServer(net: Net, extra: string[] = []) {
  return s.start(inNamespace(net.server, "src/server.ts"), "tcp", {
    args: ["--host", "0.0.0.0", "--tcp", "--udp", "--lang", "en", ...extra],
    port: 0,
    ready: [/listening on 0\.0\.0\.0:(\d+) \(udp\)/, /listening on 0\.0\.0\.0:\d+ \(tcp\)/],
  });
}

/** Something typed in a terminal, and what it shows. */
interface Typist {
  write(text: string): void;
  /** Everything it printed, escape sequences and all. */
  readonly output: string;
}

/**
 * A raw client in the clients' namespace (as `nc`, or `nc -u`), in a terminal as
 * a person runs it: what they type is echoed among the lines it prints.
 */
async function raw(net: Net, transport: Transport, port: number): Promise<Typist & { lines(): string[] }> {
  const command = inNamespace(net.client, "tests/fixtures/programs/line-client.ts");
  // The line client takes its transport as an argument: run "over TCP", nothing is appended.
  const term = s.terminal(command, "tcp", { args: [transport, SERVER_IP, String(port)], cols: 120, rows: 40 });
  await until(() => term.screen().includes("connected"), 10_000, `the raw ${transport} client to start`);
  return {
    write: (text) => term.type(text),
    get output() {
      return term.raw();
    },
    lines: () => term.screen().split("\n"),
  };
}

/** The kit's client in the clients' namespace, in a terminal. */
function kit(net: Net, transport: Transport, port: number, nick: string): Typist {
  const term = s.terminal(inNamespace(net.client, "src/client.ts"), transport, {
    args: ["--host", SERVER_IP, "--port", String(port), "--nick", nick, "--lang", "en"],
    env: { NO_COLOR: "1" },
    cols: 120,
    rows: 40,
  });
  return {
    write: (text) => term.type(text),
    get output() {
      return term.raw();
    },
  };
}

// ---------------------------------------------------------------------------

describe.skipIf(Boolean(why) && !CI)("off loopback: two network namespaces joined by a veth pair", () => {
  if (why) {
    test("can run here", () => {
      throw new Error(`the network namespace tests cannot run: ${why}`);
    });
    return;
  }

  test("TCP and UDP clients, the kit's and raw, chat with a server on another machine", async () => {
    const net = await network();
    const server = await startServer(net);
    const port = server.port;
    const rawTcp = await raw(net, "tcp", port);
    rawTcp.write("/nick rawt\n");
    await until(() => rawTcp.lines().includes("*** guest1 is now rawt"), 5000, "rawt's nick");
    const rawUdp = await raw(net, "udp", port);
    rawUdp.write("/join rawu\n"); // as a person at nc -u: told what to type, then types it
    const hint = await until(() => rawUdp.lines().find((l) => /\/join [0-9a-f]{8}$/.test(l)), 5000, "the join hint");
    expect(hint).toMatch(/^(\*\*\* to join, type: )?\/join [0-9a-f]{8}$/);
    rawUdp.write(hint.slice(hint.indexOf("/join")) + "\n");
    await until(() => rawTcp.lines().includes("*** rawu joined"), 5000, "rawu to join");

    const kitTcp = kit(net, "tcp", port, "kitt");
    await until(() => rawTcp.lines().includes("*** kitt joined"), 10_000, "kitt to join");
    const kitUdp = kit(net, "udp", port, "kitu");
    await until(() => rawTcp.lines().includes("*** kitu joined"), 10_000, "kitu to join");

    rawTcp.write("hello from rawt\n");
    rawUdp.write("hello from rawu\n");
    kitTcp.write("hello from kitt\r");
    kitUdp.write("hello from kitu\r");
    for (const [who, sees] of [
      [kitTcp, ["<rawt> hello from rawt", "<rawu> hello from rawu", "<kitu> hello from kitu"]],
      [kitUdp, ["<rawt> hello from rawt", "<rawu> hello from rawu", "<kitt> hello from kitt"]],
    ] as const) {
      for (const line of sees) await until(() => who.output.includes(line), 5000, `${line} at a kit client`);
    }
    for (const line of ["<rawu> hello from rawu", "<kitt> hello from kitt", "<kitu> hello from kitu"]) {
      await until(() => rawTcp.lines().includes(line), 5000, `${line} at rawt`);
    }
    for (const line of ["<rawt> hello from rawt", "<kitt> hello from kitt", "<kitu> hello from kitu"]) {
      await until(() => rawUdp.lines().includes(line), 5000, `${line} at rawu`);
    }
    // The server saw them come from the other machine's address, over both transports.
    expect(server.output()).toMatch(new RegExp(`tcp ${CLIENT_IP.replaceAll(".", "\\.")}:\\d+ joined`));
    expect(server.output()).toMatch(new RegExp(`udp ${CLIENT_IP.replaceAll(".", "\\.")}:\\d+ joined`));
    for (const k of [kitTcp, kitUdp]) expect(k.output).not.toMatch(/!!!|went away|lost/);
  }, 60_000);

  test("a forged source address (rewritten by nftables on the wire) gets at most 3x the bytes sent in its name, and only the line to type to join", async () => {
    const net = await network();
    const server = await startServer(net);
    const VICTIM_IP = "10.99.0.3";
    const [attackerPort, victimPort] = [40002, 40003];
    const add = sh("ip", "-n", net.client, "addr", "add", `${VICTIM_IP}/24`, "dev", "v1");
    expect(add.ok, add.out).toBe(true);
    // On the clients' machine, every datagram the attacker sends to the server leaves with the
    // victim's address and port as its source: rewritten in the packet, statelessly (no NAT, so
    // no answer finds its way back to the attacker).
    const rules = `table ip spoof {
      chain raw { type filter hook output priority -300; udp dport ${server.port} notrack; }
      chain out { type filter hook output priority 0;
        ip saddr ${CLIENT_IP} udp sport ${attackerPort} udp dport ${server.port} ip saddr set ${VICTIM_IP} udp sport set ${victimPort}; }
    }`;
    const nft = Bun.spawnSync(["ip", "netns", "exec", net.client, "nft", "-f", "-"], {
      stdin: Buffer.from(rules),
      stderr: "pipe",
    });
    expect(nft.exitCode, nft.stderr.toString()).toBe(0);
    /** A UDP socket in the clients' namespace that prints every datagram it receives, as JSON. */
    const listen = (ip: string, port: number) =>
      s.terminal(inNamespace(net.client, "tests/helpers/datagrams.ts"), "tcp", {
        args: ["listen", ip, String(port)],
        cols: 200,
        rows: 50,
      });
    const victim = listen(VICTIM_IP, victimPort);
    await until(() => victim.screen().includes("listening"), 10_000, "the victim's socket");
    // The attacker sends what a stranger would, from its own address: the wire says it is the victim.
    const payloads = ["/who", "/help", "hello, anyone?", "/join", "/join 00000000", "/ping pppppppppppppppppp"];
    const attacker = s.terminal(inNamespace(net.client, "tests/helpers/datagrams.ts"), "tcp", {
      args: ["send", CLIENT_IP, String(attackerPort), SERVER_IP, String(server.port), ...payloads],
      cols: 200,
      rows: 50,
    });
    await until(() => attacker.screen().includes("sent"), 10_000, "the attacker to send");
    const sentBytes = payloads.reduce((n, p) => n + new TextEncoder().encode(p).length, 0);
    const got = () =>
      victim
        .screen()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { bytes: number; text: string });
    // Answered as soon as a line paid for it: at least one challenge reached the victim.
    await until(() => got().length > 0, 5000, "an answer at the victim's address");
    await until(() => attacker.screen().includes("done"), 5000, "the attacker's listening to end");
    expect(attacker.screen()).toContain("received 0"); // no answer came back to the real sender
    const received = got().reduce((n, d) => n + d.bytes, 0);
    expect(received).toBeLessThanOrEqual(3 * sentBytes);
    for (const d of got()) expect(d.text).toMatch(/^(\*\*\* to join, type: )?\/join [0-9a-f]{8}\n$/);
  }, 60_000);

  test("over a lossy link (nftables drops a tenth of the server's UDP datagrams) the kit's client reports every line lost", async () => {
    const net = await network();
    // The sender pastes 200 lines: flood control (5 lines a second) would hold them back.
    const { port } = await startServer(net, ["--no-flood-limit"]);
    const sender = await raw(net, "tcp", port);
    sender.write("/nick sender\n");
    await until(() => sender.lines().includes("*** guest1 is now sender"), 5000, "the sender's nick");
    const client = kit(net, "udp", port, "kitu");
    await until(() => sender.lines().includes("*** kitu joined"), 10_000, "kitu to join");
    await until(() => client.output.includes("*** guest2 is now kitu"), 5000, "kitu to hear its nick");

    // The server's machine drops one in ten of the datagrams it sends from its UDP port.
    const oneInTen = ["numgen", "random", "mod", "10", "0"];
    for (const rule of [
      ["add", "table", "inet", "lossy"],
      ["add", "chain", "inet", "lossy", "out", "{ type filter hook output priority 0 ; policy accept ; }"],
      ["add", "rule", "inet", "lossy", "out", "udp", "sport", String(port), ...oneInTen, "counter", "drop"],
    ]) {
      const r = sh("ip", "netns", "exec", net.server, "nft", ...rule);
      expect(r.ok, r.out).toBe(true);
    }
    const droppedByNft = () => {
      const table = sh("ip", "netns", "exec", net.server, "nft", "list", "table", "inet", "lossy").out;
      const m = /counter packets (\d+)/.exec(table);
      return Number(m?.[1] ?? NaN);
    };

    // A datagram dropped in the server's own output chain is refused to the server (EPERM), and
    // it tries it once more (a refused send is how a stale "port unreachable" shows too): about
    // 1 line in 100 is lost for good in the end. 1,000 lines make that about 10, each counted.
    const total = 1000;
    for (let i = 0; i < total; i += 20) {
      sender.write(Array.from({ length: 20 }, (_, k) => `line ${i + k}\n`).join(""));
      await Bun.sleep(20); // paced, as a chatty room is: not one burst
    }
    const shown = () => new Set(client.output.match(/<sender> line \d+/g) ?? []).size;
    const lost = () => [...client.output.matchAll(/\*\*\* (\d+) lines? lost/g)].reduce((n, m) => n + Number(m[1]), 0);
    const counts = () => `shown ${shown()}, reported lost ${lost()}`;
    await until(
      () => shown() + lost() >= total,
      20_000,
      () => `every line shown or reported lost (${counts()})`,
    );

    expect(shown() + lost()).toBe(total); // each line either arrived or was counted, none twice
    expect(lost()).toBeGreaterThan(0);
    // nftables dropped those lines, and perhaps some heartbeat answers (not lines): never fewer.
    expect(droppedByNft()).toBeGreaterThanOrEqual(lost());
    // Nothing else went wrong: no error, no reconnect, and it still chats both ways.
    expect(client.output).not.toMatch(/!!!|went away|restarted/);
    client.write("still here\r");
    await until(() => sender.lines().includes("<kitu> still here"), 5000, "kitu's line at the sender");
  }, 90_000);
});
