/**
 * Lesson 04's checks: a small complete chat server, as the article's chapter 4
 * builds it, over TCP and UDP. Its reference is the kit's own src/server.ts.
 *
 * Format-tolerant, like lesson 02's: a member names itself with "/nick NAME"
 * (over UDP that first datagram is also how it joins); a relayed line only has
 * to hold the sender's nick and the text; a notice only has to start with "***"
 * (and name the member, when someone leaves). A server that asks a UDP newcomer
 * to prove its address, as the kit's does, is answered: the challenge is read by
 * the kit's own parseChallenge (src/protocol.ts), whatever language it is worded in.
 */
import type { Peer } from "../../harness/index.ts";
import type { Check, Exam } from "../exam.ts";
import { parseChallenge } from "../../../src/protocol.ts";
import { both } from "../text.ts";
import { BOTH, notices, room, sigtermCheck, sync, TCP } from "./common.ts";

/** Nicks of 13 characters: "/nick NAME" then pays for a UDP server's challenge at once. */
const ALICE = "alice_in_town";
const BOB = "bob_on_a_boat";
const CAROL = "carol_at_home";

/** A member joins: "/nick NAME". */
const join = (peer: Peer) => peer.sendExact(`/nick ${peer.name}\n`);

/** A member answers a "/join TOKEN" challenge once, then names itself again; whether it answered one now. */
function tender() {
  const answered = new Set<string>();
  return (peer: Peer): boolean => {
    let now = false;
    for (const line of peer.lines()) {
      const token = parseChallenge(line);
      if (!token || answered.has(`${peer.name} ${token}`)) continue;
      answered.add(`${peer.name} ${token}`);
      peer.sendExact(`/join ${token}\n`);
      peer.sendExact(`/nick ${peer.name}\n`);
      now = true;
    }
    return now;
  };
}

/** Members in a room with their nicks, each surely known to the server. */
export const members = (c: Exam, names: string[]) => room(c, names, { join, tend: tender() });

const CJK = /[\u4e00-\u9fff]/;

