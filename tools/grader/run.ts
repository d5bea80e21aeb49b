/**
 * Running checks: each in its own Exam, many at once (they mostly wait on the
 * network), and never more than a fixed number in the whole process, so grading
 * several programs at a time does not swamp a small machine.
 */
import { limiter, runToEnd, seedFor, type Command, type Transport, type WireEvent } from "../harness/index.ts";
import { CHECKS } from "./checks/index.ts";
import { CheckFailure, CouldNotTell, Exam, type Check, type ExerciseId, type GradeOptions } from "./exam.ts";
import { diagnose, type Misconception, type MisconceptionId } from "./misconceptions.ts";
import { both, type Text } from "./text.ts";

/**
 * pass; fail: the check's own subject failed; blocked: an earlier step failed
 * before the subject was reached; unsure: the machine's timing, not the
 * program, decided what was seen (the programs waited for a CPU), so the check
 * could not tell.
 */
export type Status = "pass" | "fail" | "blocked" | "unsure";

export type CheckResult = {
  check: Check;
  transport: Transport;
  status: Status;
  expected?: Text;
  arrived?: Text;
  symptoms: MisconceptionId[];
  notListening?: boolean;
  events: WireEvent[];
  /** What the programs printed and the terminals show; `whose` for a program the grader started itself. */
  outputs: { label: string; kind: "output" | "screen"; text: string; whose?: Text }[];
  seed: number;
  ms: number;
};

export type Verdict = {
  exercise: ExerciseId;
  transports: Transport[];
  results: CheckResult[];
  /** Every check that counts passed (an extra may fail). */
  ok: boolean;
  misconceptions: Misconception[];
};

/** At most this many checks at once in the whole process: grading several programs does not swamp a small machine. */
const slot = limiter(16);

/** The checks of an exercise over one transport, in catalogue order. */
export const checksFor = (id: ExerciseId, transport: Transport): Check[] =>
  CHECKS.filter((k) => k.lesson === id && k.transports.includes(transport));

/** Run one check when there is room for it (see slot); never throws. */
export const runCheckInTurn = (check: Check, transport: Transport, o: GradeOptions): Promise<CheckResult> =>
  slot(() => runCheck(check, transport, o));

const pythons = new Map<string, Promise<string>>();

/**
 * The command as run: a `python3` that is a version manager's shim (pyenv's is
 * a shell script that runs several programs on every start, seconds on a busy
 * machine) becomes the interpreter it starts, asked once. Shown as given.
 */
export async function direct(command: Command): Promise<Command> {
  const [first, ...rest] = command.argv;
  if (!first || !/^python3?$/.test(first) || !Bun.which(first)?.includes("/shims/")) return command;
  let exe = pythons.get(first);
  if (!exe) {
    exe = runToEnd([first, "-c", "import sys; print(sys.executable)"]).then((r) => r.stdout.trim() || first);
    pythons.set(first, exe);
  }
  return { ...command, argv: [await exe, ...rest] };
}

/** Run one check; never throws. */
export async function runCheck(check: Check, transport: Transport, o: GradeOptions): Promise<CheckResult> {
  const c = new Exam(
    transport,
    { ...o, command: await direct(o.command) },
    seedFor(o.seed, `${check.id}/${transport}`),
  );
  const started = performance.now();
  const base = { check, transport, seed: o.seed };
  const story = () => ({
    events: [...c.wire.events],
    outputs: c.outputs(15).map(({ label, kind, text, of }) => ({ label, kind, text, whose: c.helpers.get(of) })),
    ms: performance.now() - started,
  });
  try {
    await check.run(c);
    // Passed, but only because the machine was slow where it mattered: could not tell.
    if (c.doubts.length > 0) return { ...base, status: "unsure", arrived: c.doubts[0], symptoms: [], ...story() };
    return { ...base, status: "pass", symptoms: [], events: [], outputs: [], ms: performance.now() - started };
  } catch (err) {
    const f =
      err instanceof CheckFailure
        ? err
        : new CheckFailure(
            both("the check to finish", "检查能运行完"),
            both(`an error: ${(err as Error).message}`, `出错：${(err as Error).message}`),
          );
    if (f instanceof CouldNotTell) return { ...base, status: "unsure", arrived: f.arrived, symptoms: [], ...story() };
    await Bun.sleep(20); // let the last bytes in flight land in the timeline
    const blocked = Boolean(check.subject) && !c.atSubject && !f.notListening;
    return {
      ...base,
      status: blocked ? "blocked" : "fail",
      expected: f.expected,
      arrived: f.arrived,
      // What the check saw first; what the program printed only when the check saw nothing.
      symptoms: f.symptoms.length > 0 ? [...new Set(f.symptoms)] : c.symptomsInOutput(),
      notListening: f.notListening,
      ...story(),
    };
  } finally {
    await c.close(300); // a clean stop is the SIGTERM check's business, not every check's
  }
}

/**
 * Run checks, all at once (within slot's limit); results in the order given. Per
 * transport, the checks share a launch gate: a program that never listens is
 * waited for once, not once per check.
 */
export async function runChecks(
  list: { check: Check; transport: Transport }[],
  o: GradeOptions,
): Promise<CheckResult[]> {
  const gates = new Map<Transport, NonNullable<GradeOptions["gate"]>>();
  const gate = (t: Transport) => gates.get(t) ?? gates.set(t, {}).get(t)!;
  return Promise.all(
    list.map(({ check, transport }) => slot(() => runCheck(check, transport, { ...o, gate: gate(transport) }))),
  );
}

/** Grade a program as an exercise over the given transports (by default, all of its own). */
export async function gradeExercise(
  id: ExerciseId,
  transports: readonly Transport[],
  o: GradeOptions,
): Promise<Verdict> {
  const list = transports.flatMap((transport) => checksFor(id, transport).map((check) => ({ check, transport })));
  const results = await runChecks(list, o);
  return verdictOf(id, [...transports], results);
}

export function verdictOf(id: ExerciseId, transports: Transport[], results: CheckResult[]): Verdict {
  const ok = results.every((r) => r.status === "pass" || r.check.extra);
  const first = firstFailing({ results });
  const misconceptions = first && !first.check.extra ? diagnose(first.symptoms, id) : [];
  return { exercise: id, transports, results, ok, misconceptions };
}

/**
 * The check a learner should look at first: a core check before an extra, its
 * own failure before a blocked one, and among those the first that names a
 * misconception (the catalogue's order is the learner's order too).
 */
export function firstFailing(v: Pick<Verdict, "results">): CheckResult | undefined {
  // A check that could not tell comes last: anything that surely failed is told first.
  const all = v.results.filter((r) => r.status !== "pass");
  const bad = [...all.filter((r) => r.status !== "unsure"), ...all.filter((r) => r.status === "unsure")];
  const named = (r: CheckResult) => diagnose(r.symptoms).length > 0;
  const core = bad.filter((r) => !r.check.extra);
  const own = core.filter((r) => r.status === "fail");
  return own.find(named) ?? own[0] ?? core[0] ?? bad.find((r) => r.status === "fail") ?? bad[0];
}

/** Every misconception seen in any failing check, each once. */
export const allMisconceptions = (v: Verdict): Misconception[] =>
  diagnose(
    v.results.flatMap((r) => r.symptoms),
    v.exercise,
  );
