/**
 * A black-box harness for the lessons, and for any program (in any language) that
 * claims to do a lesson's job: start it, wait until it listens, talk to it over TCP
 * or UDP the way `nc` would, and record every byte that crosses the wire.
 *
 * Which program is tested is one setting per lesson:
 *
 *   LESSON_01_CMD="python3 my_echo.py" bun test tests/lessons/01-echo.test.ts
 *
 * The value is split into words like a shell would (quotes and backslashes, no
 * variables or globs). Without it, the kit's own `bun lessons/0N-*.ts` runs. For
 * the UDP checks `--udp` is appended; every server also gets `--port N` and the
 * environment variable `PORT=N`, so a program may read either.
 *
 * One file per job, each usable on its own, all exported from here:
 *   command.ts       shellWords, programCommand, lessonCommand: which command to run
 *   ports.ts         freePort, waitUntilListening: ports and readiness (no fixed sleeps)
 *   activity.ts      activity, taken, freeze: what a program is doing, to wait on evidence instead of time
 *   program.ts       startProgram / Program: a server under test, its output; runToEnd: any program, to its end
 *   children.ts      killAtExit, diesWithUs: no program the harness starts outlives this process
 *   proc.ts          readMemory, readCpuSeconds, readOpenFds: a process's figures from /proc
 *   terminal.ts      startTerminal / TerminalProgram: an interactive program in a real PTY
 *   clients.ts       tcpClient, udpClient, connectPeer (Peer): the one line client, like `nc` and `nc -u`
 *   chat.ts          ChatClient, joinRoom, udpJoin: the chat protocol's words over a Peer
 *   fake-servers.ts  tcpServer, udpServer (FakeServer): a stand-in hub for a client under test
 *   wire.ts          WireLog, escapeBytes: the timeline of every byte, for reports
 *   until.ts         until, untilSteady, pause: waiting
 *   limiter.ts       limiter: at most n jobs at once
 *   random.ts        mulberry32, seedFor: seeded randomness that a seed replays
 *   redis.ts         startRedis: a redis-server of our own, for linked hubs
 *   session.ts       Session: all of the above for one test (or one grader check), closed at its end
 *   tool-args.ts     toolArgs, usageError: the command line of the kit's own tools (bench, soak)
 *   browser.ts       launchBrowser / Browser / Page, needBrowser: a headless Chromium for the kit's pages
 *                    (browser-page.ts a page, browser-cdp.ts DevTools over browser-websocket.ts,
 *                    browser-png.ts screenshots, browser-processes.ts which processes are ours)
 */
export * from "./activity.ts";
export * from "./browser.ts";
export * from "./chat.ts";
export * from "./children.ts";
export * from "./clients.ts";
export * from "./command.ts";
export * from "./fake-servers.ts";
export * from "./limiter.ts";
export * from "./ports.ts";
export * from "./proc.ts";
export * from "./program.ts";
export * from "./random.ts";
export * from "./redis.ts";
export * from "./session.ts";
export * from "./terminal.ts";
export * from "./tool-args.ts";
export * from "./until.ts";
export * from "./wire.ts";
