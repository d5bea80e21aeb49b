/**
 * Small things a beginner trips over in the kit's own lessons, each fixed once and
 * kept fixed: advice on a busy port, the client's last screen when the hub stops
 * (over UDP too, where no connection closes), the hub's last words, and a goodbye
 * for "/quit" over UDP. (Lesson 04's settings line is checked in 04-chat.test.ts.)
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
  startProgram,
  startTerminal,
  stripAnsi,
  tcpClient,
  tcpServer,
  TRANSPORTS,
  udpClient,
  udpServer,
  until,
  WireLog,
  type Peer,
  type Program,
  type Transport,
} from "../../tools/harness/index.ts";
import { exitOf, kitEnv, kitLesson, runLesson } from "./kit-lessons.ts";

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHub(transport: Transport, lang: "en" | "zh"): Promise<Program> {
  const command = kitLesson("02", transport);
  const hub = await startProgram({ command, transport, args: ["--lang", lang], env: kitEnv() });
  cleanups.push(() => hub.stop());
  return hub;
}

/** Clients in lesson 02's room, each surely known to the hub: everyone has heard the last one join. */
async function room(transport: Transport, port: number, names: string[]): Promise<Peer[]> {
  const wire = new WireLog();
  const peers: Peer[] = [];
  for (const name of names) {
    const peer = transport === "tcp" ? await tcpClient(port, { name, wire }) : await udpClient(port, { name, wire });
    cleanups.push(() => peer.close());
    if (transport === "udp") peer.sendLine(""); // a UDP client joins by sending something
    await until(() => peer.lines().some((line) => line.startsWith("*** ")), 5000, `${name} is welcomed`);
    peers.push(peer);
  }
  const last = String(peers.at(-1)!.localPort);
  for (const peer of peers.slice(0, -1)) {
    const heard = () => peer.lines().some((line) => line.startsWith("***") && line.includes(last));
    await until(heard, 5000, `${peer.name} hears the last one join`);
  }
  return peers;
}

