/**
 * A flood past one reader that stopped reading: megabytes, paced so the others
 * keep up, to catch a hub whose send waits for one slow client (lesson 02).
 */
import type { Peer } from "../../harness/index.ts";
import { kernelCapacity } from "../../harness/kernel.ts";
import type { Exam } from "../exam.ts";
import { both } from "../text.ts";
import { wholeLines } from "./common.ts";

/**
 * `slow` stops reading while `from` sends enough to fill its socket buffers and
 * more (megabytes, in lines of 1000 bytes, under any hub's line limit), in
 * batches that `to` keeps up with; then a last line from `from` must still reach
 * `to`. A hub that waits for `slow` to take its bytes (a blocking sendall(), an
 * awaited write) stops there for everyone. Then `slow` reads again, and must get
 * every line whole, unless the hub dropped it (that is fine): a hub that ignores
 * how much write() took has lost some.
 */
export async function floodPastOneReader(c: Exam, from: Peer, to: Peer, slow: Peer) {
  slow.hold(true);
  const LINE = 1000;
  const BATCH = 200;
  const count = Math.ceil(((await kernelCapacity()) + 2 * 1024 * 1024) / LINE);
  const body = "y".repeat(LINE - 12);
  const line = (i: number) => `flood ${String(i).padStart(5, "0")} ${body}`;
  const marker = `after the flood ${Math.floor(c.random() * 1e6)}`;
  // Megabytes arrive: follow what `to` receives in the wire log, reading each event once.
  const decoder = new TextDecoder();
  let next = 0;
  let tail = "";
  let lines = 0;
  const follow = () => {
    const events = c.wire.events;
    while (next < events.length) {
      const e = events[next++]!;
      if (e.peer !== to.name || e.kind !== "recv" || !e.bytes) continue;
      const text = decoder.decode(e.bytes, { stream: true });
      tail = (tail + text).slice(-8192);
      lines += text.split("flood ").length - 1;
      return true;
    }
    return false;
  };
  const fail = (sent: number, text: string) => {
    const gone = c.exited();
    // Every line came, but not this one whole: cut up (one read taken as one line), not stalled.
    const mangled = lines >= sent;
    c.fail(
      both(
        `${to.name} keeps receiving while ${slow.name} reads nothing: ${from.name}'s ${count} lines, then "${marker}"`,
        `${slow.name} 什么也不读时，${to.name} 照常收到：${from.name} 的 ${count} 行，然后是 "${marker}"`,
      ),
      both(
        `${to.name} received ${lines} of the ${sent} lines sent so far, ` +
          `then nothing more, with the hub asleep${gone ? `; ${gone.en}` : ""}`,
        `已发出 ${sent} 行，${to.name} 只收到 ${lines} 行，之后 hub 睡着了，什么也没有再来${gone ? `；${gone.zh}` : ""}`,
      ),
      gone ? [] : mangled ? ["one-read-one-message"] : ["blocking-send"],
    );
  };
  /** Wait until `to` has received `text`, as long as anything moves (see Exam.waitOn). */
  const hearWhileMoving = async (text: string, sent: number) => {
    let heard = false;
    const done = () => {
      while (!heard && follow()) heard = tail.includes(text);
      return heard;
    };
    if (!(await c.waitOn(done, { ms: Infinity }))) fail(sent, text);
  };
  for (let at = 0; at < count; at += BATCH) {
    const end = Math.min(count, at + BATCH);
    from.sendExact(Array.from({ length: end - at }, (_, k) => line(at + k)).join("\n") + "\n");
    await hearWhileMoving(line(end - 1), end);
  }
  from.sendExact(marker + "\n");
  await hearWhileMoving(marker, count);
  // `slow` reads again: it gets every line whole, or the hub let it go. A hub that
  // wrote what the kernel would not take and never wrote the rest lost lines.
  slow.hold(false);
  const got = await wholeLines(c, slow, {
    count,
    whole: (l) => l.endsWith(body) && /flood \d{5} y+$/.test(l),
    ms: c.waitMs + 3000,
  });
  if (got.whole >= count || got.closed || c.exited()) return;
  c.fail(
    both(
      `${slow.name}, reading again, gets all ${count} lines whole, or is disconnected ` +
        "(a hub may let go of a client that falls too far behind)",
      `${slow.name} 重新读取后完整地收到全部 ${count} 行，或者被断开（hub 可以放弃一个落后太多的客户端）`,
    ),
    both(
      `${slow.name} got ${got.whole} of the ${count} lines whole and is still connected: the rest were lost`,
      `${slow.name} 只完整收到 ${count} 行中的 ${got.whole} 行，而且仍然连着：其余的丢了`,
    ),
    ["writes-assumed-complete"],
  );
}
