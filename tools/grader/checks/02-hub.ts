/**
 * Lesson 02's checks: a hub that relays each line to every other client, names
 * the sender by host:port, and announces joining and leaving, over TCP and UDP.
 *
 * Past 400 lines: one file of checks per lesson, in the order the lesson teaches.
 */
import { CheckFailure, CouldNotTell, type Check } from "../exam.ts";
import type { MisconceptionId } from "../misconceptions.ts";
import { both } from "../text.ts";
import { BOTH, left, noBlankLines, notices, room, sigtermCheck, sync, TCP, UDP } from "./common.ts";
import { floodPastOneReader } from "./flood.ts";

/** The --idle of lesson 02's idle check, in seconds: twice as long as a busy machine's longest pause we allow for. */
const IDLE_S = 1;

export const HUB_CHECKS: Check[] = [
  {
    id: "02.relay",
    lesson: "02",
    transports: BOTH,
    name: both("delivers a line to every other client", "把一行发给其他每个客户端"),
    reread: both(
      "lessons/02-hub.ts §2 and §3: the clients table, join() and broadcast()",
      "lessons/02-hub.ts §2 和 §3：clients 表、join() 和 broadcast()",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      ann!.sendLine("hello, everyone");
      await c.hear(bo!, "hello, everyone");
      await c.hear(cy!, "hello, everyone");
      await noBlankLines(c, bo!);
    },
  },
  {
    id: "02.no-echo",
    lesson: "02",
    transports: BOTH,
    name: both("never sends a line back to its sender", "从不把一行发回给它的发送者"),
    reread: both(
      "lessons/02-hub.ts §2: broadcast(line, from) skips `from`",
      "lessons/02-hub.ts §2：broadcast(line, from) 跳过 `from`",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendExact("only for the others\n"); // one write: this check is about where the line goes
      await c.hear(bo!, "only for the others", {
        symptoms: () => (ann!.text().includes("only for the others") ? ["echo-to-sender"] : []),
      });
      await sync(c, bo!, ann!);
      if (ann!.text().includes("only for the others")) {
        c.fail(
          both("ann does not get her own line back", "ann 不会收到自己发的那一行"),
          c.arrived(ann!, "only for the others"),
          ["echo-to-sender"],
        );
      }
    },
  },
  {
    id: "02.names",
    lesson: "02",
    transports: BOTH,
    name: both("names the sender of each line by its host:port", "用 host:port 标明每一行的发送者"),
    reread: both(
      'lessons/02-hub.ts §3: receive(), each line sent as "<host:port> line"',
      'lessons/02-hub.ts §3：receive()，每一行以 "<host:port> 那一行" 发出',
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendLine("who said this?");
      const line = await c.hear(bo!, "who said this?");
      if (!line.includes(String(ann!.localPort))) {
        c.fail(
          both(`ann's port ${ann!.localPort} in the relayed line`, `转发的行里有 ann 的端口 ${ann!.localPort}`),
          both(JSON.stringify(line), JSON.stringify(line)),
          ["no-sender-name"],
        );
      }
    },
  },
  {
    id: "02.notices",
    lesson: "02",
    transports: BOTH,
    name: both('announces joining and leaving with lines starting "***"', '用以 "***" 开头的行通知加入和离开'),
    reread: both(
      "lessons/02-hub.ts §3 join() and leave(); §4 hear() and forget() over UDP",
      "lessons/02-hub.ts §3 join() 和 leave()；UDP 上是 §4 hear() 和 forget()",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      const port = bo!.localPort;
      await c.waitFor(
        () => notices(ann!, bo!).length >= 1,
        both(
          `ann gets a "*** ..." line naming bo's port ${port} (joined)`,
          `ann 收到一行 "*** ..."，写着 bo 的端口 ${port}（加入）`,
        ),
        () => c.arrived(ann!),
      );
      await sync(c, bo!, ann!);
      if (notices(ann!, bo!).length !== 1) {
        c.fail(
          both(
            `exactly one "*** ..." line naming bo's port ${port} after bo joined`,
            `bo 加入后，恰好一行 "*** ..." 写着 bo 的端口 ${port}`,
          ),
          c.arrived(ann!),
        );
      }
      if (c.transport === "udp") bo!.sendExact("/quit\n");
      bo!.close();
      // Over UDP, "/quit" relayed to the others as a chat line: the hub never took bo out.
      const quitRelayed = () => ann!.lines().some((l) => !l.startsWith("***") && l.includes("/quit"));
      await c.waitFor(
        () => notices(ann!, bo!).length >= 2,
        both(
          `ann gets a second "*** ..." line naming bo's port ${port} (left)`,
          `ann 收到第二行 "*** ..."，写着 bo 的端口 ${port}（离开）`,
        ),
        () => c.arrived(ann!),
        () => (quitRelayed() ? ["clients-never-removed"] : []),
      );
    },
  },
  {
    id: "02.vanish",
    lesson: "02",
    transports: BOTH,
    name: both(
      "keeps delivering, and takes newcomers, after a client vanishes",
      "有客户端消失后继续转发，也接纳新来的客户端",
    ),
    subject: both("the step after a client vanishes", "有客户端消失之后这一步"),
    reread: both(
      "lessons/02-hub.ts §3 leave(); over UDP, B4 trySend()",
      "lessons/02-hub.ts §3 leave()；UDP 上是 B4 trySend()",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      c.reached();
      // TCP: cy closes its sending side and goes on reading, so a hub that never took
      // cy out is seen writing to it. UDP: cy closes without "/quit", and the hub's
      // next datagram to cy bounces; the lines all wait together until the hub runs
      // again (see Exam.frozen), so Bun reports that bounce on the very next send.
      // A TCP hub that crashes here kept the dead socket; a UDP hub that crashes
      // has no error handler; a UDP hub that runs on but loses lines for the living
      // swallowed the bounce's error on a later send.
      const blame = (): MisconceptionId[] =>
        c.transport === "tcp" ? ["clients-never-removed"] : c.exited() ? ["crash-on-reset"] : ["udp-stale-error"];
      const lines = () => {
        for (const t of ["one", "two", "three"]) ann!.sendLine(`after cy: ${t}`);
      };
      if (c.transport === "tcp") {
        cy!.halfClose();
        await c.settle();
        lines();
      } else
        await c.frozen(() => {
          cy!.close();
          lines();
        });
      for (const t of ["one", "two", "three"]) await c.hear(bo!, `after cy: ${t}`, { symptoms: blame });
      // And the room still takes newcomers, both ways.
      const di = await c.client("di");
      di.sendLine("di is new here");
      await c.hear(ann!, "di is new here", { symptoms: blame });
      await c.hear(bo!, "di is new here", { symptoms: blame });
      bo!.sendLine("welcome, di");
      await c.hear(di, "welcome, di", { symptoms: blame });
      if (c.transport === "tcp" && cy!.text().includes("after cy:")) {
        c.fail(
          both(
            "cy, who left (it closed its side of the connection), gets nothing more",
            "已经离开的 cy（它关闭了自己这一侧的连接）不再收到任何东西",
          ),
          c.arrived(cy!, "after cy:"),
          ["clients-never-removed"],
        );
      }
    },
  },
  {
    id: "02.reset",
    lesson: "02",
    transports: TCP,
    name: both("survives a client that resets its connection", "客户端重置连接后照常工作"),
    subject: both("the step after a reset", "连接重置之后这一步"),
    reread: both("lessons/02-hub.ts B5: one client's errors", "lessons/02-hub.ts B5：一个客户端的错误"),
    async run(c) {
      await c.launch();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      c.reached();
      cy!.sendExact("half");
      await c.settle();
      cy!.reset();
      await c.settle();
      ann!.sendLine("after the reset");
      await c.hear(bo!, "after the reset", { symptoms: () => (c.exited() ? ["crash-on-reset"] : []) });
    },
  },
  {
    id: "02.many",
    lesson: "02",
    transports: BOTH,
    name: both("relays lines from several clients at once", "同时转发多个客户端的行"),
    reread: both(
      "lessons/02-hub.ts §3: receive(), a buffer per client",
      "lessons/02-hub.ts §3：receive()，每个客户端一个缓冲区",
    ),
    async run(c) {
      await c.launch();
      const peers = await room(c, ["p1", "p2", "p3", "p4", "p5"]);
      for (const p of peers) p.sendLine(`line from ${p.name}`);
      for (const p of peers) for (const q of peers) if (q !== p) await c.hear(q, `line from ${p.name}`);
      await c.settle();
      for (const p of peers) {
        if (p.text().includes(`line from ${p.name}`)) {
          c.fail(
            both(`${p.name} does not get its own line back`, `${p.name} 不会收到自己的那一行`),
            c.arrived(p, `line from ${p.name}`),
            ["echo-to-sender"],
          );
        }
      }
    },
  },
  {
    id: "02.split",
    lesson: "02",
    transports: TCP,
    name: both(
      "relays a line that arrives in two reads as one line, even cut inside a character",
      "分两次读到的一行作为一行转发，即使在字符中间被切开",
    ),
    reread: both(
      "lessons/02-hub.ts §3: receive(), a buffer per client",
      "lessons/02-hub.ts §3：receive()，每个客户端一个缓冲区",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      const bytes = new TextEncoder().encode("split 你好 in two\n");
      const cut = "split ".length + 2; // two bytes into the three bytes of 你
      await c.sendOnItsOwn(ann!, bytes.subarray(0, cut)); // the hub's first read holds only the first part
      ann!.sendExact(bytes.subarray(cut));
      await c.hear(bo!, "split 你好 in two", { symptoms: ["one-read-one-message"] });
      await sync(c, ann!, bo!);
      if (bo!.lines().filter((l) => l.includes("split") || l.includes("in two")).length !== 1) {
        c.fail(both("the line relayed once, whole", "这一行被完整地转发一次"), c.arrived(bo!), [
          "one-read-one-message",
        ]);
      }
    },
  },
  {
    id: "02.merged",
    lesson: "02",
    transports: TCP,
    name: both("relays two lines that arrive in one read as two lines", "一次读到的两行作为两行转发"),
    reread: both(
      "lessons/02-hub.ts §3: receive(), every complete line",
      "lessons/02-hub.ts §3：receive()，取出每个完整的行",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendExact("first line\nsecond line\n");
      const first = await c.hear(bo!, "first line", { symptoms: ["one-read-one-message"] });
      const second = await c.hear(bo!, "second line", { symptoms: ["one-read-one-message"] });
      const port = String(ann!.localPort);
      // Relayed as one message, the second line comes without the name the first one got.
      // (A hub that names nobody is 02.names's business.)
      if (first === second || (first.includes(port) && !second.includes(port))) {
        c.fail(
          both(`two relayed lines, each naming ann (${port})`, `两行转发的行，每行都写着 ann（${port}）`),
          both(JSON.stringify([first, second]), JSON.stringify([first, second])),
          ["one-read-one-message"],
        );
      }
    },
  },
  {
    id: "02.half-line",
    lesson: "02",
    transports: TCP,
    name: both("never relays half a line", "从不转发半行"),
    reread: both(
      "lessons/02-hub.ts §3: receive() and leave(): an unfinished line is dropped",
      "lessons/02-hub.ts §3：receive() 和 leave()：没说完的行被丢弃",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      cy!.sendExact("half a li");
      await c.settle();
      cy!.close();
      await left(c, ann!, cy!);
      await sync(c, bo!, ann!);
      if (ann!.text().includes("half a li")) {
        c.fail(
          both('no line with "half a li" (it never got its "\\n")', '没有含 "half a li" 的行（它一直没等到 "\\n"）'),
          c.arrived(ann!),
          ["one-read-one-message"],
        );
      }
    },
  },
  {
    id: "02.shared",
    lesson: "02",
    transports: TCP,
    name: both("keeps each client's half line to itself", "每个客户端的半行只属于它自己"),
    reread: both(
      "lessons/02-hub.ts §3: join(), a state per client",
      "lessons/02-hub.ts §3：join()，每个客户端一个状态",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      // Each half read before the next is sent: the halves interleave, on any machine.
      await c.sendOnItsOwn(ann!, "ann says a");
      await c.sendOnItsOwn(bo!, "bo says b");
      await c.sendOnItsOwn(ann!, "pple\n");
      bo!.sendExact("anana\n");
      const mixed = () =>
        cy!
          .lines()
          .some((l) => l.includes("ann says abo says b") || l.includes("says aanana") || l.includes("says bpple"));
      try {
        await c.hear(cy!, "ann says apple");
        await c.hear(cy!, "bo says banana");
      } catch (err) {
        if (err instanceof CheckFailure && mixed()) throw new CheckFailure(err.expected, err.arrived, ["shared-state"]);
        throw err;
      }
    },
  },
  {
    id: "02.silent",
    lesson: "02",
    transports: TCP,
    name: both("keeps relaying while one client is silent in the middle of a line", "一个客户端在行中间沉默时照常转发"),
    subject: both("the step where one client goes quiet", "有客户端沉默的这一步"),
    reread: both(
      "lessons/02-hub.ts, its opening comment: the event loop instead of select()",
      "lessons/02-hub.ts 开头的说明：用事件循环代替 select()",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      c.reached();
      const quiet = await c.client("quiet");
      quiet.sendExact("I am thinking");
      await c.settle();
      ann!.sendLine("still flowing?");
      await c.hear(bo!, "still flowing?", { symptoms: () => (c.exited() ? [] : ["silence-stalls"]) });
    },
  },
  {
    id: "02.slow-reader",
    lesson: "02",
    transports: TCP,
    name: both(
      "keeps relaying to the others while one client stops reading",
      "有一个客户端不再读取时，照样转发给其他人",
    ),
    subject: both("the step where one client stops reading", "有客户端不再读取的这一步"),
    reread: both(
      "lessons/02-hub.ts B1: send(), flush() and the cap on each queue",
      "lessons/02-hub.ts B1：send()、flush() 和每个队列的上限",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo, slow] = await room(c, ["ann", "bo", "slow"]);
      c.reached();
      await floodPastOneReader(c, ann!, bo!, slow!);
    },
  },
  {
    id: "02.quit",
    lesson: "02",
    transports: UDP,
    name: both('forgets a client that sent "/quit"', '忘掉发送了 "/quit" 的客户端'),
    subject: both('the step after "/quit"', '"/quit" 之后这一步'),
    reread: both(
      'lessons/02-hub.ts §4: hear() and forget(), "/quit"',
      'lessons/02-hub.ts §4：hear() 和 forget()，"/quit"',
    ),
    async run(c) {
      await c.launch();
      const [ann, bo, cy] = await room(c, ["ann", "bo", "cy"]);
      c.reached();
      bo!.sendExact("/quit\n");
      await left(c, ann!, bo!);
      ann!.sendLine("bo should not see this");
      await c.hear(cy!, "bo should not see this");
      await sync(c, cy!, ann!);
      await c.settle();
      if (bo!.text().includes("bo should not see this")) {
        c.fail(
          both('bo gets nothing after "/quit"', 'bo 在 "/quit" 之后什么也收不到'),
          c.arrived(bo!, "bo should not see this"),
          ["clients-never-removed"],
        );
      }
    },
  },
  {
    id: "02.idle",
    lesson: "02",
    transports: UDP,
    name: both("forgets a client that stays silent longer than --idle", "忘掉沉默超过 --idle 的客户端"),
    subject: both("the step where one client goes silent", "有客户端沉默的这一步"),
    reread: both("lessons/02-hub.ts B4: forgetTheSilent()", "lessons/02-hub.ts B4：forgetTheSilent()"),
    async run(c) {
      await c.launch(["--idle", String(IDLE_S)]);
      // ann talks all along, from the moment she joins, so the hub never forgets her;
      // bo joins, says one line, and goes silent. If this process itself was kept from
      // talking for half of --idle (a busy machine), the hub may have forgotten ann too:
      // the check then cannot tell.
      const ann = await c.client("ann");
      let last = performance.now();
      let gap = 0;
      const chatter = setInterval(() => {
        const now = performance.now();
        gap = Math.max(gap, now - last);
        last = now;
        ann.sendExact("still here\n");
      }, 100);
      const away = () =>
        both(
          `this grader could not talk for ${(gap / 1000).toFixed(1)} s (of --idle ${IDLE_S}): the machine is too busy to tell`,
          `评分器有 ${(gap / 1000).toFixed(1)} 秒没能说话（--idle 是 ${IDLE_S} 秒）：机器太忙，无法判断`,
        );
      const tooLong = () => gap > (IDLE_S * 1000) / 2;
      try {
        ann.sendExact("\n");
        const bo = await c.client("bo");
        bo.sendExact("\n");
        bo.sendExact("ready? bo\n");
        await c.waitFor(
          () => ann.text().includes("ready? bo"),
          both('ann receives the line bo sends ("ready? bo")', 'ann 收到 bo 发的那一行（"ready? bo"）'),
          () => c.arrived(ann),
          [],
          { patient: true },
        );
        c.reached();
        const port = bo.localPort;
        await c.waitFor(
          () => notices(ann, bo).length >= 2,
          both(
            `ann gets a "*** ..." line naming the silent bo's port ${port} (forgotten after --idle ${IDLE_S})`,
            `ann 收到一行 "*** ..."，写着沉默的 bo 的端口 ${port}（--idle ${IDLE_S} 秒后被忘掉）`,
          ),
          () => c.arrived(ann),
          ["clients-never-removed"],
          { patient: true, ms: 3 * IDLE_S * 1000 },
        );
        // ann kept talking, so she is still in the room: she hears of a newcomer.
        const cy = await c.client("cy");
        cy.sendExact("\n");
        await c.waitFor(
          () => notices(ann, cy).length >= 1,
          both(
            `ann, who kept talking, gets a "*** ..." line naming cy's port ${cy.localPort} (joined)`,
            `一直在说话的 ann 收到一行 "*** ..."，写着 cy 的端口 ${cy.localPort}（加入）`,
          ),
          () => c.arrived(ann),
          [],
          { patient: true },
        );
      } catch (err) {
        // ann may have been forgotten while this process could not talk: that, not the hub, failed.
        if (tooLong()) throw new CouldNotTell(away());
        throw err;
      } finally {
        clearInterval(chatter);
      }
      if (tooLong()) c.doubt(away());
    },
  },
  {
    id: "02.udp-plain",
    lesson: "02",
    transports: UDP,
    name: both("relays a datagram that has no newline", "转发没有换行符的数据报"),
    reread: both(
      "lessons/02-hub.ts §4: hear(), one datagram is one message",
      "lessons/02-hub.ts §4：hear()，一个数据报就是一条消息",
    ),
    async run(c) {
      await c.launch();
      const [ann, bo] = await room(c, ["ann", "bo"]);
      ann!.sendExact("no newline");
      await c.hear(bo!, "no newline", { symptoms: ["udp-like-tcp"] });
    },
  },
  sigtermCheck("02", both("lessons/02-hub.ts §6: stop()", "lessons/02-hub.ts §6：stop()"), async (c) => {
    for (const name of ["ann", "bo"]) (await c.client(name)).sendLine(`${name} is here`);
    await c.settle();
  }),
];