describe.each(TRANSPORTS)("over %s", (transport) => {
  const udp = transport === "udp" ? ["--udp"] : [];

  /** Something that holds a port, as another lesson left running would. */
  async function busyPort(): Promise<number> {
    if (transport === "tcp") {
      const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      cleanups.push(() => listener.stop(true));
      return listener.port;
    }
    const sock = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    cleanups.push(() => sock.close());
    return sock.port;
  }

  describe.each(["01", "02", "04"] as const)("lesson %s on a busy port", (lesson) => {
    const extra = lesson === "04" ? ["--exit"] : [];

    test("says the port is in use and suggests --port 0, in one line, and exits 1", async () => {
      const port = await busyPort();
      const args = [...udp, ...extra, "--port", String(port), "--lang", "en"];
      const { code, stdout, stderr } = await runLesson(lesson, args);
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`);
      expect(stderr).toContain("try --port 0");
      expect(stdout).not.toContain("listening");
      expect(code).toBe(1);
    });

    test("says it in Chinese with --lang zh", async () => {
      const port = await busyPort();
      const { code, stderr } = await runLesson(lesson, [...udp, ...extra, "--port", String(port), "--lang", "zh"]);
      expect(stderr).toContain(`无法监听 127.0.0.1:${port}：端口已被占用（EADDRINUSE）`);
      expect(stderr).toContain("试试 --port 0");
      expect(code).toBe(1);
    });
  });

  test('lesson 02 sends no "left" notices after its shutdown notice', async () => {
    const hub = await startHub(transport, "en");
    const peers = await room(transport, hub.port, ["ann", "bo", "cy"]);
    expect(await hub.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    for (const peer of peers) {
      const notice = "*** the hub is shutting down";
      await until(() => peer.lines().includes(notice), 5000, `${peer.name} hears the shutdown notice`);
      if (transport === "tcp") await until(() => peer.closed, 5000, `${peer.name}'s connection is closed`);
      const lines = peer.lines();
      const after = lines.slice(lines.indexOf("*** the hub is shutting down") + 1);
      expect(after).toEqual([]);
    }
  });
});

describe("lesson 02 over udp", () => {
  test.each([
    ["en", "*** goodbye"],
    ["zh", "*** 再见"],
  ] as const)('answers "/quit" with a goodbye line (--lang %s)', async (lang, goodbye) => {
    const hub = await startHub("udp", lang);
    const [ann, bo] = await room("udp", hub.port, ["ann", "bo"]);
    bo!.sendLine("/quit");
    const told = `${goodbye} 127.0.0.1:${bo!.localPort}`;
    await until(
      () => bo!.lines().includes(told),
      5000,
      () => `bo is told goodbye; got ${JSON.stringify(bo!.lines())}`,
    );
    const aboutBo = (line: string) => line.startsWith("***") && line.includes(String(bo!.localPort));
    const leftNotices = () => ann!.lines().filter(aboutBo);
    await until(() => leftNotices().length === 2, 5000, "ann hears that bo left");
  });
});

describe("lesson 03's client when the hub stops", () => {
  test.each([
    ["on one event loop", [], "en", "client: the hub closed the connection"],
    ["with its socket in a Worker", ["--worker"], "en", "client: the hub closed the connection"],
    ["in Chinese", [], "zh", "client: hub 关闭了连接"],
  ] as const)("says so and leaves no prompt behind (%s)", async (_mode, args, lang, last) => {
    const wire = new WireLog();
    const hub = await tcpServer({ name: "hub", wire });
    cleanups.push(() => hub.close());
    const command = kitLesson("03");
    const term = startTerminal({ command, args: [...args, "--lang", lang], port: hub.port, wire, env: kitEnv() });
    cleanups.push(() => term.stop());
    // Once a typed line reaches the hub, the client reads the keyboard and shows its prompt.
    term.type("ready\r");
    await until(
      () => hub.lines().includes("ready"),
      5000,
      () => `the hub gets "ready"; the screen: ${term.screen()}`,
    );
    await until(() => term.screen().trimEnd().endsWith(">"), 5000, "the prompt is shown again");
    hub.close();
    const exit = await exitOf(term);
    expect(exit).toEqual({ code: 0, signal: null });
    // What the terminal got after the last line: nothing visible (a prompt "> " would be).
    const raw = term.raw();
    expect(raw).toContain(last);
    expect(stripAnsi(raw.slice(raw.lastIndexOf(last) + last.length)).trim()).toBe("");
  });
});

describe("lesson 03's client over UDP when the hub stops", () => {
  /** The client in a terminal, against a stand-in UDP hub, once a typed line has reached the hub. */
  async function clientOfUdpHub(lang: "en" | "zh", args: string[] = []) {
    const wire = new WireLog();
    const hub = await udpServer({ name: "hub", wire });
    cleanups.push(() => hub.close());
    const command = kitLesson("03", "udp");
    const term = startTerminal({ command, args: [...args, "--lang", lang], port: hub.port, wire, env: kitEnv() });
    cleanups.push(() => term.stop());
    term.type("ready\r");
    await until(
      () => hub.lines().includes("ready"),
      5000,
      () => `the hub gets "ready"; the screen: ${term.screen()}`,
    );
    await until(() => term.screen().trimEnd().endsWith(">"), 5000, "the prompt is shown again");
    return { hub, term };
  }

  /** What the terminal got after `last`: nothing visible (a prompt "> " would be). */
  const after = (raw: string, last: string) => stripAnsi(raw.slice(raw.lastIndexOf(last) + last.length)).trim();

  test.each([
    ["en", [], "*** the hub is shutting down", "client: the hub has stopped"],
    ["en", ["--worker"], "*** the hub is shutting down", "client: the hub has stopped"],
    ["zh", [], "*** hub 正在关闭", "client: hub 已经停止"],
  ] as const)("(--lang %s %p) ends on the hub's last words, as over TCP on the closed connection", async (...each) => {
    const [lang, args, notice, last] = each;
    const { hub, term } = await clientOfUdpHub(lang, [...args]);
    hub.sendLine(notice);
    const exit = await exitOf(term);
    expect(exit).toEqual({ code: 0, signal: null });
    const raw = term.raw();
    expect(raw).toContain(notice);
    expect(raw).toContain(last);
    expect(after(raw, last)).toBe("");
    expect(raw).not.toContain("--udp"); // never "is the hub running with --udp?": it was
  });

  test.each([
    ["en", "client: 127.0.0.1:PORT no longer answers: the hub has gone (stopped?)"],
    ["zh", "client: 127.0.0.1:PORT 不再回应：hub 已经不在了（停掉了？）"],
  ] as const)("(--lang %s) says the hub has gone once the hub it heard from stops answering; ends", async (...each) => {
    const [lang, says] = each;
    const { hub, term } = await clientOfUdpHub(lang);
    hub.sendLine("<127.0.0.1:5555> hello"); // heard from the hub
    await until(() => term.screen().includes("hello"), 5000, "the client shows the hub's line");
    hub.close(); // gone without a word, as after kill -9
    term.type("anyone?\r"); // bounces: ICMP port unreachable
    const exit = await exitOf(term);
    expect(exit).toEqual({ code: 0, signal: null });
    const last = says.replace("PORT", String(hub.port));
    expect(term.raw()).toContain(last);
    expect(after(term.raw(), last)).toBe("");
    expect(term.raw()).not.toContain("--udp");
  });

  test("before it has heard anything, a bounce means no UDP hub there yet: it says so and keeps running", async () => {
    const wire = new WireLog();
    const hub = await udpServer({ name: "hub", wire });
    const port = hub.port;
    hub.close(); // nothing listens on this port
    const term = startTerminal({ command: kitLesson("03", "udp"), args: ["--lang", "en"], port, wire, env: kitEnv() });
    cleanups.push(() => term.stop());
    term.type("hello?\r");
    const says = `client: nobody answers at 127.0.0.1:${port}: is the hub running with --udp?`;
    await until(
      () => term.screen().includes(says),
      5000,
      () => `the client says nobody answers; ${term.screen()}`,
    );
    expect(term.running).toBe(true);
  });

  test("against lesson 02's hub: Ctrl+C on the hub ends the client", async () => {
    const hub = await startHub("udp", "en");
    const wire = new WireLog();
    const command = kitLesson("03", "udp");
    const term = startTerminal({ command, args: ["--lang", "en"], port: hub.port, wire, env: kitEnv() });
    cleanups.push(() => term.stop());
    await until(
      () => term.screen().includes("*** welcome"),
      5000,
      () => `the client is welcomed; ${term.screen()}`,
    );
    expect(await hub.stop("SIGINT")).toEqual({ code: 0, signal: null });
    const exit = await exitOf(term);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(term.screen()).toContain("*** the hub is shutting down");
    expect(term.screen()).toContain("client: the hub has stopped");
  });
});
