/**
 * Lesson 03, the chat client, driven through a real terminal (PTY) as a person
 * would drive it, against a stand-in hub that records what it receives.
 * Grade another program with LESSON_03_CMD="python3 my_client.py" (see harness.ts).
 * The `--worker` variant is the kit's own, so it is checked only without LESSON_03_CMD.
 *
 * Format-tolerant: any prompt, any banner; a line from the hub only has to appear
 * on the screen. Strict on behaviour: typing and receiving at the same time, the
 * half-typed line survives, no raw control characters, clean exits.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Session, TRANSPORTS, type FakeServer, type TerminalProgram, type Transport } from "../../tools/harness/index.ts";

let s: Session;
beforeEach(() => {
  s = new Session();
});
afterEach(() => s.close());

const MODES = [
  { mode: process.env.LESSON_03_CMD ? "as LESSON_03_CMD runs it" : "on one event loop", args: [] as string[] },
  ...(process.env.LESSON_03_CMD ? [] : [{ mode: "with its socket in a Worker", args: ["--worker"] }]),
];

/** Type a line and wait until the stand-in hub has it. */
async function typeLine(hub: FakeServer, term: TerminalProgram, text: string) {
  term.type(`${text}\r`);
  await s.until(() => hub.lines().includes(text), `the hub receives the typed line ${JSON.stringify(text)}`);
}

/**
 * A stand-in hub, and the client under test in a terminal, ready to type into.
 * Ready means a first typed line has reached the hub: only then is the program
 * surely reading the keyboard itself (keys typed earlier are echoed by the
 * terminal, not by the program). Over UDP it also tells the hub our address.
 */
async function clientOf(transport: Transport, args: string[]): Promise<{ hub: FakeServer; term: TerminalProgram }> {
  const hub = await s.serve(transport);
  const term = s.terminal("03", transport, { port: hub.port, args });
  await typeLine(hub, term, "ready");
  return { hub, term };
}

describe.each(TRANSPORTS)("lesson 03 client over %s", (transport) => {
  describe.each(MODES)("$mode", ({ args }) => {
    test("sends a typed line to the hub and prints a line from the hub", async () => {
      const { hub, term } = await clientOf(transport, args);
      await typeLine(hub, term, "hello, hub 你好");
      hub.sendLine("<127.0.0.1:5555> hello, client");
      await s.until(() => term.screen().includes("hello, client"), "the client prints the hub's line");
    });

    test("keeps a half-typed line when a message arrives, and shows it again", async () => {
      const { hub, term } = await clientOf(transport, args);
      term.type("half-typ");
      await s.until(() => term.screen().includes("half-typ"), "the typed text appears on the screen");
      hub.sendLine("an interruption");
      await s.until(() => term.screen().includes("an interruption"), "the client prints the hub's line");
      await s.until(
        () => term.screen().split("an interruption").pop()!.includes("half-typ"),
        "the half-typed text is shown again after the printed line",
      );
      term.type("ed line\r");
      await s.until(() => hub.lines().includes("half-typed line"), 'the hub receives the whole line "half-typed line"');
    });

    test("shows control characters from the network as visible marks, never raw", async () => {
      const { hub, term } = await clientOf(transport, args);
      hub.sendLine("evil \x1b[31mred\x1b]0;owned\x07 \u202Eabc \x9b2J end");
      await s.until(() => term.screen().includes(" end"), "the client prints the hostile line");
      const raw = term.raw();
      for (const [bad, what] of [
        ["\x1b[31m", "a colour escape"],
        ["\x1b]0;", "a window-title escape"],
        ["\x07", "a bell"],
        ["\u202E", "a right-to-left override"],
        ["\x9b", "a C1 control"],
      ] as const) {
        s.check(!raw.includes(bad), `the client printed ${what} raw`);
      }
      s.check(term.screen().includes("red"), "the text around the controls should still be shown");
    });

    test.each([
      ["Ctrl+D", "\x04"],
      ["Ctrl+C", "\x03"],
      ['"exit"', "exit\r"],
    ])("leaves cleanly on %s", async (_key, keys) => {
      const { hub, term } = await clientOf(transport, args);
      term.type(keys);
      const exit = await s.until(async () => !term.running && (await term.exited), "the client exits", 5000);
      expect(exit).toEqual({ code: 0, signal: null });
      if (transport === "tcp") await s.until(() => hub.closedClients === 1, "the hub sees the connection close");
      else await s.until(() => hub.lines().includes("/quit"), 'the client tells the UDP hub "/quit"');
    });
  });

  test("talks to lesson 02's hub together with another client", async () => {
    const hubProgram = await s.start("02", transport);
    const other = await s.connect(transport, hubProgram.port, "other");
    if (transport === "udp") other.sendLine(""); // join
    const term = s.terminal("03", transport, { port: hubProgram.port });
    // The other client hears a second client join (TCP: on connect; UDP: on its hello or first line).
    term.type("anyone there?\r");
    await s.until(() => other.lines().some((line) => line.includes("anyone there?")), "the other client receives the typed line");
    other.sendLine("yes, me");
    await s.until(() => term.screen().includes("yes, me"), "the client prints the other client's line");
  });
});
