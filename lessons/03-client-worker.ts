/**
 * Lesson 03 · the receiving thread (`bun lessons/03-client.ts --worker`)
 *
 * The article's client starts a thread that loops on recv() and prints, while the
 * main thread waits in input(). Here a Worker owns the socket instead. A socket can
 * live in a Worker but cannot be posted to one (DataCloneError), so the Worker
 * opens it itself, with the very same openLink() the one-loop client uses, and
 * only plain messages cross between the threads:
 *
 *   main -> Worker:  { type: "open", host, port, udp }, { type: "send", line }, { type: "close" }
 *   Worker -> main:  { type: "open" } or { type: "failed" }, { type: "line" }, { type: "notice" },
 *                    { type: "closed" } when the hub goes, { type: "bye" } once we have closed.
 *
 * Unlike Python threads, the two sides share no variables, so no lock is needed;
 * the price is two event loops, every line copied from one thread to the other,
 * and leaving has to be agreed on. That is why the lesson's client uses one loop.
 *
 * The file has two halves: section 1 runs in the main thread (03-client.ts calls
 * it) and starts this same file as the Worker; section 2 runs inside the Worker.
 */
import { openLink, type Link, type LinkEvents, type LinkOptions } from "./03-client.ts";

type ToWorker = ({ type: "open" } & LinkOptions) | { type: "send"; line: string } | { type: "close" };
type FromWorker =
  | { type: "open" }
  | { type: "failed"; code: string }
  | { type: "line"; text: string }
  | { type: "notice" | "closed"; en: string; zh: string }
  | { type: "bye" };

// ── 1 · The main thread's half: the same Link, but only messages go through it ──

export function openLinkInWorker(o: LinkOptions, on: LinkEvents): Promise<Link> {
  const worker = new Worker(import.meta.url);
  const post = (msg: ToWorker) => worker.postMessage(msg);
  let bye = () => {};

  // Leaving is a conversation now: ask the Worker to close its socket and wait for
  // its answer, or our exit would kill it before it has said goodbye.
  function close() {
    return new Promise<void>((resolve) => {
      bye = () => {
        worker.terminate();
        resolve();
      };
      post({ type: "close" });
    });
  }

  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data: msg }: MessageEvent<FromWorker>) => {
      if (msg.type === "open") resolve({ send: (line) => post({ type: "send", line }), close });
      else if (msg.type === "failed") reject(Object.assign(new Error(msg.code), { code: msg.code }));
      else if (msg.type === "line") on.line(msg.text);
      else if (msg.type === "notice") on.notice(msg.en, msg.zh);
      else if (msg.type === "closed") on.closed(msg.en, msg.zh);
      else if (msg.type === "bye") bye();
    };
    post({ type: "open", ...o });
  });
}

// ── 2 · The Worker's half: the receiving thread ─────────────────────────────

declare var self: Worker;

function runWorker() {
  const post = (msg: FromWorker) => self.postMessage(msg);
  let link: Promise<Link | undefined> = Promise.resolve(undefined);

  function open(o: LinkOptions) {
    const events: LinkEvents = {
      line: (text) => post({ type: "line", text }),
      notice: (en, zh) => post({ type: "notice", en, zh }),
      closed: (en, zh) => post({ type: "closed", en, zh }),
    };
    link = openLink(o, events).then(
      (opened) => {
        post({ type: "open" });
        return opened;
      },
      (err) => {
        post({ type: "failed", code: (err as { code?: string }).code ?? String(err) });
        return undefined;
      },
    );
  }

  // Installed before any await: messages posted while we start are not lost.
  self.onmessage = async ({ data: msg }: MessageEvent<ToWorker>) => {
    if (msg.type === "open") {
      open(msg);
    } else if (msg.type === "send") {
      (await link)?.send(msg.line); // waits for the socket if it is still connecting
    } else if (msg.type === "close") {
      await (await link)?.close();
      post({ type: "bye" });
    }
  };
}

if (!Bun.isMainThread) runWorker();
