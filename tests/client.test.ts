/**
 * The terminal client, driven as a person drives it: through a real terminal (PTY).
 *
 * Each test starts a real server (`src/server.ts --port 0`), a raw member that
 * speaks the wire protocol by hand (the harness's line client; over UDP, the join
 * handshake of docs/PROTOCOL.md), and `src/client.ts` in a PTY, all in one
 * Session. Everything runs once over TCP and once over UDP.
 *
 * The tests run at once (test.concurrent), each in a Session of its own, four at
 * a time (`inTurn`) so that a busy 2-core machine is not crowded: a test's time
 * limit counts its wait for a turn.
 */
import { describe, expect, test } from "bun:test";
import {
  freePort,
  joinRoom,
  runToEnd,
  Session,
  startChatServer,
  tcpServer,
  udpServer,
  until,
  type Transport,
  chatClientCommand,
  limiter,
} from "../tools/harness/index.ts";

const CLIENT = chatClientCommand();

/** Four tests with programs of their own at once; each test's limit, its wait for a turn included. */
const inTurn = limiter(4);
const IN_TURN_MS = 60_000;

// ---------------------------------------------------------------------------
// A server, a raw client, and the client in a terminal
// ---------------------------------------------------------------------------

/** The kit's server over one transport, on `port` (0: it picks one and says which). */
const startServer = (s: Session, transport: Transport, port = 0) =>
  startChatServer([transport], { port, args: ["--quiet", "--lang", "en"], session: s });

/** A member of the room that speaks the protocol by hand, named `raw`. */
const joinRaw = (s: Session, transport: Transport, port: number) =>
  joinRoom(transport, port, { nick: "raw", ms: 5000, session: s });

/** The client under test, in a terminal, as `kit`. */
function startClient(s: Session, transport: Transport, port: number, extra: string[] = []) {
  const term = s.terminal(CLIENT, transport, {
    args: ["--nick", "kit", "--lang", "en", ...extra],
    port,
    env: { NO_COLOR: "1" },
    cols: 100,
    rows: 30,
  });
  return {
    term,
    /** Everything the client wrote to its terminal, escape sequences and all. */
    get screen() {
      return term.raw();
    },
    type: (keys: string) => term.type(keys),
  };
}

/** A server, `raw` in the room, and `kit` (the client under test) joined. */
async function room(s: Session, transport: Transport) {
  const server = await startServer(s, transport);
  const raw = await joinRaw(s, transport, server.port);
  const kit = startClient(s, transport, server.port);
  await until(() => raw.lines.includes("*** kit joined"), 10_000, "kit to join");
  await until(() => kit.screen.includes("> "), 5000, "the prompt");
  return { server, raw, kit };
}

/** How the client exited, once it has (within 5 s). */
async function exitCode(kit: ReturnType<typeof startClient>): Promise<number | null> {
  await until(() => !kit.term.running, 5000, "the client to exit");
  return (await kit.term.exited).code;
}

// ---------------------------------------------------------------------------

