/**
 * Lesson 03 · the receiving thread (started by `bun lessons/03-client.ts --worker`)
 *
 * The article's client starts a thread that loops on recv() and prints. Here a
 * Worker owns the socket instead. A socket cannot be posted between threads, so
 * the Worker opens it itself, with the very same openLink() the one-loop client
 * uses, and only plain messages cross over:
 *   main -> Worker:  { type: "open", host, port, udp }, { type: "send", line }, { type: "close" }
 *   Worker -> main:  { type: "open" } or { type: "failed" }, { type: "line" }, { type: "notice" },
 *                    { type: "closed" } when the hub goes, { type: "bye" } once we have closed.
 * Unlike Python threads, the two sides share no variables, so no lock is needed;
 * the price is that every line is copied from one thread to the other.
 */
import { openLink, type Link, type ToWorker, type FromWorker } from "./03-client.ts";

declare var self: Worker;
const post = (msg: FromWorker) => self.postMessage(msg);

let link: Promise<Link | undefined> = Promise.resolve(undefined);

// Installed before any await: messages posted while we start are not lost.
self.onmessage = async ({ data: msg }: MessageEvent<ToWorker>) => {
  if (msg.type === "open") {
    link = openLink(msg, {
      line: (text) => post({ type: "line", text }),
      notice: (text) => post({ type: "notice", text }),
      closed: (why) => post({ type: "closed", why }),
    }).then(
      (opened) => {
        post({ type: "open" });
        return opened;
      },
      (err) => {
        post({ type: "failed", message: (err as { code?: string }).code ?? String(err) });
        return undefined;
      },
    );
  } else if (msg.type === "send") {
    (await link)?.send(msg.line); // waits for the socket if it is still connecting
  } else if (msg.type === "close") {
    await (await link)?.close();
    post({ type: "bye" });
  }
};
