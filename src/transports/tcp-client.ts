/**
 * TCP, the client's side: one connection to a chat server, as lines (the
 * terminal client and lesson 04 use it). Bun's `write()` does not buffer, so
 * what the kernel did not take is kept and written again on `drain`. The
 * server's side is tcp-server.ts.
 */
import type { Socket } from "bun";
import { LineDecoder } from "../protocol.ts";
import { concatBytes } from "./bytes.ts";
import type { ConnectionHandlers, LineConnection } from "./types.ts";

/** Connects to a chat server over TCP. Rejects (e.g. ECONNREFUSED) when nobody listens. */
export async function connectTcp(host: string, port: number, handlers: ConnectionHandlers): Promise<LineConnection> {
  const decoder = new LineDecoder({ maxLineBytes: 64 * 1024 });
  const encoder = new TextEncoder();
  let unsent: Uint8Array | undefined;
  let closing = false;
  let byUs = false;

  const write = (socket: Socket<undefined>) => {
    if (!unsent) return;
    const wrote = socket.write(unsent);
    if (wrote < 0) return;
    unsent = wrote === unsent.length ? undefined : unsent.subarray(wrote);
    if (!unsent && closing) socket.end();
  };

  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, chunk) {
        for (const frame of decoder.push(chunk)) if (frame.kind === "line") handlers.line(frame.text);
      },
      drain: write,
      close() {
        handlers.closed(byUs);
      },
      error() {},
    },
  });
  socket.setNoDelay(true);

  return {
    send(line) {
      if (closing) return;
      const bytes = encoder.encode(line + "\n");
      unsent = unsent ? concatBytes([unsent, bytes], unsent.length + bytes.length) : bytes;
      write(socket);
    },
    close() {
      if (closing) return;
      closing = true;
      byUs = true;
      if (!unsent) socket.end();
    },
  };
}
