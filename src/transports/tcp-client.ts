/**
 * TCP, the client's side: one connection to a chat server, as lines (the
 * terminal client and lesson 04 use it). Bun's `write()` does not buffer, so
 * what the kernel did not take is kept and written again on `drain`. The
 * server's side is tcp-server.ts.
 *
 * What is kept is bounded: a server that stops reading (stuck, or stopped with
 * SIGSTOP) would otherwise make the client hold everything typed or piped into
 * it. Past `MAX_UNSENT_BYTES` a line is refused (`send` returns false): the
 * terminal client then tells its person the server is not reading, and stops
 * reading its own input until `drained` says half of it is written. The lines
 * kept are kept as they came, one chunk each, never copied into one buffer
 * again on every send.
 */
import type { Socket } from "bun";
import { LineDecoder } from "../protocol.ts";
import type { ConnectionHandlers, LineConnection } from "./types.ts";

/** Bytes kept for a server that does not read them, at most: past this, lines are refused. */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/** Connects to a chat server over TCP. Rejects (e.g. ECONNREFUSED) when nobody listens. */
export async function connectTcp(host: string, port: number, handlers: ConnectionHandlers): Promise<LineConnection> {
  const decoder = new LineDecoder({ maxLineBytes: 64 * 1024 });
  const encoder = new TextEncoder();
  /** What the kernel has not taken yet, oldest first, and its size. */
  const unsent: Uint8Array[] = [];
  let unsentBytes = 0;
  /** A line was refused: `drained` is due once half of what was kept is written. */
  let refused = false;
  let closing = false;
  let byUs = false;

  const write = (socket: Socket<undefined>) => {
    while (unsent.length > 0) {
      const head = unsent[0]!;
      const wrote = socket.write(head);
      if (wrote < 0) return;
      unsentBytes -= Math.max(0, wrote);
      if (wrote < head.length) {
        unsent[0] = head.subarray(wrote); // the rest waits for `drain`
        return;
      }
      unsent.shift();
    }
    if (closing) socket.end();
  };
  const writeMore = (socket: Socket<undefined>) => {
    write(socket);
    if (refused && unsentBytes <= MAX_UNSENT_BYTES / 2) {
      refused = false;
      handlers.drained?.();
    }
  };

  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, chunk) {
        for (const frame of decoder.push(chunk)) if (frame.kind === "line") handlers.line(frame.text);
      },
      drain: writeMore,
      close() {
        handlers.closed(byUs);
      },
      error() {},
    },
  });
  socket.setNoDelay(true);

  return {
    send(line) {
      if (closing) return false;
      const bytes = encoder.encode(line + "\n");
      if (unsentBytes + bytes.length > MAX_UNSENT_BYTES) {
        refused = true;
        return false;
      }
      unsent.push(bytes);
      unsentBytes += bytes.length;
      if (unsent.length === 1) write(socket);
      return true;
    },
    close() {
      if (closing) return;
      closing = true;
      byUs = true;
      if (unsent.length === 0) socket.end();
    },
  };
}