describe.each(["tcp", "udp"] as const)("the terminal client over %s", (transport) => {
  test.concurrent(
    "sends a typed line to the room as <kit> text and shows it as its own line",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { raw, kit } = await room(s, transport);
      kit.type("hello\r");
      await until(() => raw.lines.includes("<kit> hello"), 5000, "<kit> hello at raw");
      await until(() => kit.screen.includes("<kit> hello"), 5000, "<kit> hello on the screen");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "shows /me as an action and sends it as one",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { raw, kit } = await room(s, transport);
      kit.type("/me waves\r");
      await until(() => raw.lines.includes("* kit waves"), 5000, "the action at raw");
      await until(() => kit.screen.includes("* kit waves"), 5000, "the action on the screen");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "shows a line from the room and then redraws the half-typed line",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { raw, kit } = await room(s, transport);
      kit.type("half typ");
      await until(() => kit.screen.includes("half typ"), 5000, "the typed text echoed");
      raw.say("hi kit");
      await until(() => kit.screen.includes("<raw> hi kit"), 5000, "the room's line");
      // After the room's line, readline draws the prompt and what was typed so far again.
      await until(
        () => kit.screen.slice(kit.screen.indexOf("<raw> hi kit")).includes("> half typ"),
        5000,
        "the redraw",
      );
      // The line was kept, not lost: finishing it sends all of it.
      kit.type("ed\r");
      await until(() => raw.lines.includes("<kit> half typed"), 5000, "the finished line at raw");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "never writes an escape sequence from the network to the terminal",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { raw, kit } = await room(s, transport);
      raw.say("evil \x1b]0;pwned\x07 then \x1b[2J and \u009b31m end");
      await until(() => kit.screen.includes(" end"), 5000, "the hostile line");
      expect(kit.screen).toContain("evil \ufffd]0;pwned\ufffd then \ufffd[2J and \ufffd31m end");
      expect(kit.screen).not.toContain("\x1b]");
      expect(kit.screen).not.toContain("\x07");
      expect(kit.screen).not.toContain("\x1b[2J");
      expect(kit.screen).not.toContain("\u009b");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "cleans escape sequences itself even when the server does not",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      // A fake server that sends hostile bytes raw: the client must not trust its server.
      const hostile = "<evil> \x1b]0;pwned\x07 then \x1b[2J end";
      const o = { name: "hub", wire: s.wire, greeting: ["*** welcome, kit! /help lists the commands", hostile] };
      // Over UDP, no challenge: the first line that is not one counts as the welcome.
      const hub = transport === "tcp" ? await tcpServer(o) : await udpServer(o);
      try {
        const kit = startClient(s, transport, hub.port);
        await until(() => kit.screen.includes(" end"), 5000, "the hostile line");
        expect(kit.screen).toContain("<evil> \ufffd]0;pwned\ufffd then \ufffd[2J end");
        expect(kit.screen).not.toContain("\x1b]");
        expect(kit.screen).not.toContain("\x07");
        expect(kit.screen).not.toContain("\x1b[2J");
      } finally {
        hub.close();
      }
    },
    IN_TURN_MS,
  );

  test.concurrent.each([
    ["Ctrl+D", "\x04"],
    ["Ctrl+C", "\x03"],
    ["exit", "exit\r"],
    ["/quit", "/quit\r"],
  ])(
    "leaves the room and exits with code 0 on %s",
    async (_name, keys) => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { raw, kit } = await room(s, transport);
      kit.type(keys);
      expect(await exitCode(kit)).toBe(0);
      expect(kit.screen).toContain("*** bye");
      await until(() => raw.lines.some((l) => /^\*\*\* kit left/.test(l)), 5000, "kit's leave notice");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "says the server went away when it stops, keeps the prompt, and Ctrl+C still leaves",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { server, kit } = await room(s, transport);
      server.proc.kill("SIGTERM");
      await until(() => kit.screen.includes("the server went away"), 10_000, "the client to notice");
      await until(() => kit.screen.includes("reconnecting in 1s"), 5000, "the first retry");
      kit.type("lost?\r");
      await until(() => kit.screen.includes("not connected: the line was not sent"), 5000, "the refusal");
      kit.type("\x03");
      expect(await exitCode(kit)).toBe(0);
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "notices a server that died without a word",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { server, kit } = await room(s, transport);
      await server.stop("SIGKILL");
      // UDP has no connection to lose: only the next datagram bounces ("port
      // unreachable"). A typed line is one; left alone, the heartbeat is another.
      if (transport === "udp") kit.type("anyone there?\r");
      await until(() => kit.screen.includes("the server went away"), 10_000, "the client to notice");
      await until(() => kit.screen.includes("reconnecting in 1s"), 5000, "the first retry");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "reconnects when the server comes back, and asks for its nick again",
    async () => {
      using _turn = await inTurn.turn();
      await using s = new Session();
      const { server, kit } = await room(s, transport);
      server.proc.kill("SIGTERM");
      await until(() => kit.screen.includes("the server went away"), 10_000, "the client to notice");
      await server.proc.exited;
      const again = await startServer(s, transport, server.port);
      const raw = await joinRaw(s, transport, again.port);
      await until(() => kit.screen.split(" is now kit").length >= 3, 10_000, "kit to rejoin as kit");
      kit.type("back\r");
      await until(() => raw.lines.includes("<kit> back"), 5000, "<kit> back at raw");
    },
    IN_TURN_MS,
  );

  test.concurrent(
    "exits with code 1 and one plain line when no server is there",
    async () => {
      // A port that was free a moment ago, and has nobody on it now.
      const port = await freePort(transport);
      const udp = transport === "udp" ? ["--udp"] : [];
      const args = ["--port", String(port), "--lang", "en", ...udp];
      const { stderr, code } = await runToEnd([...CLIENT.argv, ...args], { env: { NO_COLOR: "1" } });
      expect(code).toBe(1);
      expect(stderr).toContain(`cannot reach 127.0.0.1:${port}: connection refused`);
      expect(stderr.trim().split("\n")).toHaveLength(1);
    },
    IN_TURN_MS,
  );
});

describe("the client's command line", () => {
  test.concurrent("turns a bad option value into a short error, without a stack trace", async () => {
    const { stderr, code } = await runToEnd([...CLIENT.argv, "--port", "99999"]);
    expect(code).not.toBe(0);
    expect(stderr).toContain("--port");
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  test.concurrent("lists its options with --help", async () => {
    const { stdout, code } = await runToEnd([...CLIENT.argv, "--help"]);
    expect(code).toBe(0);
    for (const option of ["--udp", "--host", "--port", "--nick", "--lang", "--no-color"]) {
      expect(stdout).toContain(option);
    }
  });
});
