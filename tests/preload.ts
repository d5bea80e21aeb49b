// Loaded before every test file (see bunfig.toml).
//
// Socket tests start real servers and child processes: give them room on a
// slow 2-core machine. Bun ignores a timeout set in bunfig.toml, hence here.
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
import { setDefaultTimeout } from "bun:test";
import { langFromEnv } from "../src/i18n.ts";

setDefaultTimeout(20_000);

process.env.CHAT_KIT_LANG ||= langFromEnv(process.env);
Object.assign(process.env, { LANG: "C.UTF-8", LC_ALL: "", LC_MESSAGES: "" });
