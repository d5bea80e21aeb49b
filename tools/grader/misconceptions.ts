/**
 * The catalogue of socket misconceptions the grader can name. A check that fails
 * reports the symptoms it saw (the ids below); `diagnose` turns them into named
 * misconceptions, each with an explanation, its fix in Python and in TypeScript,
 * and what to re-read: for TypeScript the lesson's section, for Python the
 * article's section, then the lesson's.
 *
 * Every bug in the table of the article's bugs (lessons/README.md) is one of them
 * (ARTICLE_BUGS), and tests/grader.test.ts proves each is caught, and named, on a
 * small broken program in tests/fixtures/mutants/. tests/grader-fixes.test.ts
 * proves every fix: each line of it, spliced into such a program, makes it pass.
 *
 * An entry written the older way (a `fix` for one language, no `rereadPy`) still
 * works, and tests/grader-fixes.test.ts lists what it lacks. Exercise 06's have no
 * Python fix: Python's standard library has no WebSocket, so 06 is TypeScript's.
 *
 * Past 400 lines because it is a catalogue: each misconception in English and
 * Chinese side by side, and its fix in two programming languages, so a new one is
 * written in all of them at once.
 */
import type { ExerciseId } from "./exam.ts";
import { both, type Text } from "./text.ts";

export type MisconceptionId =
  | "one-read-one-message"
  | "decode-per-read"
  | "no-newline"
  | "clients-never-added"
  | "echo-to-sender"
  | "clients-never-removed"
  | "crash-on-reset"
  | "udp-like-tcp"
  | "udp-stale-error"
  | "silence-stalls"
  | "one-client-at-a-time"
  | "blocking-send"
  | "writes-assumed-complete"
  | "shared-state"
  | "prints-over-prompt"
  | "raw-bytes"
  | "ignores-sigterm"
  | "no-clean-leave"
  | "tcp-only"
  | "crash"
  | "no-sender-name"
  | "lines-run-together"
  | "blank-line"
  | "hard-coded-port"
  | "frame-not-line"
  | "frames-not-text"
  | "slow-browser-stalls";

export type ProgramKind = "python" | "bun";

/**
 * What a learner reads about a misconception. A program's language decides the
 * fix and the re-read shown: a Python learner never reads JavaScript's words.
 */
type Advice = {
  /** What it means and what to do, for every learner: Python's words may appear, never JavaScript's alone. */
  explain: Text;
  /**
   * The fix in the learner's programming language, ready to paste: lines split on
   * "\n", its imports first, at most 72 columns of plain ASCII. Each line is proven by
   * tests/grader-fixes.test.ts, spliced into a broken program that then passes.
   */
  fix?: Partial<Record<ProgramKind, string>>;
  /** What a TypeScript learner re-reads: the lesson's section. */
  reread: Text;
  /** What a Python learner re-reads: the article's section, then the lesson's (no JavaScript words). */
  rereadPy?: Text;
};

export type Misconception = Advice & {
  id: MisconceptionId;
  name: Text;
  /** In an exercise of its own, other words: its own lesson's section to re-read, a client's fix. */
  in?: Partial<Record<ExerciseId, Partial<Advice>>>;
};

