/**
 * Conversations to draw, written by hand: a chat hub checked with three
 * clients, every kind of flow and mark in it, and a program that answers with
 * markup (a reply the page must show as text, never run); a benchmark's
 * figures; a class graded.
 */
import type { Lang } from "../../src/i18n.ts";
import type { BigRoomResult } from "../../tools/bench/bigroom.ts";
import { Histogram } from "../../tools/bench/histogram.ts";
import type { LoadResult } from "../../tools/bench/load.ts";
import { benchPage } from "../../tools/bench/page.ts";
import type { Row } from "../../tools/bench/report.ts";
import type { ClassInfo } from "../../tools/classroom/class-md.ts";
import { catalogue, type CheckOutcome, type ExerciseOutcome } from "../../tools/classroom/grading.ts";
import { gradesOf } from "../../tools/classroom/grades.ts";
import type { StudentResult } from "../../tools/classroom/pool.ts";
import { readRubric } from "../../tools/classroom/rubric.ts";
import type { Student } from "../../tools/classroom/submissions.ts";
import { toRecord } from "../../tools/wire/record.ts";
import type { Flow, Sequence } from "../../tools/wire/model.ts";

/** A reply that would run code if a page put it in as markup. */
export const HOSTILE = `<script>document.title="owned"</script><img src=x onerror="document.title='owned'"><b>bold</b>`;

const bytes = (text: string) => new TextEncoder().encode(text);

/** A hub checked with three clients: split and merged writes, a markup reply (the divergence), a reset, an exit. */
export function hubSequence(lang: Lang): Sequence {
  const zh = lang === "zh";
  const [a, b, c] = zh ? ["小红", "老李", "小王"] : ["alice", "bob", "carol"];
  const flows: Flow[] = [
    { at: 3.1, kind: "connect", from: "a", to: "p" },
    { at: 3.4, kind: "connect", from: "b", to: "p" },
    { at: 3.9, kind: "connect", from: "c", to: "p" },
    {
      at: 5.0,
      kind: "write",
      from: "a",
      to: "p",
      bytes: bytes(zh ? "大家" : "hel"),
      marks: [{ kind: "split", part: 1, of: 2 }],
    },
    {
      at: 6.2,
      kind: "write",
      from: "a",
      to: "p",
      bytes: bytes(zh ? "好\n" : "lo\n"),
      marks: [{ kind: "split", part: 2, of: 2 }],
    },
    { at: 7.5, kind: "read", from: "p", to: "b", bytes: bytes(zh ? `<${a}> 大家好\n` : `<${a}> hello\n`) },
    { at: 8.0, kind: "read", from: "p", to: "c", bytes: bytes(HOSTILE + "\n") },
    {
      at: 9.2,
      kind: "write",
      from: "b",
      to: "p",
      bytes: bytes(zh ? "第一行\n第二行\n" : "first line\nsecond line\n"),
      marks: [{ kind: "merged", lines: 2 }],
    },
    { at: 12.0, kind: "read", from: "p", to: "a", bytes: bytes("x".repeat(3000) + "\n") },
    { at: 14.0, kind: "note", from: "c", text: zh ? "我们停止读取" : "we stop reading" },
    { at: 20.5, kind: "rst", from: "b", to: "p" },
    { at: 21.0, kind: "fin", from: "p", to: "a" },
    { at: 760.0, kind: "exit", from: "p", text: zh ? "你的程序退出了（退出码 1）" : "your program exited with code 1" },
  ];
  return {
    title: zh ? "把一行转发给其他每个成员" : "relays a line to every other member",
    parties: [
      { id: "p", name: zh ? "你的程序" : "your program", kind: "program" },
      { id: "a", name: a, kind: "grader" },
      { id: "b", name: b, kind: "grader" },
      { id: "c", name: c, kind: "grader" },
    ],
    flows,
    divergence: {
      flow: 6,
      party: "c",
      expected: zh ? `${c} 收到一行包含 "<${a}> 大家好" 的内容` : `${c} receives a line containing "<${a}> hello"`,
    },
  };
}

/** A UDP echo over one client: a duplicate, a reordered datagram, and the answer that never came. */
export function udpSequence(lang: Lang): Sequence {
  const zh = lang === "zh";
  return {
    title: zh ? "回显每个数据报" : "echoes every datagram",
    parties: [
      { id: "p", name: zh ? "你的程序" : "your program", kind: "program" },
      { id: "a", name: "alice", kind: "grader" },
    ],
    flows: [
      { at: 1, kind: "note", from: "a", text: "udp 127.0.0.1:40000" },
      { at: 2, kind: "datagram", from: "a", to: "p", bytes: bytes("one\n") },
      { at: 2.1, kind: "datagram", from: "a", to: "p", bytes: bytes("one\n"), marks: [{ kind: "duplicate" }] },
      { at: 5, kind: "datagram", from: "a", to: "p", bytes: bytes("three\n") },
      { at: 5.3, kind: "datagram", from: "a", to: "p", bytes: bytes("two\n"), marks: [{ kind: "reordered" }] },
      { at: 6, kind: "datagram", from: "p", to: "a", bytes: bytes("one\n") },
    ],
    divergence: { party: "a", expected: zh ? `alice 收到 "two"` : `alice receives "two"` },
    end: { at: 3006, text: zh ? "等了 3 秒" : "waited 3 s" },
  };
}

