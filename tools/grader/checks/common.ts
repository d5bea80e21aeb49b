/**
 * What the checks of several lessons share: the transports a check runs over,
 * a clean stop on SIGTERM, and a room of clients around a hub (lessons 02 and 04).
 */
import type { Peer, Transport } from "../../harness/index.ts";
import type { Check, Exam, ExerciseId } from "../exam.ts";
import type { MisconceptionId } from "../misconceptions.ts";
import { both, type Text } from "../text.ts";

export const BOTH: readonly Transport[] = ["tcp", "udp"];
export const TCP: readonly Transport[] = ["tcp"];
export const UDP: readonly Transport[] = ["udp"];

/**
 * Lesson N's extra: with a few clients connected (`settle` puts them there,
 * answered or not: this check is about the signal only), SIGTERM, and the
 * program exits by itself with code 0 (see stopsCleanly).
 */
export function sigtermCheck(lesson: ExerciseId, reread: Text, settle: (c: Exam) => Promise<void>): Check {
  return {
    id: `${lesson}.sigterm`,
    lesson,
    transports: BOTH,
    extra: true,
    name: both("stops with exit code 0 on SIGTERM", "收到 SIGTERM 时以退出码 0 结束"),
    subject: both("the SIGTERM step", "SIGTERM 这一步"),
    reread,
    async run(c) {
      await c.launch();
      await settle(c);
      c.reached();
      await stopsCleanly(c);
    },
  };
}

/**
 * SIGTERM, and the program exits by itself with code 0: killed once it has sat
 * still (asleep, no CPU used) for two seconds without exiting, or has worked at
 * it for ten. A busy machine slows an exit down; it does not fail it.
 */
async function stopsCleanly(c: Exam) {
  const gone = c.exited();
  if (gone) c.fail(both("the program runs until SIGTERM", "程序一直运行到收到 SIGTERM"), gone, c.symptomsOf([]));
  const exit = await c.program!.stopWhenStill("SIGTERM", 2000, 10_000);
  if (exit.code === 0) return;
  const arrived =
    exit.signal === "SIGTERM"
      ? both(
          "it was ended by SIGTERM itself (status 143): nothing handles the signal",
          "它被 SIGTERM 直接结束（状态 143）：没有处理这个信号",
        )
      : exit.signal === "SIGKILL"
        ? both("it did not stop, and was killed after 2 s still", "它没有停下，静止 2 秒后被强行结束")
        : exit.signal
          ? both(`it was killed by ${exit.signal}`, `它被 ${exit.signal} 结束`)
          : both(`exit code ${exit.code}`, `退出码 ${exit.code}`);
  c.fail(
    both(
      "exit code 0 on SIGTERM (trap the signal, close the sockets, exit)",
      "收到 SIGTERM 后以退出码 0 结束（捕获信号，关闭套接字，退出）",
    ),
    arrived,
    ["ignores-sigterm"],
  );
}

export type RoomOptions = {
  /** How a client joins; by default nothing over TCP, an empty line over UDP. */
  join?: (peer: Peer) => void;
  /** Called while waiting for each line, e.g. to answer a challenge; true when it answered one. */
  tend?: (peer: Peer) => boolean;
};

/**
 * Clients join, and each is surely known to the hub: a line it sends reaches
 * another client (a "ready?" line). It is sent again only when the hub, once it
 * has gone quiet, had asked for something in between (`tend` answered a
 * challenge), so how many are sent does not depend on the machine's speed.
 */
export async function room(c: Exam, names: string[], o: RoomOptions = {}): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const name of names) {
    const peer = await c.client(name);
    if (o.join) o.join(peer);
    else if (c.transport === "udp") peer.sendExact("\n"); // over UDP, a client joins by sending a datagram
    peers.push(peer);
  }
  if (peers.length < 2) return peers;
  for (let i = 0; i < peers.length; i++) {
    const from = peers[i]!;
    const to = peers[(i + 1) % peers.length]!;
    const marker = `ready? ${from.name}`;
    for (let k = 1; ; k++) {
      from.sendExact(`${marker} #${k}\n`);
      let answered = false;
      const arrived = await c.waitOn(() => {
        for (const p of peers) if (o.tend?.(p)) answered = true;
        return to.text().includes(marker);
      });
      if (arrived) break;
      // The hub asked something (a challenge) and was answered: the line it dropped meanwhile goes again.
      if (answered && k < 5 && !c.exited()) continue;
      const back = from.text().includes(marker);
      const nobody = !c.exited() && peers.every((p) => !p.text().includes("ready? "));
      const symptoms: MisconceptionId[] = [...c.missing(to, marker), ...(back ? (["echo-to-sender"] as const) : [])];
      if (nobody) symptoms.push("clients-never-added");
      c.fail(
        both(
          `${to.name} receives the lines ${from.name} sends (${from.name} sent "${marker} #1\\n")`,
          `${to.name} 收到 ${from.name} 发的行（${from.name} 发了 "${marker} #1\\n"）`,
        ),
        c.arrived(to),
        c.symptomsOf(symptoms),
      );
    }
  }
  return peers;
}

/**
 * Follow what `peer` receives as it comes (megabytes: each byte is looked at
 * once), until `count` lines pass `whole`, or the program closed the connection,
 * or nothing more is coming (see Exam.waitOn), or `ms` passed. How many whole
 * lines came, and whether the connection was closed.
 */
export async function wholeLines(
  c: Exam,
  peer: Peer,
  o: { count: number; whole: (line: string) => boolean; ms: number },
): Promise<{ whole: number; closed: boolean }> {
  let read = 0; // how much of peer.text() has been looked at
  let partial = ""; // the line being received
  let whole = 0;
  const readMore = () => {
    const text = peer.text();
    if (text.length === read) return;
    const lines = (partial + text.slice(read)).split("\n");
    read = text.length;
    partial = lines.pop()!;
    whole += lines.filter(o.whole).length;
  };
  await c.waitOn(
    () => {
      readMore();
      return whole >= o.count || peer.closed;
    },
    { ms: o.ms },
  );
  readMore();
  return { whole, closed: peer.closed };
}

/** `from` sends a fresh marker and `to` hears it: what the hub sent `to` before has arrived. */
export async function sync(c: Exam, from: Peer, to: Peer) {
  const marker = `sync-${from.name}-${Math.floor(c.random() * 1e6)}`;
  from.sendExact(marker + "\n");
  await c.hear(to, marker);
}

/** Does `line` name port `port` (as a number of its own: 5123 is not in 51234)? */
export const namesPort = (line: string, port: number) => new RegExp(`(^|\\D)${port}(\\D|$)`).test(line);

/** The notices `who` got that name `about` (by its port, or by `name`). */
export const notices = (who: Peer, about: Peer | string) =>
  who
    .lines()
    .filter(
      (l) => l.startsWith("***") && (typeof about === "string" ? l.includes(about) : namesPort(l, about.localPort)),
    );

/**
 * Give the hub time to see that `who` left: until `to` gets the second notice
 * about it, or nothing more is coming (a hub without notices fails its notices
 * check on its own; here it only costs a short wait).
 */
export async function left(c: Exam, to: Peer, who: Peer | string) {
  await c.waitOn(() => notices(to, who).length >= 2);
}

/**
 * No empty line among what `peer` received, once the program has answered all
 * it was sent: a reply that kept the newline it was given and added its own.
 */
export async function noBlankLines(c: Exam, peer: Peer) {
  await c.settle();
  if (!peer.lines().includes("")) return;
  c.fail(both("no empty line after the replies", "回复后面没有空行"), c.arrived(peer), ["blank-line"]);
}
