// Loaded before every test file (see bunfig.toml).
//
// Socket tests start real servers and child processes: give them room on a
// slow 2-core machine, 20 s a test unless it says otherwise. Bun 1.4.5 ignores
// a timeout set in bunfig.toml, and keeps a preload's setDefaultTimeout() for
// the first test file only (every later file was back on 5 s:
// oven-sh/bun#43787). So each test file, as it is loaded, starts with its own
// call, put on its first line so that line numbers stay as written.
//
// The tests must not depend on the machine's locale. The kit's programs speak
// the locale's language when none is chosen, and the tests read what they say
// in English unless a test asks for Chinese (with --lang, or by passing LANG
// itself). So the locale is made neutral here, for this process and every
// program it starts: LANG=C.UTF-8, LC_ALL and LC_MESSAGES empty.
//
// The person's own language is kept first, in CHAT_KIT_LANG=en|zh (their
// locale's, as src/i18n.ts's langFromEnv reads it): for what is written for
// them rather than checked by a test. The grader's workspace runner, which runs
// `bun test` on a learner's exercises, speaks it. A `bun test` started by
// another keeps the CHAT_KIT_LANG it was given.
//
// Bun.spawn and Bun.spawnSync without `env` pass on the environment this process
// started with, not process.env as changed here (Bun 1.4.5): a test that starts
// a program passes `env` (the harness's startProgram, startTerminal and runToEnd
// always do).
import { plugin } from "bun";
import { setDefaultTimeout } from "bun:test";
import { langFromEnv } from "../src/i18n.ts";

/** Every test's time unless it gives its own. */
export const TEST_TIMEOUT_MS = 20_000;

setDefaultTimeout(TEST_TIMEOUT_MS);
plugin({
  name: "a test timeout for every test file",
  setup(build) {
    build.onLoad({ filter: /\.test\.[cm]?[jt]sx?$/ }, async ({ path }) => ({
      contents:
        `import { setDefaultTimeout as kitTestTimeout } from "bun:test"; kitTestTimeout(${TEST_TIMEOUT_MS}); ` +
        (await Bun.file(path).text()),
      loader: path.endsWith("x") ? (/\.jsx$/.test(path) ? "jsx" : "tsx") : /\.[cm]?js$/.test(path) ? "js" : "ts",
    }));
  },
});

process.env.CHAT_KIT_LANG ||= langFromEnv(process.env);
Object.assign(process.env, { LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" });