/** A measurement: `perS` deliveries a second, latencies (ms) drawn from `ms`. */
function row(scenario: string, target: string, perS: number, ms: number[], extra: Partial<LoadResult> = {}): Row {
  const latency = new Histogram();
  for (const m of ms) latency.record(m * 1000);
  const res = {
    config: { transport: "tcp" },
    delivered: 1000,
    deliveriesPerS: perS,
    latency: latency.summary(),
    ...extra,
  } as LoadResult;
  return { scenario, target, variant: "", res };
}

const BIGROOM: BigRoomResult = {
  members: 10_000,
  joinSeconds: 12,
  closedByHub: 0,
  hubStartKiB: 40_000,
  rssAfterJoinsKiB: 70_000,
  rssSettledKiB: 69_000,
  rssPeakKiB: 80_000,
  firstMemberJoinBytes: 0,
  firstMemberJoinNotices: 0,
  firstMemberSummaries: 0,
  lines: 20,
  missing: 0,
  genCpuPct: 50,
} as BigRoomResult;

/** The benchmark's page, from figures written by hand: two scenarios, a big room, idle connections. */
export function benchSample(lang: "en" | "zh"): string {
  const idle = row("idle", "kit", 0, [], {
    delivered: 0,
    idle: [
      { clients: 1000, hubRssKiB: 42_500 },
      { clients: 10_000, hubRssKiB: 65_000 },
    ],
  });
  idle.hubStartKiB = 40_000;
  return benchPage({
    rows: [
      row("burst", "lesson02", 214_000, [0.5, 3, 20, 400]),
      row("burst", "kit <b>", 9_500_000, [0.2, 0.4, 1.5, 3]),
      row("rate", "kit", 245_000, [0.1, 0.3, 0.7, 1.58]),
      idle,
    ],
    ratios: [{ scenario: "burst", value: 44.4, text: "burst: kit 9,500,000 / lesson02 214,000 deliveries/s = 44.39x" }],
    goals: ["burst: >= 5x lesson02 in the same run: met (44.39x)"],
    bigrooms: [{ scenario: "bigroom", result: BIGROOM }],
    seconds: 163,
    lang,
  });
}

/** Exercise 01 graded: every check passes but those in `failing` ("01.reply/tcp"), drawn from `wire`. */
function outcome(failing: string[], why: string[], wire: Sequence): ExerciseOutcome {
  const checks: CheckOutcome[] = catalogue()
    .filter((k) => k.exercise === "01")
    .flatMap((k) =>
      k.transports.map((transport) => {
        const bad = failing.includes(`${k.check}/${transport}`);
        return {
          check: k.check,
          transport,
          name: k.name,
          extra: k.extra,
          verdict: bad ? ("fail" as const) : ("pass" as const),
          blocked: false,
          misconceptions: bad ? why : [],
          expected: bad
            ? { en: `carol receives a line containing "<alice> hello"`, zh: `小王 收到一行包含 "<小红> 大家好" 的内容` }
            : undefined,
          arrived: bad
            ? { en: `carol received ${JSON.stringify(HOSTILE)}`, zh: `小王 收到了 ${JSON.stringify(HOSTILE)}` }
            : undefined,
          timeline: bad ? '   1.0 ms  alice  ->     "hello\\n"' : "",
          wire: bad ? toRecord(wire) : undefined,
          ms: 10,
        };
      }),
    );
  return { exercise: "01", passed: failing.length === 0, checks, misconceptions: why, limits: [], report: "", seed: 7 };
}

/** A class of four: one passes, one fails with a drawn wire (a markup reply), one handed nothing in, one stopped. */
export function classSample(lang: Lang): ClassInfo {
  const student = (id: string, files: Student["files"] = { "01": `/class/${id}/01-echo.py` }): Student => ({
    id,
    dir: `/class/${id}`,
    files,
    notes: [],
  });
  const result = (s: Student, outcomes: ExerciseOutcome[], stopped?: StudentResult["stopped"]): StudentResult => ({
    student: s,
    seed: 7,
    outcomes,
    stopped,
    ms: 100,
  });
  const grades = gradesOf(
    [
      [
        result(student("alice"), [outcome([], [], hubSequence(lang))]),
        result(student("李雷"), [
          outcome(["01.reply/tcp", "01.split/tcp"], ["one-read-one-message"], hubSequence(lang)),
        ]),
        result(student('<img src=x onerror="document.title=1">'), [
          outcome(["01.reply/udp"], ["udp-like-tcp", "one-read-one-message"], udpSequence(lang)),
        ]),
        result(student("empty", {}), []),
        result(student("oscar"), [], { how: "ended", detail: "killed by SIGKILL" }),
      ],
    ],
    readRubric(),
    ["01", "02"],
    ["tcp", "udp"],
  );
  return {
    grades,
    exercises: ["01", "02"],
    transports: ["tcp", "udp"],
    lang,
    seed: 1,
    sandboxed: true,
    runs: 1,
    seconds: 42,
  };
}