export const CHAT_CHECKS: Check[] = [
  {
    id: "04.chat",
    lesson: "04",
    transports: BOTH,
    name: both(
      "relays each line to the others with the sender's nick, never back to the sender",
      "把每一行带着发送者的昵称转发给其他人，从不发回给发送者",
    ),
    reread: both("lessons/04-chat.ts §3; src/hub.ts, receive()", "lessons/04-chat.ts §3；src/hub.ts 的 receive()"),
    async run(c) {
      await c.launch();
      const [alice, bob, carol] = await members(c, [ALICE, BOB, CAROL]);
      alice!.sendLine("hello from alice");
      for (const to of [bob!, carol!]) {
        const line = await c.hear(to, "hello from alice");
        if (!line.includes(ALICE)) {
          c.fail(
            both(`the relayed line names the sender, ${ALICE}`, `转发的行写着发送者 ${ALICE}`),
            both(JSON.stringify(line), JSON.stringify(line)),
          );
        }
      }
      await sync(c, bob!, alice!);
      if (alice!.text().includes("hello from alice")) {
        c.fail(
          both(`${ALICE} does not get her own line back`, `${ALICE} 不会收到自己发的那一行`),
          c.arrived(alice!, "hello from alice"),
          ["echo-to-sender"],
        );
      }
    },
  },
  {
    id: "04.join",
    lesson: "04",
    transports: BOTH,
    name: both('announces a newcomer with a line starting "***"', '用以 "***" 开头的行宣布新成员到来'),
    subject: both("the step where someone new joins", "有新成员加入的这一步"),
    reread: both("lessons/04-chat.ts §3; src/hub.ts, join()", "lessons/04-chat.ts §3；src/hub.ts 的 join()"),
    async run(c) {
      await c.launch();
      const [alice, bob] = await members(c, [ALICE, BOB]);
      await sync(c, bob!, alice!);
      c.reached();
      const before = alice!.lines().filter((l) => l.startsWith("***")).length;
      const carol = await c.client(CAROL);
      join(carol);
      const tend = tender();
      await c.waitFor(
        () => {
          tend(carol);
          return alice!.lines().filter((l) => l.startsWith("***")).length > before;
        },
        both(`${ALICE} gets a "*** ..." line when ${CAROL} joins`, `${CAROL} 加入时 ${ALICE} 收到一行 "*** ..."`),
        () => c.arrived(alice!),
      );
    },
  },
  {
    id: "04.quit",
    lesson: "04",
    transports: BOTH,
    name: both(
      'says who left when a member sends "/quit", and lets it go',
      '成员发送 "/quit" 时说明是谁离开了，并让它离开',
    ),
    subject: both('the step after "/quit"', '"/quit" 之后这一步'),
    reread: both(
      "src/hub.ts, leave(); src/protocol.ts, parseCommand()",
      "src/hub.ts 的 leave()；src/protocol.ts 的 parseCommand()",
    ),
    async run(c) {
      await c.launch();
      const [alice, bob, carol] = await members(c, [ALICE, BOB, CAROL]);
      await sync(c, bob!, alice!);
      c.reached();
      const before = notices(alice!, BOB).length;
      bob!.sendExact("/quit\n");
      await c.waitFor(
        () => notices(alice!, BOB).length > before,
        both(`${ALICE} gets a "*** ..." line saying ${BOB} left`, `${ALICE} 收到一行 "*** ..."，说 ${BOB} 离开了`),
        () => c.arrived(alice!),
      );
      if (c.transport === "tcp") {
        await c.waitFor(
          () => bob!.closed,
          both(`the server closes ${BOB}'s connection after "/quit"`, `"/quit" 之后服务器关闭 ${BOB} 的连接`),
          () => c.arrived(bob!),
        );
      }
      alice!.sendLine("bob should not see this");
      await c.hear(carol!, "bob should not see this");
      await c.settle();
      if (bob!.text().includes("bob should not see this")) {
        c.fail(
          both(`${BOB} gets nothing after "/quit"`, `${BOB} 在 "/quit" 之后什么也收不到`),
          c.arrived(bob!, "bob should not see this"),
          ["clients-never-removed"],
        );
      }
    },
  },
  {
    id: "04.vanish",
    lesson: "04",
    transports: TCP,
    name: both(
      "says who left when a member's connection drops, and carries on",
      "成员的连接断开时说明是谁离开了，然后照常工作",
    ),
    subject: both("the step after a connection drops", "连接断开之后这一步"),
    reread: both("src/hub.ts, leave()", "src/hub.ts 的 leave()"),
    async run(c) {
      await c.launch();
      const [alice, bob, carol] = await members(c, [ALICE, BOB, CAROL]);
      await sync(c, carol!, alice!);
      c.reached();
      const before = notices(alice!, CAROL).length;
      carol!.close();
      await c.waitFor(
        () => notices(alice!, CAROL).length > before,
        both(
          `${ALICE} gets a "*** ..." line naming ${CAROL}, who left`,
          `${ALICE} 收到一行 "*** ..."，写着离开的 ${CAROL}`,
        ),
        () => c.arrived(alice!),
      );
      alice!.sendLine("still here?");
      await c.hear(bob!, "still here?", { symptoms: () => (c.exited() ? ["clients-never-removed"] : []) });
    },
  },
  {
    id: "04.long-line",
    lesson: "04",
    transports: BOTH,
    name: both(
      "relays a line of 1024 bytes (the settings' BUFFERSIZE) whole, Chinese included",
      "完整转发 1024 字节（settings 的 BUFFERSIZE）的一行，包括中文",
    ),
    reread: both(
      "lessons/04-chat.ts §1 BUFFERSIZE and §3: a member hands over whole lines",
      "lessons/04-chat.ts §1 的 BUFFERSIZE 和 §3：成员交出的是完整的行",
    ),
    async run(c) {
      await c.launch();
      const [alice, bob] = await members(c, [ALICE, BOB]);
      const long = "你".repeat(341) + "!"; // 1024 bytes of UTF-8
      alice!.sendLine(long);
      await c.hear(bob!, long, { symptoms: ["one-read-one-message"] });
    },
  },
  {
    id: "04.lang",
    lesson: "04",
    transports: BOTH,
    name: both(
      "speaks Chinese with --lang zh (the settings' LANGUAGE)",
      "加 --lang zh 时说中文（settings 的 LANGUAGE）",
    ),
    subject: both("the step with --lang zh", "--lang zh 这一步"),
    reread: both(
      "lessons/04-chat.ts §1: settings.py and language.py; in your starter, SETTINGS.LANGUAGE and the LANGUAGE table",
      "lessons/04-chat.ts §1：settings.py 和 language.py；在你的起步文件里是 SETTINGS.LANGUAGE 和 LANGUAGE 表",
    ),
    async run(c) {
      await c.launch(["--lang", "zh"]);
      const [alice] = await members(c, [ALICE, BOB]);
      c.reached();
      await c.waitFor(
        () => alice!.lines().some((l) => l.startsWith("***") && CJK.test(l)),
        both(`${ALICE} gets a "*** ..." notice in Chinese`, `${ALICE} 收到一行中文的 "*** ..." 通知`),
        () => {
          const got = c.arrived(alice!);
          return both(
            `your program was given --lang zh, and ${got.en}: no notice in Chinese`,
            `你的程序收到了 --lang zh，而 ${got.zh}：没有中文通知`,
          );
        },
      );
    },
  },
  sigtermCheck("04", both("lessons/04-chat.ts §5: stop()", "lessons/04-chat.ts §5：stop()"), async (c) => {
    for (const name of [ALICE, BOB]) join(await c.client(name));
    await c.settle();
  }),
];
