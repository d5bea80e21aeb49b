/**
 * The catalogue of socket misconceptions the grader can name. A check that fails
 * reports the symptoms it saw (the ids below); `diagnose` turns them into named
 * misconceptions, each with an explanation and the part of a lesson to re-read.
 *
 * Every bug in the table of the article's bugs (lessons/README.md) is one of them
 * (ARTICLE_BUGS), and tests/grader.test.ts proves each is caught, and named, on a
 * small broken program in tests/fixtures/mutants/.
 *
 * Past 400 lines because it is a catalogue: each misconception in English and
 * Chinese side by side, so a new one is written in both at once.
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
  | "hard-coded-port";

export type ProgramKind = "python" | "bun";

/** What a learner reads about a misconception: what it means, the fix, what to re-read. */
type Words = {
  explain: Text;
  /** The fix in the learner's own language, when it is a line or two of code (lines split on "\n"). */
  fix?: Partial<Record<ProgramKind, string>>;
  reread: Text;
};

export type Misconception = Words & {
  id: MisconceptionId;
  name: Text;
  /** In an exercise of its own, other words: its own lesson's section to re-read, a client's fix. */
  in?: Partial<Record<ExerciseId, Partial<Words>>>;
};

const entries: Misconception[] = [
  {
    id: "one-read-one-message",
    name: both("one data event is one message", "一次读取就是一条消息"),
    explain: both(
      "TCP is a stream of bytes with no message boundaries. One recv() (one `data` event) may hold half a line, " +
        "or three lines, or a line and a half; the sender's writes are not preserved. Keep a buffer per connection, " +
        'append every chunk to it, and handle each complete line up to "\\n"; keep the rest for the next read.',
      "TCP 是没有消息边界的字节流。一次 recv()（一次 `data` 事件）可能只有半行，也可能有三行，或一行半；" +
        '发送方的写入边界不会被保留。为每个连接保留一个缓冲区，把每次收到的数据追加进去，按 "\\n" 取出完整的行逐一处理，' +
        "剩下的留到下一次读取。",
    ),
    reread: both(
      'lessons/01-echo.ts §3: takeLines(), a buffer per client cut at "\\n"',
      'lessons/01-echo.ts §3：takeLines()，每个客户端一个缓冲区，按 "\\n" 切分',
    ),
  },
  {
    id: "decode-per-read",
    name: both("each read decoded on its own", "每次读取单独解码"),
    explain: both(
      "A UTF-8 character takes up to four bytes, and a read may end in the middle of one. Decoding each read by " +
        "itself breaks that character: Python's data.decode() raises UnicodeDecodeError, JavaScript turns the halves " +
        'into "\uFFFD". Decode whole lines (keep the bytes until the "\\n" has come), or use one TextDecoder per ' +
        "connection with { stream: true }.",
      "一个 UTF-8 字符最多占四个字节，一次读取可能正好在字符中间结束。每次读取单独解码，就会把这个字符弄坏：" +
        'Python 的 data.decode() 抛出 UnicodeDecodeError，JavaScript 把两半变成 "\uFFFD"。应按整行解码' +
        '（等 "\\n" 到了再解码这一行的字节），或为每个连接用一个 TextDecoder 并加上 { stream: true }。',
    ),
    reread: both(
      "lessons/01-echo.ts §3: takeLines() and its TextDecoder with { stream: true }",
      "lessons/01-echo.ts §3：takeLines() 和它的 TextDecoder（{ stream: true }）",
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
    reread: both(
      'lessons/01-echo.ts §2: reply(), which ends with "\\n"',
      'lessons/01-echo.ts §2：reply()，以 "\\n" 结尾',
    ),
  },
  {
    id: "clients-never-added",
    name: both("the clients table is never filled", "clients 表从来没有填过"),
    explain: both(
      "Your hub accepted the connections and read what was sent, but nobody received anything: the table it " +
        "broadcasts to is empty. Add each client when it arrives (after accept() in Python, in open() in Bun) and " +
        "remove it when it leaves. The article's final server starts a thread per client and never puts anyone in " +
        "its `clients` table, so its broadcast reaches nobody.",
      "你的 hub 接受了连接，也读到了发来的内容，但谁也没收到任何东西：它广播的那张表是空的。每个客户端到来时" +
        "（Python 在 accept() 之后，Bun 在 open() 里）把它加进去，离开时再移除。原文最终版的服务器为每个客户端开一个线程，" +
        "却从来没有把任何人放进它的 `clients` 表，所以它的广播谁也收不到。",
    ),
    reread: both(
      "lessons/02-hub.ts §2 and §3: the clients table; join() adds, leave() removes",
      "lessons/02-hub.ts §2 和 §3：clients 表；join() 加入，leave() 移除",
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
    reread: both(
      "lessons/02-hub.ts §2: broadcast(line, from) skips `from`",
      "lessons/02-hub.ts §2：broadcast(line, from) 跳过 `from`",
    ),
  },
  {
    id: "clients-never-removed",
    name: both("clients never removed", "客户端从未被移除"),
    explain: both(
      'When a client leaves (recv() returns b"" / the `close` event; over UDP "/quit", or silence longer than ' +
        "--idle), it must be taken out of the set of clients. Otherwise the hub keeps writing to a dead socket (an " +
        "error, often a crash, on the next broadcast) or keeps sending datagrams to an address that has gone.",
      '客户端离开时（recv() 返回 b"" / `close` 事件；UDP 上是 "/quit"，或沉默超过 --idle），必须把它从客户端集合中移除。' +
        "否则聊天中心会继续向已关闭的套接字写数据（下一次广播时出错，常常直接崩溃），或者继续向已经离开的地址发送数据报。",
    ),
    reread: both(
      "lessons/02-hub.ts §3 leave() (TCP) and §4 forget() (UDP)",
      "lessons/02-hub.ts §3 leave()（TCP）和 §4 forget()（UDP）",
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
    reread: both(
      "lessons/01-echo.ts B4 and B5: udpError(), closeOnError()",
      "lessons/01-echo.ts B4 和 B5：udpError()、closeOnError()",
    ),
  },
  {
    id: "udp-like-tcp",
    name: both("UDP treated like TCP", "把 UDP 当成 TCP"),
    explain: both(
      "UDP has no connection and no stream. There is nothing to accept(): a datagram arrives with its sender's " +
        "address, and you answer that address (sendto()). Each datagram is one whole message, newline or not; it " +
        "may come twice or out of order, and the next one never continues it. Given --udp, bind a UDP socket " +
        "(SOCK_DGRAM, Bun.udpSocket) and answer every datagram as it is.",
      "UDP 没有连接，也不是字节流。没有什么可以 accept()：数据报连同发送者的地址一起到达，你回复那个地址（sendto()）。" +
        "每个数据报就是一条完整的消息，不管有没有换行符；它可能重复、可能乱序，后一个数据报从不“续上”前一个。" +
        "收到 --udp 时，要绑定一个 UDP 套接字（SOCK_DGRAM、Bun.udpSocket），并按原样回答每一个数据报。",
    ),
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), a client is an address",
      "lessons/01-echo.ts §4：serveUdp()，客户端就是一个地址",
    ),
    in: {
      "02": {
        reread: both(
          "lessons/02-hub.ts §4: a client is an address we have heard from",
          "lessons/02-hub.ts §4：客户端就是我们收到过数据报的地址",
        ),
      },
      "03": {
        explain: both(
          "Given --udp, a client has no connection to make: nothing listens on TCP at the hub's port, so " +
            "connecting there is refused (ConnectionRefusedError, ECONNREFUSED). Open a UDP socket " +
            "(SOCK_DGRAM, Bun.udpSocket) and send each line as a datagram to the hub's address (sendto()); " +
            'the hub learns yours from your first datagram, and "/quit" is your goodbye.',
          "收到 --udp 时，客户端没有连接可建立：hub 的端口上没有程序在 TCP 上监听，所以去连接会被拒绝" +
            "（ConnectionRefusedError、ECONNREFUSED）。应打开一个 UDP 套接字（SOCK_DGRAM、Bun.udpSocket），" +
            '把每一行作为一个数据报发到 hub 的地址（sendto()）；hub 从你的第一个数据报得知你的地址，"/quit" 就是你的告别。',
        ),
        fix: {
          python:
            "sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            'sock.sendto(line.encode(), ("127.0.0.1", port))',
          bun:
            "const sock = await Bun.udpSocket({ socket: { data: onDatagram } })\n" +
            'sock.send(line, port, "127.0.0.1")',
        },
        reread: both(
          'lessons/03-client.ts §4: the link over UDP, a hello, datagrams and "/quit"',
          'lessons/03-client.ts §4：UDP 上的连接——问候、数据报和 "/quit"',
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
    reread: both(
      "lessons/02-hub.ts §5 relay() and B4 trySend(): one more try",
      "lessons/02-hub.ts §5 relay() 和 B4 trySend()：再试一次",
    ),
    in: {
      "01": {
        explain: both(
          "A client left before your reply reached it, and the reply bounced (ICMP port unreachable). Bun " +
            "reports that bounce on a LATER send() of the same socket, which may be your reply to someone " +
            "else: an error caught and dropped there (or left to an empty error handler) loses a live " +
            "client's reply. Catch the error around each send, send once more, and only then give up.",
          "有客户端在你的回复到达之前就离开了，回复被退回（ICMP 端口不可达）。Bun 会在同一个套接字“之后的某次” send() " +
            "时报告这次退回，而那次可能是你给另一个人的回复：在那里捕获后丢掉（或交给空的 error 处理函数），" +
            "就丢了一个在线客户端的回复。每次发送都单独捕获错误，再发一次，仍失败才放弃。",
        ),
        reread: both("lessons/01-echo.ts B4: sendTo(), one more try", "lessons/01-echo.ts B4：sendTo()，再试一次"),
      },
    },
  },
  {
    id: "silence-stalls",
    name: both("one client's silence stalls everyone", "一个客户端不说话，所有人都被卡住"),
    explain: both(
      "A blocking recv() on one client (or waiting without limit for its line to finish) stops the whole server " +
        "while that client is quiet. Wait on all sockets at once (select(), or Bun's event loop) and only read from " +
        "a socket that is ready; never wait for one client in a way that holds up the others.",
      "对某个客户端阻塞地 recv()（或无限期地等待它把一行发完），会让整个服务器在它沉默时停下来。应同时等待所有套接字" +
        "（select()，或 Bun 的事件循环），只从已就绪的套接字读取；绝不能以阻塞其他人的方式等待某一个客户端。",
    ),
    reread: both(
      "lessons/02-hub.ts, its opening comment: the event loop instead of select()",
      "lessons/02-hub.ts 开头的说明：用事件循环代替 select()",
    ),
    in: {
      "01": {
        reread: both(
          "lessons/01-echo.ts §3: serveTcp(), one event loop for every client",
          "lessons/01-echo.ts §3：serveTcp()，一个事件循环服务所有客户端",
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
        "Serve every client at once: wait on all the sockets together (select() on the listening socket and " +
        "every client's, or Bun's event loop, which calls you for whichever socket has data), and read only " +
        "from a socket that is ready.",
      "第一个客户端得到了回复；同时连上的其他客户端，在它没离开时什么也没收到。这是一个 accept() 一个客户端、然后对它循环 " +
        "recv() 直到它离开的服务器（原文第 1 章）：下一个客户端只能在没人 accept() 的连接队列里等着。应同时服务所有客户端：" +
        "一起等待所有套接字（对监听套接字和每个客户端的套接字调用 select()，或者用 Bun 的事件循环，哪个套接字有数据就调用你），" +
        "只从已就绪的套接字读取。",
    ),
    fix: {
      python: "readable, _, _ = select.select([server] + clients, [], [])",
    },
    reread: both(
      "lessons/01-echo.ts §3: serveTcp(), one event loop for every client; lessons/02-hub.ts, its opening comment",
      "lessons/01-echo.ts §3：serveTcp()，一个事件循环服务所有客户端；lessons/02-hub.ts 开头的说明",
    ),
  },
  {
    id: "blocking-send",
    name: both("one slow reader stalls everyone", "一个读得慢的客户端卡住所有人"),
    explain: both(
      "One member stopped reading, and soon nobody else received anything: your hub waited for that member's " +
        "socket to take its bytes. Python's sendall() on a blocking socket waits until all is sent, which with a " +
        "full buffer is forever; an awaited write in Bun does the same. Never wait for one client: keep what it " +
        "cannot take yet in its own queue, write it when the socket is writable (`drain` in Bun, select()'s " +
        "writable list in Python), and drop a client whose queue grows too long.",
      "有一个成员不再读取，很快其他人也什么都收不到了：你的 hub 在等那个成员的套接字收下它的字节。阻塞套接字上的 " +
        "Python sendall() 要等全部发完才返回，缓冲区满了就是永远；Bun 里 await 一次写入也一样。绝不能等某一个客户端：" +
        "它暂时收不下的放进它自己的队列，等套接字可写时再写（Bun 的 `drain`，Python select() 的可写列表），" +
        "队列太长就丢弃这个客户端。",
    ),
    reread: both(
      "lessons/02-hub.ts B1: send(), flush() and the cap on each client's queue",
      "lessons/02-hub.ts B1：send()、flush() 和每个客户端队列的上限",
    ),
  },
  {
    id: "writes-assumed-complete",
    name: both("writes assumed complete", "以为每次写入都会完整发送"),
    explain: both(
      "send() and Bun's socket.write() may take only part of the data when the peer reads slowly; the return " +
        "value says how much. Python's sendall() loops for you; in Bun keep a queue per socket and write the rest " +
        "on `drain`. Ignoring it loses the end of a long reply.",
      "当对方读得慢时，send() 和 Bun 的 socket.write() 可能只发送一部分数据；返回值说明发送了多少。Python 的 sendall() " +
        "会替你循环；在 Bun 里要为每个套接字维护一个队列，在 `drain` 时写出剩余部分。忽略返回值会丢掉长回复的结尾。",
    ),
    reread: both(
      "lessons/01-echo.ts B1: send() and flush(), the queue written again on drain",
      "lessons/01-echo.ts B1：send() 和 flush()，在 drain 时继续写的队列",
    ),
    in: {
      "02": {
        explain: both(
          "One member read slowly, and lines meant for it were lost: send() and Bun's socket.write() take " +
            "only what the kernel has room for, and the return value says how much. Keep what was not taken " +
            "in that member's own queue and write it on `drain` (Bun) or when select() says the socket is " +
            "writable (Python); drop a member whose queue grows too long. Never lose it quietly.",
          "有一个成员读得慢，发给它的行就丢了：send() 和 Bun 的 socket.write() 只收下内核还放得下的部分，返回值说明收下了多少。" +
            "没收下的放进这个成员自己的队列，在 `drain`（Bun）或 select() 报告可写（Python）时再写；队列太长就断开这个成员。" +
            "绝不能悄悄丢掉。",
        ),
        reread: both(
          "lessons/02-hub.ts B1: send(), flush() and the cap on each client's queue",
          "lessons/02-hub.ts B1：send()、flush() 和每个客户端队列的上限",
        ),
      },
    },
  },
  {
    id: "shared-state",
    name: both("one state object shared by all sockets", "所有套接字共用一个状态对象"),
    explain: both(
      "Each connection needs its own state: its half-received line, its name, its queue. Bun.listen's `data` " +
        "object is ONE object shared by every accepted socket, and a module-level buffer is shared too; when two " +
        "clients type at once their half lines mix. Create a fresh state in `open` (s.data = {...}).",
      "每个连接都需要自己的状态：收到一半的行、名字、发送队列。Bun.listen 的 `data` 对象是所有已接受套接字共享的同一个对象，" +
        "模块级的缓冲区也是共享的；两个客户端同时输入时，它们的半行会混在一起。应在 `open` 中创建新的状态（s.data = {...}）。",
    ),
    reread: both(
      "lessons/01-echo.ts §3: newConn(), a state of its own per client in s.data",
      "lessons/01-echo.ts §3：newConn()，每个客户端在 s.data 里有自己的状态",
    ),
  },
  {
    id: "prints-over-prompt",
    name: both("a thread prints over the prompt", "线程直接打印，盖住提示符"),
    explain: both(
      "A message arrived while you were typing and was printed into your half-typed line, which was not shown " +
        "again. A receiving thread that just print()s does that. Clear the prompt line, print the message, then " +
        "draw the prompt and the typed text again: with node:readline, clearLine(), cursorTo(0), print, then " +
        "rl.prompt(true).",
      "你正在输入时来了一条消息，它被打印到你输入到一半的行里，而你输入的文字没有再显示出来。只会 print() 的接收线程就是这样。" +
        "应先清掉提示符这一行，打印消息，再重画提示符和已输入的文字：用 node:readline 时是 clearLine()、cursorTo(0)、" +
        "打印，然后 rl.prompt(true)。",
    ),
    fix: {
      python:
        'sys.stdout.write("\\r\\x1b[K" + message + "\\n")\n' +
        'sys.stdout.write("> " + readline.get_line_buffer())\nsys.stdout.flush()',
      bun: "clearLine(process.stdout, 0); cursorTo(process.stdout, 0)\nconsole.log(message); rl.prompt(true)",
    },
    reread: both(
      "lessons/03-client.ts §2: print(), above what is being typed",
      "lessons/03-client.ts §2：print()，打印在正在输入的文字上方",
    ),
  },
  {
    id: "raw-bytes",
    name: both("bytes from the network printed raw", "原样打印网络上的字节"),
    explain: both(
      "Another user's text reached your terminal with its control characters: an ESC sequence can recolour the " +
        "screen, move the cursor, retitle the window or draw a fake prompt, and U+202E reverses text. Before " +
        'printing, replace C0 and C1 controls (except tab), DEL and the bidirectional overrides with "\uFFFD".',
      "别人的文字连同控制字符一起到了你的终端：ESC 序列能改屏幕颜色、移动光标、改窗口标题或画出假的提示符，U+202E 能让文字倒着显示。" +
        '打印之前，把 C0 和 C1 控制字符（制表符除外）、DEL 和双向覆盖字符替换成 "\uFFFD"。',
    ),
    fix: {
      python:
        'bad = "[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]"\n' +
        'text = re.sub(bad, "\\ufffd", text)',
      bun:
        "const bad = /[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]/g\n" +
        'text = text.replace(bad, "\\uFFFD")',
    },
    reread: both("lessons/03-client.ts B3: clean()", "lessons/03-client.ts B3：clean()"),
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
      python: "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))",
      bun: 'process.on("SIGTERM", () => process.exit(0))',
    },
    reread: both(
      "lessons/02-hub.ts §6: stop(), trapped for SIGINT and SIGTERM",
      "lessons/02-hub.ts §6：stop()，用于 SIGINT 和 SIGTERM",
    ),
    in: {
      "01": {
        reread: both(
          "lessons/01-echo.ts §5: runServer(), which traps SIGINT and SIGTERM and exits 0",
          "lessons/01-echo.ts §5：runServer()，捕获 SIGINT 和 SIGTERM，以 0 退出",
        ),
      },
      "04": {
        reread: both(
          "lessons/04-chat.ts §5: stop(), which tells everyone and exits 0",
          "lessons/04-chat.ts §5：stop()，通知所有人，以 0 退出",
        ),
      },
    },
  },
  {
    id: "no-clean-leave",
    name: both("the client does not leave cleanly", "客户端不能干净地离开"),
    explain: both(
      'A person leaves a client with Ctrl+D, Ctrl+C or "exit". Ctrl+D ends the input (Python\'s input() raises ' +
        "EOFError, readline emits `close`), Ctrl+C interrupts (KeyboardInterrupt in Python, readline's `SIGINT` " +
        'event in Bun), and "exit" is a line like any other until you look for it. Each must end the program by ' +
        'itself with exit code 0, after closing the connection (over UDP after sending "/quit": the hub\'s only ' +
        "way to know). A traceback, or a client that goes on running, leaves the person stuck and the hub " +
        "thinking they are still there.",
      '人们用 Ctrl+D、Ctrl+C 或 "exit" 离开客户端。Ctrl+D 结束输入（Python 的 input() 抛出 EOFError，readline 发出 ' +
        "`close`），Ctrl+C 是中断（Python 里是 KeyboardInterrupt，Bun 里是 readline 的 `SIGINT` 事件），" +
        '"exit" 在你检查它之前只是普通的一行。每一种都必须让程序关闭连接（UDP 上先发送 "/quit"：这是 hub 知道你离开的唯一办法）' +
        "后自己以退出码 0 结束。打印一堆 traceback，或者客户端继续运行，都会让人困在那里，hub 也以为他还在。",
    ),
    fix: {
      python: "except (EOFError, KeyboardInterrupt): break",
      bun: 'rl.on("close", leave); rl.on("SIGINT", () => rl.close())',
    },
    reread: both("lessons/03-client.ts §1: main() and leave()", "lessons/03-client.ts §1：main() 和 leave()"),
  },
  {
    id: "tcp-only",
    name: both("uses TCP only, even given --udp", "只用 TCP，收到 --udp 也一样"),
    explain: both(
      "Given --udp, your program still used TCP: it listened (a server) or connected (a client) over TCP, " +
        "where the UDP half of the exercise has nobody to talk to. Read --udp from the command line and, when " +
        "it is there, bind (a server) or open (a client) a UDP socket instead: socket.SOCK_DGRAM in Python, " +
        "Bun.udpSocket in Bun. UDP has no listen(), accept() or connect(): a datagram arrives with its " +
        "sender's address (recvfrom()), and you answer that address (sendto()).",
      "收到 --udp 时，你的程序仍然用 TCP：它在 TCP 上监听（服务器）或连接（客户端），而练习的 UDP 部分在那里没有谁可以交谈。" +
        "从命令行读取 --udp，有它时改为绑定（服务器）或打开（客户端）一个 UDP 套接字：Python 里是 socket.SOCK_DGRAM，" +
        "Bun 里是 Bun.udpSocket。UDP 没有 listen()、accept() 或 connect()：数据报连同发送者的地址一起到达（recvfrom()），" +
        "你回复那个地址（sendto()）。",
    ),
    fix: {
      python:
        'kind = socket.SOCK_DGRAM if "--udp" in sys.argv else socket.SOCK_STREAM\n' +
        "sock = socket.socket(socket.AF_INET, kind)",
      bun: "if (values.udp) await Bun.udpSocket({ hostname, port, socket: { data, error } })",
    },
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), and §5: --udp chooses it",
      "lessons/01-echo.ts §4：serveUdp()，以及 §5：由 --udp 选择它",
    ),
    in: {
      "02": {
        reread: both(
          "lessons/02-hub.ts §4: a client is an address we have heard from; §6: --udp chooses it",
          "lessons/02-hub.ts §4：客户端就是我们收到过数据报的地址；§6：由 --udp 选择它",
        ),
      },
      "03": {
        reread: both(
          'lessons/03-client.ts §4: the link over UDP, a hello, datagrams and "/quit"',
          'lessons/03-client.ts §4：UDP 上的连接——问候、数据报和 "/quit"',
        ),
      },
      "04": {
        reread: both(
          "lessons/04-chat.ts §2: one hub behind one transport; src/transports/udp.ts",
          "lessons/04-chat.ts §2：一个 hub 配一种传输；src/transports/udp.ts",
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
    reread: both(
      "lessons/README.md, Your first exercise: the TODO that line belongs to, and the section it names",
      "lessons/README.zh-CN.md，你的第一个练习：那一行所属的 TODO，以及它指出的那一节",
    ),
  },
  {
    id: "no-sender-name",
    name: both("the sender is not named", "没有标明发送者"),
    explain: both(
      "Your hub relays each line, but nobody can tell who said it. The article's hub puts the sender's " +
        'address in front of every line it relays: "<127.0.0.1:52114> hello". Make that name when a client ' +
        "arrives (its host and port: accept()'s address in Python, s.remoteAddress and s.remotePort in Bun; " +
        "over UDP, the address a datagram came from) and put it in front of each line you relay.",
      "你的 hub 转发了每一行，但谁也看不出是谁说的。原文的 hub 在转发的每一行前面加上发送者的地址：" +
        '"<127.0.0.1:52114> hello"。在客户端到来时生成这个名字（它的主机和端口：Python 里是 accept() 返回的地址，' +
        "Bun 里是 s.remoteAddress 和 s.remotePort；UDP 上是数据报的来源地址），再把它放在你转发的每一行前面。",
    ),
    fix: {
      python: 'message = "<%s:%d> %s\\n" % (address[0], address[1], line)',
      bun: "broadcast(`<${s.remoteAddress}:${s.remotePort}> ${line}`, s)",
    },
    reread: both(
      'lessons/02-hub.ts §3: receive(), each line sent as "<host:port> line"',
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
    reread: both(
      "lessons/03-client.ts §3: openTcp(), lines framed before B3's clean()",
      "lessons/03-client.ts §3：openTcp()，先切成行，再用 B3 的 clean()",
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
      python: 'line = data.decode("utf-8").rstrip("\\r\\n")',
      bun: 'const line = new TextDecoder().decode(buf).replace(/\\r?\\n$/, "")',
    },
    reread: both(
      "lessons/01-echo.ts §4: serveUdp(), the newline taken off before reply()",
      "lessons/01-echo.ts §4：serveUdp()，在 reply() 之前去掉换行符",
    ),
    in: {
      "02": {
        reread: both(
          "lessons/02-hub.ts §4: hear(), one datagram is one message",
          "lessons/02-hub.ts §4：hear()，一个数据报就是一条消息",
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
      python:
        'port = int(os.environ.get("PORT", "9009"))\n' +
        'if "--port" in sys.argv: port = int(sys.argv[sys.argv.index("--port") + 1])',
      bun: "const port = Number(values.port ?? process.env.PORT ?? 9009)",
    },
    reread: both(
      "lessons/01-echo.ts §1: HOST and PORT from the command line",
      "lessons/01-echo.ts §1：从命令行读取 HOST 和 PORT",
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