/** Code as it is written: backslashes kept, the indentation its lines share taken off. */
function code(strings: TemplateStringsArray, ...values: unknown[]): string {
  const lines = String.raw(strings, ...values)
    .replace(/^\n/, "")
    .replace(/\n\s*$/, "")
    .split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

/**
 * Fixes several misconceptions share. A Python hub never waits for one member:
 * a send() the kernel cannot take whole lets that member go (a hub may). A Bun
 * program queues what write() did not take and writes it again on drain.
 */
const PY_SEND_OR_DROP = code`
  conn.setblocking(False)  # at accept(): send() never waits
  try:
      sent = sock.send(line)
  except OSError:  # its buffer is full, or it is gone
      sent = 0
  if sent < len(line):  # it stopped reading: let it go
      drop(sock)
`;
const BUN_QUEUE = code`
  import type { Socket } from "bun";
  function send(s: Socket<Conn>, text: string) {
    s.data.queue = Buffer.concat([s.data.queue, Buffer.from(text)]);
    flush(s);
  }
  function flush(s: Socket<Conn>) { // Bun.listen's drain: flush too
    const taken = s.write(s.data.queue);
    if (taken > 0) s.data.queue = s.data.queue.subarray(taken);
  }
`;
/** A client over UDP: a socket of the datagram kind, each line sent to the hub's address. */
const UDP_CLIENT = {
  python: code`
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(line.encode(), ("127.0.0.1", port))
  `,
  bun: code`
    const sock = await Bun.udpSocket({ socket: { data: onDatagram } });
    sock.send(line, port, "127.0.0.1");
  `,
};
/** Serving each client on its own: a thread per client in Python, never awaiting one client in Bun. */
const SERVE_EACH = {
  python: code`
    import threading
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
  `,
  bun: code`
    server.on("connection", (sock) => void serve(sock));
  `,
};

const entries: Misconception[] = [
  {
    id: "one-read-one-message",
    name: both("one read is one message", "一次读取就是一条消息"),
    explain: both(
      "TCP is a stream of bytes with no message boundaries. One recv() may hold half a line, or three lines, " +
        "or a line and a half; the sender's writes are not preserved. Keep a buffer per connection, add every " +
        'read to it, and handle each complete line up to "\\n"; keep the rest for the next read.',
      "TCP 是没有消息边界的字节流。一次 recv() 可能只有半行，也可能有三行，或一行半；发送方的写入边界不会被保留。" +
        '为每个连接保留一个缓冲区，把每次读到的数据追加进去，按 "\\n" 取出完整的行逐一处理，剩下的留到下一次读取。',
    ),
    fix: {
      python: code`
        buffers[sock] += data
        while b"\n" in buffers[sock]:
            line, buffers[sock] = buffers[sock].split(b"\n", 1)
            handle(line.decode())
      `,
      bun: code`
        s.data.buffered += s.data.decoder.decode(chunk, { stream: true });
        const lines = s.data.buffered.split("\n");
        s.data.buffered = lines.pop()!;
        for (const line of lines) handle(s, line);
      `,
    },
    reread: both(
      'lessons/01-echo.ts §3: takeLines(), a buffer per client cut at "\\n"',
      'lessons/01-echo.ts §3：takeLines()，每个客户端一个缓冲区，按 "\\n" 切分',
    ),
    rereadPy: both(
      "the article 1.3.2 (its server answers each recv() as a message); " +
        'lessons/01-echo.ts §3: takeLines(), a buffer per client cut at "\\n"',
      "原文 1.3.2「编写服务器」（它把每次 recv() 当成一条消息）；" +
        'lessons/01-echo.ts §3：takeLines()，每个客户端一个缓冲区，按 "\\n" 切分',
    ),
    in: {
      "02": {
        reread: both(
          'lessons/02-hub.ts §3: receive(), which cuts lines at "\\n" before relaying them',
          'lessons/02-hub.ts §3：receive()，先按 "\\n" 切成行再转发',
        ),
        rereadPy: both(
          "the article's chapter 2 (its select() server relays each recv() as it came); " +
            'lessons/02-hub.ts §3: receive(), which cuts lines at "\\n" first',
          "原文第 2 章（它的 select() 服务器把每次 recv() 原样转发）；" +
            'lessons/02-hub.ts §3：receive()，先按 "\\n" 切成行',
        ),
      },
      "03": {
        reread: both(
          "lessons/03-client.ts §3: openTcp(), whose data() prints whole lines only",
          "lessons/03-client.ts §3：openTcp()，它的 data() 只打印完整的行",
        ),
        rereadPy: both(
          "the article's chapter 3 (its receiving thread prints each recv()); " +
            "lessons/03-client.ts §3: openTcp(), which prints whole lines only",
          "原文第 3 章（它的接收线程打印每次 recv() 的内容）；lessons/03-client.ts §3：openTcp()，只打印完整的行",
        ),
      },
    },
  },
  {
    id: "decode-per-read",
    name: both("each read decoded on its own", "每次读取单独解码"),
    explain: both(
      "A UTF-8 character takes up to four bytes, and a read may end in the middle of one. Decoding each read by " +
        "itself breaks that character: Python's data.decode() raises UnicodeDecodeError, other languages turn the " +
        'halves into "\uFFFD". Keep the bytes until a whole line has come and decode the line, or decode with one ' +
        "incremental decoder per connection: it keeps a cut character until the rest of it arrives.",
      "一个 UTF-8 字符最多占四个字节，一次读取可能正好在字符中间结束。每次读取单独解码，就会把这个字符弄坏：" +
        'Python 的 data.decode() 抛出 UnicodeDecodeError，其他语言把两半变成 "\uFFFD"。应等一整行的字节到齐再解码' +
        "这一行，或为每个连接用一个增量解码器：它会把被切开的字符留着，等后半部分到来。",
    ),
    fix: {
      python: code`
        import codecs
        decoder = codecs.getincrementaldecoder("utf-8")()  # one per client
        text = decoder.decode(data)
      `,
      bun: code`
        s.data = { buffered: "", decoder: new TextDecoder() }; // in open(s)
        s.data.buffered += s.data.decoder.decode(chunk, { stream: true });
      `,
    },
    reread: both(
      "lessons/01-echo.ts §3: takeLines() and its TextDecoder with { stream: true }",
      "lessons/01-echo.ts §3：takeLines() 和它的 TextDecoder（{ stream: true }）",
    ),
    rereadPy: both(
      "the article 1.3.2 (data.decode() on each read); lessons/01-echo.ts §3: takeLines()",
      "原文 1.3.2「编写服务器」（每次读到数据就 data.decode()）；lessons/01-echo.ts §3：takeLines()",
    ),
  },
  {
    id: "no-newline",
    name: both("no newline at the end", "行尾没有换行符"),
    explain: both(
      'Over TCP a line only exists once its "\\n" arrives: the reader cannot know a message is finished otherwise, ' +
        'and waits. Every line you send must end with "\\n" (stripping it from what you received and forgetting to ' +
        "add it back is the usual cause; Python's input() also returns the line without it).",
      '在 TCP 上，一行只有在它的 "\\n" 到达之后才算完整：否则读取方无法知道消息已经结束，只能一直等待。' +
        '你发送的每一行都必须以 "\\n" 结尾（常见原因是把收到的换行符去掉后忘了加回去；Python 的 input() 返回的行也不带它）。',
    ),
    fix: {
      python: code`
        sock.sendall((line + "\n").encode())
      `,
      bun: code`
        s.write(line + "\n");
      `,
    },
    reread: both(
      'lessons/01-echo.ts §2: reply(), which ends with "\\n"',
      'lessons/01-echo.ts §2：reply()，以 "\\n" 结尾',
    ),
    rereadPy: both(
      'the article 1.3.2 (its reply "[ctime] data" has no "\\n"); lessons/01-echo.ts §2: reply(), which ends with "\\n"',
      '原文 1.3.2「编写服务器」（它的回复 "[ctime] data" 不带 "\\n"）；lessons/01-echo.ts §2：reply()，以 "\\n" 结尾',
    ),
    in: {
      "03": {
        reread: both(
          'lessons/03-client.ts §3: openTcp(), whose send() adds "\\n" to each line',
          'lessons/03-client.ts §3：openTcp()，它的 send() 给每一行加上 "\\n"',
        ),
        rereadPy: both(
          'the article\'s chapter 3 (it sends what input() returns, without "\\n"); lessons/03-client.ts §3',
          '原文第 3 章（它把 input() 返回的内容直接发出，不带 "\\n"）；lessons/03-client.ts §3',
        ),
      },
    },
  },
  {
    id: "clients-never-added",
    name: both("the clients table is never filled", "clients 表从来没有填过"),
    explain: both(
      "Your hub accepted the connections and read what was sent, but nobody received anything: the table it " +
        "broadcasts to is empty. Add each client when it arrives (right after accept()) and remove it when it " +
        "leaves. The article's final server starts a thread per client and never puts anyone in its `clients` " +
        "table, so its broadcast reaches nobody.",
      "你的 hub 接受了连接，也读到了发来的内容，但谁也没收到任何东西：它广播的那张表是空的。每个客户端到来时" +
        "（紧跟在 accept() 之后）把它加进去，离开时再移除。原文最终版的服务器为每个客户端开一个线程，" +
        "却从来没有把任何人放进它的 `clients` 表，所以它的广播谁也收不到。",
    ),
    fix: {
      python: code`
        conn, address = server.accept()
        clients.append(conn)
      `,
      bun: code`
        clients.add(s); // in open(s)
      `,
    },
    reread: both(
      "lessons/02-hub.ts §2 and §3: the clients table; join() adds, leave() removes",
      "lessons/02-hub.ts §2 和 §3：clients 表；join() 加入，leave() 移除",
    ),
    rereadPy: both(
      "the article's chapter 4 (its server's `clients` table stays empty); " +
        "lessons/02-hub.ts §2 and §3: join() adds, leave() removes",
      "原文第 4 章（它的服务器的 `clients` 表一直是空的）；lessons/02-hub.ts §2 和 §3：join() 加入，leave() 移除",
    ),
  },
  {
    id: "echo-to-sender",
    name: both("sent back to the sender", "把消息发回给了发送者"),
    explain: both(
      "A hub forwards each line to all the OTHER clients. Looping over every client (or every socket select() " +
        "returned) without skipping the one the line came from sends people their own words back, and a client " +
        "that prints what it receives shows every line twice.",
      "聊天中心应把每一行转发给“其他”客户端。遍历所有客户端（或 select() 返回的所有套接字）却不跳过消息的来源，" +
        "就会把发送者自己的话发回给他，客户端会把每一行显示两遍。",
    ),
    fix: {
      python: code`
        for other in clients:
            if other is not sender:
                other.sendall(line)
      `,
      bun: code`
        for (const c of clients) if (c !== from) c.write(line + "\n");
      `,
    },
    reread: both(
      "lessons/02-hub.ts §2: broadcast(line, from) skips `from`",
      "lessons/02-hub.ts §2：broadcast(line, from) 跳过 `from`",
    ),
    rereadPy: both(
      "the article's chapter 2 (its broadcast reaches the sender too); " +
        "lessons/02-hub.ts §2: broadcast(line, from) skips `from`",
      "原文第 2 章（它的广播也发给了发送者）；lessons/02-hub.ts §2：broadcast(line, from) 跳过 `from`",
    ),
  },
  {
    id: "clients-never-removed",
    name: both("clients never removed", "客户端从未被移除"),
    explain: both(
      'When a client leaves (over TCP, recv() returns b""; over UDP it says "/quit", or is silent longer than ' +
        "--idle), it must be taken out of the set of clients. Otherwise the hub keeps writing to a dead socket (an " +
        "error, often a crash, on the next broadcast) or keeps sending datagrams to an address that has gone.",
      '客户端离开时（TCP 上 recv() 返回 b""；UDP 上是它发来 "/quit"，或沉默超过 --idle），必须把它从客户端集合中移除。' +
        "否则聊天中心会继续向已关闭的套接字写数据（下一次广播时出错，常常直接崩溃），或者继续向已经离开的地址发送数据报。",
    ),
    fix: {
      python: code`
        if not data:
            clients.remove(sock)
            sock.close()
      `,
      bun: code`
        if (line === "/quit") members.delete(key);
      `,
    },
    reread: both(
      "lessons/02-hub.ts §3 leave() (TCP) and §4 forget() (UDP)",
      "lessons/02-hub.ts §3 leave()（TCP）和 §4 forget()（UDP）",
    ),
    rereadPy: both(
      "the article's chapter 4 (broadcast with error handling); " +
        "lessons/02-hub.ts §3 leave() (TCP) and §4 forget() (UDP)",
      "原文第 4 章（带错误处理的广播）；lessons/02-hub.ts §3 leave()（TCP）和 §4 forget()（UDP）",
    ),
  },
  {
    id: "crash-on-reset",
    name: both("crashes when a client resets", "客户端重置连接时程序崩溃"),
    explain: both(
      "A client can vanish at any moment: its connection is reset (ECONNRESET, ConnectionResetError) or, over " +
        "UDP, a reply bounces back as ECONNREFUSED. That is one client's problem; catch the error around that " +
        "client's read and write, drop that client, and keep serving everyone else.",
      "客户端可能随时消失：连接被重置（ECONNRESET、ConnectionResetError），或在 UDP 上回复被退回为 ECONNREFUSED。" +
        "这只是那一个客户端的问题：在对它的读写周围捕获错误，丢弃这个客户端，继续为其他人服务。",
    ),
    fix: {
      python: code`
        try:
            data = sock.recv(1024)
        except ConnectionResetError:
            data = b""  # as if it left: drop it, serve the others
      `,
      bun: code`
        error(err) {
          console.error("udp:", err); // a client went away: carry on
        },
      `,
    },
    reread: both(
      "lessons/01-echo.ts B4 and B5: udpError(), closeOnError()",
      "lessons/01-echo.ts B4 和 B5：udpError()、closeOnError()",
    ),
    rereadPy: both(
      "the article's chapter 4 (broadcast with error handling); lessons/01-echo.ts B5: closeOnError()",
      "原文第 4 章（带错误处理的广播）；lessons/01-echo.ts B5：closeOnError()",
    ),
  },
  {
    id: "udp-like-tcp",
    name: both("UDP treated like TCP", "把 UDP 当成 TCP"),
    explain: both(
      "UDP has no connection and no stream. There is nothing to accept(): a datagram arrives with its sender's " +
        "address, and you answer that address (sendto()). Each datagram is one whole message, newline or not; it " +
        "may come twice or out of order, and the next one never continues it. Given --udp, bind a UDP socket " +
        "(SOCK_DGRAM) and answer every datagram as it is.",
      "UDP 没有连接，也不是字节流。没有什么可以 accept()：数据报连同发送者的地址一起到达，你回复那个地址（sendto()）。" +
        "每个数据报就是一条完整的消息，不管有没有换行符；它可能重复、可能乱序，后一个数据报从不“续上”前一个。" +
        "收到 --udp 时，要绑定一个 UDP 套接字（SOCK_DGRAM），并按原样回答每一个数据报。",
    ),
    fix: {
      python: code`
        import socket
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", port))
        while True:
            data, address = udp.recvfrom(1024)
            udp.sendto(reply(data), address)
      `,
      bun: code`
        data(sock, buf, port, address) {
          const line = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
          sock.send(reply(line), port, address);
        },
      `,
    },
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), a client is an address",
      "lessons/01-echo.ts §4：serveUdp()，客户端就是一个地址",
    ),
    rereadPy: both(
      "the article 1.1.3.2 (connectionless sockets, SOCK_DGRAM) and 1.2 (recvfrom, sendto); " +
        "lessons/01-echo.ts §4: serveUdp(), a client is an address",
      "原文 1.1.3.2「无连接的套接字」和 1.2（recvfrom、sendto）；lessons/01-echo.ts §4：serveUdp()，客户端就是一个地址",
    ),
    in: {
      "02": {
        explain: both(
          "UDP has no connection and no stream: there is nothing to accept(). Given --udp, bind a UDP socket " +
            "(SOCK_DGRAM); each datagram arrives with its sender's address, and an address you have not heard " +
            "from before is a new member (an empty datagram is its hello: nothing to relay). Relay each " +
            "datagram, its sender's address in front, to every other member's address with sendto(); " +
            'a member leaves with "/quit", or by staying silent longer than --idle.',
          "UDP 没有连接，也不是字节流：没有什么可以 accept()。收到 --udp 时，要绑定一个 UDP 套接字（SOCK_DGRAM）；" +
            "每个数据报都带着发送者的地址，没见过的地址就是新成员（空数据报是它的问候：不用转发）。" +
            "用 sendto() 把每个数据报转发到其他每个成员的地址，前面加上发送者的地址；" +
            '成员发 "/quit" 就是离开，沉默超过 --idle 也算离开。',
        ),
        fix: {
          python: code`
            data, address = udp.recvfrom(1024)
            if address not in members:
                members.append(address)
            text = data.decode().rstrip("\n")
            if text == "":
                continue  # a hello: a new member, nothing to relay
            for other in members:
                if other != address:
                    udp.sendto(("<%s:%d> %s\n" % (*address, text)).encode(), other)
          `,
          bun: code`
            members.set(${"`${address}:${port}`"}, { port, address });
            const text = buf.toString().replace(/\r?\n$/, "");
            if (text === "") return; // a hello: a new member, nothing to relay
            for (const m of members.values())
              if (m.port !== port || m.address !== address)
                sock.send(${"`<${address}:${port}> ${text}\\n`"}, m.port, m.address);
          `,
        },
        reread: both(
          "lessons/02-hub.ts §4: a client is an address we have heard from",
          "lessons/02-hub.ts §4：客户端就是我们收到过数据报的地址",
        ),
        rereadPy: both(
          "the article 1.1.3.2 (connectionless sockets) and 1.2 (recvfrom, sendto); " +
            "lessons/02-hub.ts §4: a client is an address we have heard from",
          "原文 1.1.3.2「无连接的套接字」和 1.2（recvfrom、sendto）；lessons/02-hub.ts §4：客户端就是我们收到过数据报的地址",
        ),
      },
      "03": {
        explain: both(
          "Given --udp, a client has no connection to make: nothing listens on TCP at the hub's port, so " +
            "connecting there is refused (ConnectionRefusedError, ECONNREFUSED). Open a UDP socket " +
            "(SOCK_DGRAM) and send each line as a datagram to the hub's address (sendto()); " +
            'the hub learns yours from your first datagram, and "/quit" is your goodbye.',
          "收到 --udp 时，客户端没有连接可建立：hub 的端口上没有程序在 TCP 上监听，所以去连接会被拒绝" +
            "（ConnectionRefusedError、ECONNREFUSED）。应打开一个 UDP 套接字（SOCK_DGRAM），" +
            '把每一行作为一个数据报发到 hub 的地址（sendto()）；hub 从你的第一个数据报得知你的地址，"/quit" 就是你的告别。',
        ),
        fix: UDP_CLIENT,
        reread: both(
          'lessons/03-client.ts §4: the link over UDP, a hello, datagrams and "/quit"',
          'lessons/03-client.ts §4：UDP 上的连接——问候、数据报和 "/quit"',
        ),
        rereadPy: both(
          "the article 1.1.3.2 (connectionless sockets) and 1.2 (sendto, recvfrom); " +
            'lessons/03-client.ts §4: a hello, datagrams and "/quit"',
          '原文 1.1.3.2「无连接的套接字」和 1.2（sendto、recvfrom）；lessons/03-client.ts §4：问候、数据报和 "/quit"',
        ),
      },
    },
  },
  {
    id: "udp-stale-error",
    name: both("a bounced datagram's error swallowed", "吞掉了被退回数据报的错误"),
    explain: both(
      'A client vanished without "/quit", your hub sent it a datagram anyway, and then live members lost lines. ' +
        'The "port unreachable" that comes back is reported on a LATER send, which may be to someone else: catching ' +
        "that error and moving on drops a line meant for a live member. Catch the error per send, try that send " +
        "once more, and only when it fails again give up on that address.",
      '一个客户端没说 "/quit" 就消失了，你的 hub 仍然给它发了数据报，之后在线的成员就丢了消息。退回来的' +
        "“端口不可达”会在“之后的某次”发送时报告，而那次可能是发给别人的：捕获这个错误就跳过，会丢掉本该发给在线成员的一行。" +
        "每次发送单独捕获错误，把这次发送再试一次，再失败才放弃那个地址。",
    ),
    fix: {
      python: code`
        for attempt in range(2):
            try:
                udp.sendto(data, other)
                break
            except ConnectionRefusedError:
                pass  # a bounce from earlier: once more
      `,
      bun: code`
        for (let tries = 0; tries < 2; tries++) {
          try {
            sock.send(line + "\n", m.port, m.address);
            break;
          } catch {} // a bounce from earlier: once more
        }
      `,
    },
    reread: both(
      "lessons/02-hub.ts §5 relay() and B4 trySend(): one more try",
      "lessons/02-hub.ts §5 relay() 和 B4 trySend()：再试一次",
    ),
    rereadPy: both(
      "the article 1.1.3.2 (datagrams are not reliable); lessons/02-hub.ts B4 trySend(): one more try",
      "原文 1.1.3.2「无连接的套接字」（数据报并不可靠）；lessons/02-hub.ts B4 trySend()：再试一次",
    ),
    in: {
      "01": {
        explain: both(
          "A client left before your reply reached it, and the reply bounced (ICMP port unreachable). That " +
            "bounce can be reported as an error (ECONNREFUSED) on a LATER send() of the same socket, which may " +
            "be your reply to someone else: an error caught and dropped there (or left to an empty error " +
            "handler) loses a live client's reply. Catch the error around each send, send once more, and " +
            "only then give up.",
          "有客户端在你的回复到达之前就离开了，回复被退回（ICMP 端口不可达）。这次退回可能在同一个套接字“之后的某次” " +
            "send() 时作为错误（ECONNREFUSED）报告，而那次可能是你给另一个人的回复：在那里捕获后丢掉（或交给空的" +
            "错误处理函数），就丢了一个在线客户端的回复。每次发送都单独捕获错误，再发一次，仍失败才放弃。",
        ),
        reread: both("lessons/01-echo.ts B4: sendTo(), one more try", "lessons/01-echo.ts B4：sendTo()，再试一次"),
        rereadPy: both(
          "the article 1.1.3.2 (datagrams are not reliable); lessons/01-echo.ts B4: sendTo(), one more try",
          "原文 1.1.3.2「无连接的套接字」（数据报并不可靠）；lessons/01-echo.ts B4：sendTo()，再试一次",
        ),
      },
    },
  },
  {
    id: "silence-stalls",
    name: both("one client's silence stalls everyone", "一个客户端不说话，所有人都被卡住"),
    explain: both(
      "A blocking recv() on one client (or waiting without limit for its line to finish) stops the whole server " +
        "while that client is quiet. Serve every client at once: a thread per client, or select() on all the " +
        "sockets (an event loop does that for you), reading only from a socket that is ready; never wait for one " +
        "client in a way that holds up the others.",
      "对某个客户端阻塞地 recv()（或无限期地等待它把一行发完），会让整个服务器在它沉默时停下来。应同时服务所有客户端：" +
        "每个客户端一个线程，或者对所有套接字调用 select()（事件循环会替你做），只从已就绪的套接字读取；" +
        "绝不能以阻塞其他人的方式等待某一个客户端。",
    ),
    fix: SERVE_EACH,
    reread: both(
      "lessons/02-hub.ts, its opening comment: the event loop instead of select()",
      "lessons/02-hub.ts 开头的说明：用事件循环代替 select()",
    ),
    rereadPy: both(
      "the article's chapter 2 (select(): wait on every socket at once); lessons/02-hub.ts, its opening comment",
      "原文第 2 章（select()：同时等待所有套接字）；lessons/02-hub.ts 开头的说明",
    ),
    in: {
      "01": {
        reread: both(
          "lessons/01-echo.ts §3: serveTcp(), one event loop for every client",
          "lessons/01-echo.ts §3：serveTcp()，一个事件循环服务所有客户端",
        ),
        rereadPy: both(
          "the article 1.3.1 (its server talks to one client until it leaves) and chapter 2 (select()); " +
            "lessons/01-echo.ts §3: serveTcp()",
          "原文 1.3.1「一般通用模板」（它的服务器一直只和一个客户端对话，直到它离开）和第 2 章（select()）；" +
            "lessons/01-echo.ts §3：serveTcp()",
        ),
      },
    },
  },
  {
    id: "one-client-at-a-time",
    name: both("one client at a time", "一次只服务一个客户端"),
    explain: both(
      "The first client was answered; the others, connected at the same time, got nothing while it stayed. " +
        "That is a server that accept()s one client and then loops on recv() from that client until it leaves " +
        "(the article's chapter 1): the next client waits in the queue of connections nobody accepts. " +
        "Serve every client at once: a thread per client, or select() on the listening socket and every " +
        "client's (an event loop does that for you), reading only from a socket that is ready.",
      "第一个客户端得到了回复；同时连上的其他客户端，在它没离开时什么也没收到。这是一个 accept() 一个客户端、然后对它循环 " +
        "recv() 直到它离开的服务器（原文第 1 章）：下一个客户端只能在没人 accept() 的连接队列里等着。应同时服务所有客户端：" +
        "每个客户端一个线程，或者对监听套接字和每个客户端的套接字调用 select()（事件循环会替你做），只从已就绪的套接字读取。",
    ),
    fix: SERVE_EACH,
    reread: both(
      "lessons/01-echo.ts §3: serveTcp(), one event loop for every client; lessons/02-hub.ts, its opening comment",
      "lessons/01-echo.ts §3：serveTcp()，一个事件循环服务所有客户端；lessons/02-hub.ts 开头的说明",
    ),
    rereadPy: both(
      "the article 1.3.1 (one client at a time) and chapter 2 (select()); lessons/01-echo.ts §3: serveTcp()",
      "原文 1.3.1「一般通用模板」（一次一个客户端）和第 2 章（select()）；lessons/01-echo.ts §3：serveTcp()",
    ),
  },
  {
    id: "blocking-send",
    name: both("one slow reader stalls everyone", "一个读得慢的客户端卡住所有人"),
    explain: both(
      "One member stopped reading, and soon nobody else received anything: your hub waited for that member's " +
        "socket to take its bytes. Python's sendall() on a blocking socket waits until all is sent, which with a " +
        "full buffer is forever, and so does any write that is waited for. Never wait for one client: keep what " +
        "it cannot take yet in its own queue and send it when its socket has room again, or let a client that " +
        "stopped reading go.",
      "有一个成员不再读取，很快其他人也什么都收不到了：你的 hub 在等那个成员的套接字收下它的字节。阻塞套接字上的 " +
        "Python sendall() 要等全部发完才返回，缓冲区满了就是永远；任何被等待的写入都一样。绝不能等某一个客户端：" +
        "它暂时收不下的放进它自己的队列，等它的套接字又有空间时再发，或者干脆放弃这个不再读取的客户端。",
    ),
    fix: { python: PY_SEND_OR_DROP, bun: BUN_QUEUE },
    reread: both(
      "lessons/02-hub.ts B1: send(), flush() and the cap on each client's queue",
      "lessons/02-hub.ts B1：send()、flush() 和每个客户端队列的上限",
    ),
    rereadPy: both(
      "the article's chapter 4 (its broadcast sendall()s to each in turn); " +
        "lessons/02-hub.ts B1: a queue per client, and a cap on it",
      "原文第 4 章（它的广播依次对每个人 sendall()）；lessons/02-hub.ts B1：每个客户端一个队列，并且有上限",
    ),
  },
  {
    id: "writes-assumed-complete",
    name: both("writes assumed complete", "以为每次写入都会完整发送"),
    explain: both(
      "A send() may take only part of the data when the peer reads slowly; the return value says how much, and " +
        "the rest is yours to send again. Python's sendall() sends the rest for you by waiting, which is right " +
        "for an echo server's one client. Ignoring the return value loses the end of a long reply.",
      "当对方读得慢时，一次 send() 可能只发出一部分数据；返回值说明发出了多少，剩下的要你自己再发。Python 的 sendall() " +
        "会等着替你发完剩下的，这对回声服务器的一个客户端正合适。忽略返回值会丢掉长回复的结尾。",
    ),
    fix: {
      python: code`
        sock.sendall(reply)
      `,
      bun: BUN_QUEUE,
    },
    reread: both(
      "lessons/01-echo.ts B1: send() and flush(), the queue written again on drain",
      "lessons/01-echo.ts B1：send() 和 flush()，在 drain 时继续写的队列",
    ),
    rereadPy: both(
      "the article 1.2 (send() returns how much it sent); lessons/01-echo.ts B1: send() and flush(), a queue",
      "原文 1.2（send() 返回发出了多少）；lessons/01-echo.ts B1：send() 和 flush()，一个队列",
    ),
    in: {
      "02": {
        explain: both(
          "One member read slowly, and lines meant for it were lost: a send() takes only what the kernel has " +
            "room for, and the return value says how much. Keep what was not taken in that member's own queue " +
            "and send it when its socket has room again, or let a member that stopped reading go; never lose " +
            "part of a line quietly. (A blocking sendall() would not lose it, but would stall everyone.)",
          "有一个成员读得慢，发给它的行就丢了：一次 send() 只收下内核还放得下的部分，返回值说明收下了多少。" +
            "没收下的放进这个成员自己的队列，等它的套接字又有空间时再发，或者干脆放弃这个不再读取的成员；" +
            "绝不能悄悄丢掉半行。（阻塞的 sendall() 不会丢，但会卡住所有人。）",
        ),
        fix: { python: PY_SEND_OR_DROP, bun: BUN_QUEUE },
        reread: both(
          "lessons/02-hub.ts B1: send(), flush() and the cap on each client's queue",
          "lessons/02-hub.ts B1：send()、flush() 和每个客户端队列的上限",
        ),
        rereadPy: both(
          "the article 1.2 (send() returns how much it sent); lessons/02-hub.ts B1: a queue per client, and a cap",
          "原文 1.2（send() 返回发出了多少）；lessons/02-hub.ts B1：每个客户端一个队列，并且有上限",
        ),
      },
    },
  },
  {
    id: "shared-state",
    name: both("one state object shared by all sockets", "所有套接字共用一个状态对象"),
    explain: both(
      "Each connection needs its own state: its half-received line, its name, its queue. State kept in one place " +
        "for every client (one module-level buffer, or one object handed to every socket) mixes two clients' half " +
        "lines when they type at once. Make a fresh state for each connection when it arrives, and keep it with " +
        "that connection.",
      "每个连接都需要自己的状态：收到一半的行、名字、发送队列。所有客户端共用一处状态（一个模块级的缓冲区，" +
        "或交给每个套接字的同一个对象），两个客户端同时输入时，它们的半行就会混在一起。应在每个连接到来时为它新建一份状态，" +
        "并让这份状态跟着这个连接。",
    ),
    fix: {
      python: code`
        buffers[conn] = b""  # at accept(): its own buffer
        buffers[sock] += data  # after recv(): only its bytes
      `,
      bun: code`
        open(s) {
          s.data = { buffered: "", decoder: new TextDecoder() };
        },
      `,
    },
    reread: both(
      "lessons/01-echo.ts §3: newConn(), a state of its own per client in s.data",
      "lessons/01-echo.ts §3：newConn()，每个客户端在 s.data 里有自己的状态",
    ),
    rereadPy: both(
      "the article's chapter 2 (a select() server keeps a buffer per socket); " +
        "lessons/01-echo.ts §3: newConn(), a state of its own per client",
      "原文第 2 章（select() 服务器为每个套接字保留一个缓冲区）；lessons/01-echo.ts §3：newConn()，每个客户端有自己的状态",
    ),
  },
  {
    id: "prints-over-prompt",
    name: both("a thread prints over the prompt", "线程直接打印，盖住提示符"),
    explain: both(
      "A message arrived while you were typing and was printed into your half-typed line, which was not shown " +
        "again. A receiving thread that just print()s does that. Clear the prompt line first (a carriage return " +
        'and the erase-line code "\\x1b[K"), print the message, then draw the prompt and the typed text again.',
      "你正在输入时来了一条消息，它被打印到你输入到一半的行里，而你输入的文字没有再显示出来。只会 print() 的接收线程就是这样。" +
        '应先清掉提示符这一行（回车符加上清除整行的控制码 "\\x1b[K"），打印消息，再重画提示符和已输入的文字。',
    ),
    fix: {
      python: code`
        import readline, sys
        sys.stdout.write("\r\x1b[K" + message + "\n")
        sys.stdout.write("> " + readline.get_line_buffer())
        sys.stdout.flush()
      `,
      bun: code`
        import { clearLine, cursorTo } from "node:readline";
        clearLine(process.stdout, 0);
        cursorTo(process.stdout, 0);
        console.log(message);
        rl.prompt(true);
      `,
    },
    reread: both(
      "lessons/03-client.ts §2: print(), above what is being typed",
      "lessons/03-client.ts §2：print()，打印在正在输入的文字上方",
    ),
    rereadPy: both(
      "the article's chapter 3 (its receiving thread print()s); lessons/03-client.ts §2: print(), above what is typed",
      "原文第 3 章（它的接收线程直接 print()）；lessons/03-client.ts §2：print()，打印在正在输入的文字上方",
    ),
  },
  {
    id: "raw-bytes",
    name: both("bytes from the network printed raw", "原样打印网络上的字节"),
    explain: both(
      "Another user's text reached your terminal with its control characters: an ESC sequence can recolour the " +
        "screen, move the cursor, retitle the window or draw a fake prompt, and U+202E reverses text. Before " +
        'printing, replace C0 and C1 controls (all but tab and the "\\n" between lines), DEL and the ' +
        'bidirectional overrides with "\uFFFD".',
      "别人的文字连同控制字符一起到了你的终端：ESC 序列能改屏幕颜色、移动光标、改窗口标题或画出假的提示符，U+202E 能让文字倒着显示。" +
        '打印之前，把 C0 和 C1 控制字符（制表符和行与行之间的 "\\n" 除外）、DEL 和双向覆盖字符替换成 "\uFFFD"。',
    ),
    fix: {
      python: code`
        import re
        CONTROLS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
        text = re.sub(CONTROLS, "\ufffd", text)
      `,
      bun: code`
        const bad = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
        text = text.replace(bad, "\uFFFD");
      `,
    },
    reread: both("lessons/03-client.ts B3: clean()", "lessons/03-client.ts B3：clean()"),
    rereadPy: both(
      "the article's chapter 3 (it prints what recv() returns, as it is); lessons/03-client.ts B3: clean()",
      "原文第 3 章（它把 recv() 收到的内容原样打印）；lessons/03-client.ts B3：clean()",
    ),
  },
  {
    id: "ignores-sigterm",
    name: both("SIGTERM not handled", "没有处理 SIGTERM"),
    explain: both(
      "Asked to stop with SIGTERM (what `kill` and service managers send), the server did not finish by itself " +
        "with exit code 0: without a handler it dies mid-sentence (status 143) and tells nobody. Trap the signal, " +
        "tell the clients if you like, close the sockets, and exit 0.",
      "用 SIGTERM（`kill` 和服务管理器发送的信号）要求服务器停止时，它没有自己以退出码 0 结束：没有处理函数，它就话说一半死掉" +
        "（状态 143），也不通知任何人。要捕获这个信号，可以先通知客户端，关闭套接字，再以 0 退出。",
    ),
    fix: {
      python: code`
        import signal, sys
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
      `,
      bun: code`
        process.on("SIGTERM", () => process.exit(0));
      `,
    },
    reread: both(
      "lessons/02-hub.ts §6: stop(), trapped for SIGINT and SIGTERM",
      "lessons/02-hub.ts §6：stop()，用于 SIGINT 和 SIGTERM",
    ),
    rereadPy: both(
      "the article's chapter 4 (leaving: the program's end); lessons/02-hub.ts §6: stop()",
      "原文第 4 章（退出：程序的结束）；lessons/02-hub.ts §6：stop()",
    ),
    in: {
      "01": {
        reread: both(
          "lessons/01-echo.ts §5: runServer(), which traps SIGINT and SIGTERM and exits 0",
          "lessons/01-echo.ts §5：runServer()，捕获 SIGINT 和 SIGTERM，以 0 退出",
        ),
        rereadPy: both(
          "the article 1.3.2 (its server never stops by itself); lessons/01-echo.ts §5: runServer()",
          "原文 1.3.2「编写服务器」（它的服务器从不自己停下）；lessons/01-echo.ts §5：runServer()",
        ),
      },
      "04": {
        reread: both(
          "lessons/04-chat.ts §5: stop(), which tells everyone and exits 0",
          "lessons/04-chat.ts §5：stop()，通知所有人，以 0 退出",
        ),
        rereadPy: both(
          "the article's chapter 4 (leaving the program); lessons/04-chat.ts §5: stop(), which tells everyone",
          "原文第 4 章（退出程序）；lessons/04-chat.ts §5：stop()，通知所有人",
        ),
      },
    },
  },
  {
    id: "no-clean-leave",
    name: both("the client does not leave cleanly", "客户端不能干净地离开"),
    explain: both(
      'A person leaves a client with Ctrl+D, Ctrl+C or "exit". Ctrl+D ends the input (Python\'s input() raises ' +
        'EOFError), Ctrl+C interrupts (KeyboardInterrupt in Python), and "exit" is a line like any other until ' +
        "you look for it. Each must end the program by itself with exit code 0, after closing the connection " +
        '(over UDP after sending "/quit": the hub\'s only way to know). A traceback, or a client that goes on ' +
        "running, leaves the person stuck and the hub thinking they are still there.",
      '人们用 Ctrl+D、Ctrl+C 或 "exit" 离开客户端。Ctrl+D 结束输入（Python 的 input() 抛出 EOFError），' +
        'Ctrl+C 是中断（Python 里是 KeyboardInterrupt），"exit" 在你检查它之前只是普通的一行。每一种都必须让程序' +
        '关闭连接（UDP 上先发送 "/quit"：这是 hub 知道你离开的唯一办法）后自己以退出码 0 结束。打印一堆 traceback，' +
        "或者客户端继续运行，都会让人困在那里，hub 也以为他还在。",
    ),
    fix: {
      python: code`
        try:
            while (line := input("> ")) != "exit":
                sock.sendall((line + "\n").encode())
        except (EOFError, KeyboardInterrupt):
            pass
        sock.close()
      `,
      bun: code`
        rl.on("line", (line) => (line === "exit" ? rl.close() : send(line)));
        rl.on("SIGINT", () => rl.close());
        rl.on("close", () => {
          leave();
          process.exit(0);
        });
      `,
    },
    reread: both("lessons/03-client.ts §1: main() and leave()", "lessons/03-client.ts §1：main() 和 leave()"),
    rereadPy: both(
      'the article\'s chapter 4 (its client leaves on "exit"); lessons/03-client.ts §1: main() and leave()',
      '原文第 4 章（它的客户端输入 "exit" 离开）；lessons/03-client.ts §1：main() 和 leave()',
    ),
  },
  {
    id: "tcp-only",
    name: both("uses TCP only, even given --udp", "只用 TCP，收到 --udp 也一样"),
    explain: both(
      "Given --udp, your program still used TCP: it listened (a server) or connected (a client) over TCP, " +
        "where the UDP half of the exercise has nobody to talk to. Read --udp from the command line and, when " +
        "it is there, bind (a server) or open (a client) a UDP socket instead (SOCK_DGRAM). UDP has no " +
        "listen(), accept() or connect(): a datagram arrives with its sender's address (recvfrom()), and you " +
        "answer that address (sendto()).",
      "收到 --udp 时，你的程序仍然用 TCP：它在 TCP 上监听（服务器）或连接（客户端），而练习的 UDP 部分在那里没有谁可以交谈。" +
        "从命令行读取 --udp，有它时改为绑定（服务器）或打开（客户端）一个 UDP 套接字（SOCK_DGRAM）。" +
        "UDP 没有 listen()、accept() 或 connect()：数据报连同发送者的地址一起到达（recvfrom()），" +
        "你回复那个地址（sendto()）。",
    ),
    fix: {
      python: code`
        import socket, sys
        if "--udp" in sys.argv:  # no listen(), no accept(): datagrams
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", port))
            serve_udp(udp)  # recvfrom() each datagram, sendto() its answer
      `,
      bun: code`
        // --udp: a UDP socket, udp = { data(), error() } answering datagrams
        if (values.udp) {
          await Bun.udpSocket({ hostname: "127.0.0.1", port, socket: udp });
        } else {
          Bun.listen({ hostname: "127.0.0.1", port, socket: tcp });
        }
      `,
    },
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), and §5: --udp chooses it",
      "lessons/01-echo.ts §4：serveUdp()，以及 §5：由 --udp 选择它",
    ),
    rereadPy: both(
      "the article 1.1.3.2 (connectionless sockets, SOCK_DGRAM) and 1.2 (recvfrom, sendto); " +
        "lessons/01-echo.ts §4 and §5: --udp chooses UDP",
      "原文 1.1.3.2「无连接的套接字」（SOCK_DGRAM）和 1.2（recvfrom、sendto）；lessons/01-echo.ts §4 和 §5：由 --udp 选择 UDP",
    ),
    in: {
      "02": {
        reread: both(
          "lessons/02-hub.ts §4: a client is an address we have heard from; §6: --udp chooses it",
          "lessons/02-hub.ts §4：客户端就是我们收到过数据报的地址；§6：由 --udp 选择它",
        ),
        rereadPy: both(
          "the article 1.1.3.2 (connectionless sockets) and 1.2 (recvfrom, sendto); " +
            "lessons/02-hub.ts §4: a client is an address we have heard from",
          "原文 1.1.3.2「无连接的套接字」和 1.2（recvfrom、sendto）；lessons/02-hub.ts §4：客户端就是我们收到过数据报的地址",
        ),
      },
      "03": {
        fix: UDP_CLIENT,
        reread: both(
          'lessons/03-client.ts §4: the link over UDP, a hello, datagrams and "/quit"',
          'lessons/03-client.ts §4：UDP 上的连接——问候、数据报和 "/quit"',
        ),
        rereadPy: both(
          "the article 1.1.3.2 (connectionless sockets) and 1.2 (sendto, recvfrom); " +
            'lessons/03-client.ts §4: a hello, datagrams and "/quit"',
          '原文 1.1.3.2「无连接的套接字」和 1.2（sendto、recvfrom）；lessons/03-client.ts §4：问候、数据报和 "/quit"',
        ),
      },
      "04": {
        reread: both(
          "lessons/04-chat.ts §2: one hub behind one transport; src/transports/udp.ts",
          "lessons/04-chat.ts §2：一个 hub 配一种传输；src/transports/udp.ts",
        ),
        rereadPy: both(
          "the article 1.1.3.2 (connectionless sockets) and 1.2 (recvfrom, sendto); " +
            "lessons/04-chat.ts §2: one hub behind one transport",
          "原文 1.1.3.2「无连接的套接字」和 1.2（recvfrom、sendto）；lessons/04-chat.ts §2：一个 hub 配一种传输",
        ),
      },
    },
  },
  {
    id: "crash",
    name: both("your program crashed", "你的程序崩溃了"),
    explain: both(
      "Your program stopped with an error in its own code, not because of anything the network did: the " +
        "error and the line of your file it came from are shown above. Often it is a value that was never " +
        "set (a client's state not created when it connects), a misspelt name, or the wrong type. Fix that " +
        "line, run your program once by hand with a client (nc 127.0.0.1 9009), then grade again.",
      "你的程序因为它自己代码里的错误而停止了，不是网络造成的：上面给出了错误，以及它出自你的文件的哪一行。" +
        "常见的是一个从没设置过的值（客户端连上时没有为它创建状态）、拼错的名字或者类型不对。改好那一行，" +
        "先自己用一个客户端（nc 127.0.0.1 9009）运行一次程序，再打分。",
    ),
    // No code fix: the mistake is in a line of the learner's own, which the report shows.
    reread: both(
      "lessons/README.md, Your first exercise: the TODO that line belongs to, and the section it names",
      "lessons/README.zh-CN.md，你的第一个练习：那一行所属的 TODO，以及它指出的那一节",
    ),
    rereadPy: both(
      "the article's part your exercise follows, beside that line; " +
        "lessons/README.md, Your first exercise: the TODO that line belongs to",
      "原文里你的练习对应的那一部分，对照那一行；lessons/README.zh-CN.md，你的第一个练习：那一行所属的 TODO",
    ),
  },
  {
    id: "no-sender-name",
    name: both("the sender is not named", "没有标明发送者"),
    explain: both(
      "Your hub relays each line, but nobody can tell who said it. The article's hub puts the sender's " +
        'address in front of every line it relays: "<127.0.0.1:52114> hello". Make that name when a client ' +
        "arrives (its host and port: the address accept() returns; over UDP, the address a datagram came " +
        "from) and put it in front of each line you relay.",
      "你的 hub 转发了每一行，但谁也看不出是谁说的。原文的 hub 在转发的每一行前面加上发送者的地址：" +
        '"<127.0.0.1:52114> hello"。在客户端到来时生成这个名字（它的主机和端口：accept() 返回的地址；' +
        "UDP 上是数据报的来源地址），再把它放在你转发的每一行前面。",
    ),
    fix: {
      python: code`
        message = "<%s:%d> %s" % (address[0], address[1], line)
      `,
      bun: code`
        broadcast(${"`<${s.remoteAddress}:${s.remotePort}> ${line}`"}, s);
      `,
    },
    reread: both(
      'lessons/02-hub.ts §3: receive(), each line sent as "<host:port> line"',
      'lessons/02-hub.ts §3：receive()，每一行以 "<host:port> 那一行" 发出',
    ),
    rereadPy: both(
      "the article's chapter 2 (its hub puts the sender's address before each line); " +
        'lessons/02-hub.ts §3: receive(), each line sent as "<host:port> line"',
      "原文第 2 章（它的 hub 在每一行前面加上发送者的地址）；" +
        'lessons/02-hub.ts §3：receive()，每一行以 "<host:port> 那一行" 发出',
    ),
  },
  {
    id: "lines-run-together",
    name: both("two lines read at once shown as one", "一次读到的两行显示成了一行"),
    explain: both(
      "The hub sent two lines, your client got them in one read, and the screen showed them run together " +
        'on one line ("line one\uFFFDline two", or without a mark at all). A read is not a line: keep a ' +
        'buffer, split it at "\\n" (keeping the unfinished end for the next read), and only then clean and ' +
        "print each line. Cleaning control characters before splitting turns the newline itself into a mark.",
      "hub 发来两行，你的客户端一次就读到了，屏幕上却把它们连成一行显示" +
        '（"line one\uFFFDline two"，或者中间什么记号也没有）。一次读取不等于一行：保留一个缓冲区，按 "\\n" 切分' +
        "（没收完的结尾留到下一次读取），然后再逐行清理控制字符并打印。先清理再切分，会把换行符本身也变成记号。",
    ),
    fix: {
      python: code`
        import re
        buffered += data  # bytes, kept for the next read
        *lines, buffered = buffered.split(b"\n")  # lines first,
        for line in lines:  # then clean each one
            print(re.sub(CONTROLS, "\ufffd", line.decode("utf-8", "replace")))
      `,
      bun: code`
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split("\n"); // lines first,
        buffered = lines.pop()!; // the unfinished end kept,
        for (const line of lines) print(clean(line)); // then each cleaned
      `,
    },
    reread: both(
      "lessons/03-client.ts §3: openTcp(), lines framed before B3's clean()",
      "lessons/03-client.ts §3：openTcp()，先切成行，再用 B3 的 clean()",
    ),
    rereadPy: both(
      "the article's chapter 3 (its receiving thread prints each recv() as it came); " +
        "lessons/03-client.ts §3: openTcp(), lines framed before B3's clean()",
      "原文第 3 章（它的接收线程把每次 recv() 的内容原样打印）；lessons/03-client.ts §3：openTcp()，先切成行，再用 B3 的 clean()",
    ),
  },
  {
    id: "blank-line",
    name: both("a blank line after each reply", "每个回复后面多了一个空行"),
    explain: both(
      'A datagram like "hello\\n" carries its own newline. Your reply kept it and added one more, so each ' +
        "reply ends in a blank line (nc -u shows an empty line after every answer). Strip the newline from " +
        "what you received before you add your own.",
      '像 "hello\\n" 这样的数据报自带换行符。你的回复保留了它，又加了一个，所以每个回复后面都多了一个空行' +
        "（nc -u 每收到一个回答都会多显示一个空行）。先去掉收到的内容末尾的换行符，再加上你自己的。",
    ),
    fix: {
      python: code`
        line = data.decode("utf-8").rstrip("\r\n")
      `,
      bun: code`
        const line = new TextDecoder().decode(buf).replace(/\r?\n$/, "");
      `,
    },
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), the newline taken off before reply()",
      "lessons/01-echo.ts §4：serveUdp()，在 reply() 之前去掉换行符",
    ),
    rereadPy: both(
      "the article 1.1.3.2 (a datagram is one whole message); " +
        "lessons/01-echo.ts §4: serveUdp(), the newline taken off before reply()",
      "原文 1.1.3.2「无连接的套接字」（一个数据报就是一条完整的消息）；lessons/01-echo.ts §4：serveUdp()，在 reply() 之前去掉换行符",
    ),
    in: {
      "02": {
        reread: both(
          "lessons/02-hub.ts §4: hear(), one datagram is one message",
          "lessons/02-hub.ts §4：hear()，一个数据报就是一条消息",
        ),
        rereadPy: both(
          "the article 1.1.3.2 (a datagram is one whole message); lessons/02-hub.ts §4: hear()",
          "原文 1.1.3.2「无连接的套接字」（一个数据报就是一条完整的消息）；lessons/02-hub.ts §4：hear()",
        ),
      },
    },
  },
  {
    id: "hard-coded-port",
    name: both("the port is hard-coded", "端口写死了"),
    explain: both(
      "Your program listened on a port of its own choosing, not on the one it was given. The grader (like " +
        "anyone who runs two servers at once) picks a free port and passes it as --port N and in the " +
        "environment variable PORT; 9009 may well be taken. Read --port, else PORT, and only then fall back " +
        "to 9009.",
      "你的程序在它自己选的端口上监听，而不是给它的那个端口。评分器（和任何同时运行两个服务器的人一样）会挑一个空闲端口，" +
        "通过 --port N 和环境变量 PORT 传给它；9009 很可能已被占用。先读 --port，没有再读 PORT，最后才用 9009。",
    ),
    fix: {
      python: code`
        import os, sys
        port = int(os.environ.get("PORT", "9009"))
        if "--port" in sys.argv:
            port = int(sys.argv[sys.argv.index("--port") + 1])
      `,
      bun: code`
        import { parseArgs } from "node:util";
        const options = { port: { type: "string" as const } };
        const { values } = parseArgs({ options, strict: false });
        const port = Number(values.port ?? process.env.PORT ?? 9009);
      `,
    },
    reread: both(
      "lessons/01-echo.ts §1: HOST and PORT from the command line",
      "lessons/01-echo.ts §1：从命令行读取 HOST 和 PORT",
    ),
    rereadPy: both(
      "the article 1.3.2 (its port is fixed in the code) and chapter 4 (settings.py's PORT); " +
        "lessons/01-echo.ts §1: HOST and PORT from the command line",
      "原文 1.3.2「编写服务器」（端口写死在代码里）和第 4 章（settings.py 的 PORT）；lessons/01-echo.ts §1：从命令行读取 HOST 和 PORT",
    ),
  },
  {
    id: "frame-not-line",
    name: both("a frame is taken for a line", "把帧当成了一行"),
    explain: both(
      "A WebSocket frame arrives whole, but it is a message, not a line. From the browser, one frame is one " +
        'line WITHOUT "\\n": add it for the hub (which frames on "\\n"), and split a frame that holds "\\n" ' +
        "into lines. From the hub comes a TCP stream: one read may hold two lines, or half of one. Frame it " +
        'on "\\n" and send each whole line as a frame of its own, never a read as a frame.',
      'WebSocket 的帧总是完整到达，但它是一条消息，不是一行。从浏览器来的一帧就是一行，不带 "\\n"：' +
        '转给 hub 时要补上（hub 按 "\\n" 分行），帧里有 "\\n" 就拆成几行。从 hub 来的是 TCP 字节流：' +
        '一次读取可能有两行，也可能只有半行。按 "\\n" 分行，每一整行单独作为一个帧发出，绝不把一次读取当成一帧。',
    ),
    // No Python fix: exercise 06 is TypeScript's (Python's standard library has no WebSocket).
    // rereadPy stays: a bridge in Python, on a WebSocket package, is still graded and sent there.
    fix: {
      bun: code`
        for (const line of message.split("\n")) if (line) toHub(line);
        // from the hub: frame the stream, one whole line per frame
        const got = decoder.decode(chunk, { stream: true });
        const lines = (buffered + got).split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) ws.send(line);
      `,
    },
    reread: both(
      "lessons/06-web-window.ts §5 fromBrowser() and §6 LineFramer",
      "lessons/06-web-window.ts §5 fromBrowser() 和 §6 LineFramer",
    ),
    rereadPy: both(
      "the article 1.3.2 (one recv() is not one message); lessons/06-web-window.ts §5 and §6: frames and lines",
      "原文 1.3.2（一次 recv() 不等于一条消息）；lessons/06-web-window.ts §5 和 §6：帧与行",
    ),
  },
  {
    id: "frames-not-text",
    name: both("text frames must be UTF-8", "文本帧必须是 UTF-8"),
    explain: both(
      "A page reads text frames: the hub's bytes must become text first. Sent as they came, they go out as " +
        "a binary frame, which the page cannot show, or, put in a text frame, bytes that are not UTF-8 make " +
        "the browser fail the whole connection (code 1007, RFC 6455 section 8.1). Decode the hub's bytes " +
        "with a decoder that keeps half a character for the next read and turns bad bytes into U+FFFD, then " +
        "send the text as a text frame.",
      "网页读的是文本帧：hub 发来的字节要先变成文本。原样发出去，就成了网页无法显示的二进制帧；放进文本帧里，" +
        "不是 UTF-8 的字节会让浏览器断开整个连接（代码 1007，RFC 6455 第 8.1 节）。用一个能把半个字符留给下一次" +
        "读取、把坏字节换成 U+FFFD 的解码器解码 hub 的字节，再作为文本帧发出。",
    ),
    // No Python fix: exercise 06 is TypeScript's (Python's standard library has no WebSocket).
    // rereadPy stays: a bridge in Python, on a WebSocket package, is still graded and sent there.
    fix: {
      bun: code`
        const decoder = new TextDecoder(); // bad bytes become U+FFFD
        const text = decoder.decode(chunk, { stream: true });
        ws.send(text); // a string: a text frame (a Buffer is binary)
      `,
    },
    reread: both(
      "lessons/06-web-window.ts §6 (LineFramer's decoder) and B3",
      "lessons/06-web-window.ts §6（LineFramer 的解码器）和 B3",
    ),
    rereadPy: both(
      "the article 1.3 (decode() and encode()); lessons/06-web-window.ts §6 and B3: text frames",
      "原文 1.3（decode() 和 encode()）；lessons/06-web-window.ts §6 和 B3：文本帧",
    ),
  },
  {
    id: "slow-browser-stalls",
    name: both("a slow browser stalls the others", "一个慢的浏览器拖住了其他人"),
    explain: both(
      "One browser stopped reading (a stuck tab, a phone asleep), and the others stopped hearing the room. " +
        "Nothing may wait for one browser: not one queue for everyone that is sent in order, not a send that " +
        "blocks the only thread. Give each browser its own hub connection and its own queue (a thread each, " +
        "in Python), and let a browser that falls too far behind go.",
      "有一个浏览器不再读数据（卡住的标签页、睡着的手机），其他人也就听不到聊天室了。任何东西都不能等一个浏览器：" +
        "不能所有人共用一个按顺序发送的队列，也不能在唯一的线程里做阻塞的发送。给每个浏览器自己的 hub 连接和" +
        "自己的队列（Python 里每个一个线程），落后太多的浏览器就放它走。",
    ),
    // No Python fix: exercise 06 is TypeScript's (Python's standard library has no WebSocket).
    // rereadPy stays: a bridge in Python, on a WebSocket package, is still graded and sent there.
    fix: {
      bun: code`
        ws.send(line); // never waits: Bun keeps what it has not read
        if (ws.getBufferedAmount() > 256 * 1024) ws.terminate();
      `,
    },
    reread: both(
      "lessons/06-web-window.ts B1: toBrowser() and dropSlowBrowser()",
      "lessons/06-web-window.ts B1：toBrowser() 和 dropSlowBrowser()",
    ),
    rereadPy: both(
      "the article 3 (a thread that sits in recv()); lessons/06-web-window.ts B1: a slow browser",
      "原文第 3 章（一个守在 recv() 里的线程）；lessons/06-web-window.ts B1：慢的浏览器",
    ),
  },
];

