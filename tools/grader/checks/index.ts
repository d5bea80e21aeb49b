/**
 * Every check, one file per lesson, in the order a learner meets them: the first
 * failing check of an exercise is the one its report shows in full.
 */
import type { Check } from "../exam.ts";
import { ECHO_CHECKS } from "./01-echo.ts";
import { HUB_CHECKS } from "./02-hub.ts";
import { CLIENT_CHECKS } from "./03-client.ts";
import { CHAT_CHECKS } from "./04-chat.ts";
import { BRIDGE_CHECKS } from "./06-web-window.ts";

export const CHECKS: readonly Check[] = [
  ...ECHO_CHECKS,
  ...HUB_CHECKS,
  ...CLIENT_CHECKS,
  ...CHAT_CHECKS,
  ...BRIDGE_CHECKS,
];