export const MISCONCEPTIONS = Object.fromEntries(entries.map((m) => [m.id, m])) as Record<
  MisconceptionId,
  Misconception
>;

/**
 * The named misconceptions behind a set of symptoms, each once, in catalogue
 * order; in `lesson`'s own words when it has them.
 */
export function diagnose(symptoms: Iterable<string>, lesson?: ExerciseId): Misconception[] {
  const seen = new Set(symptoms);
  return entries.filter((m) => seen.has(m.id)).map((m) => ({ ...m, ...(lesson ? m.in?.[lesson] : undefined) }));
}

/**
 * The table of the article's beginner bugs in lessons/README.md, row by row, and
 * the misconception that names each when a program has it.
 */
export const ARTICLE_BUGS: { bug: Text; id: MisconceptionId | MisconceptionId[] }[] = [
  { bug: both("One recv(1024) is one message", "把一次 recv(1024) 当成一条消息"), id: "one-read-one-message" },
  { bug: both("data.decode() on each read", "每次读到数据就 data.decode()"), id: "decode-per-read" },
  { bug: both("A reply without \\n", "回复不带 \\n"), id: "no-newline" },
  { bug: both("The clients table is never filled", "clients 表从来没有填过"), id: "clients-never-added" },
  { bug: both("Broadcast to everyone", "广播给所有人"), id: "echo-to-sender" },
  { bug: both("send() assumed to send everything", "以为 send() 一定全部发出"), id: "writes-assumed-complete" },
  { bug: both("A client that left is never removed", "离开的客户端从不移除"), id: "clients-never-removed" },
  { bug: both("UDP treated like TCP", "把 UDP 当成 TCP"), id: "udp-like-tcp" },
  { bug: both("A thread prints over the prompt", "线程直接打印，盖住提示符"), id: "prints-over-prompt" },
  { bug: both("Printing bytes from the network raw", "原样打印网络上的字节"), id: "raw-bytes" },
  { bug: both("No clean exit", "不能干净地退出"), id: ["ignores-sigterm", "no-clean-leave"] },
];
