#!/usr/bin/env bun
/**
 * A hub that drops everything: it accepts clients (TCP, or UDP with --udp) and
 * reads what they send, and never writes a byte. Benchmarked against it, the
 * load generator shows how fast it can send when the hub costs nothing.
 *
 *   bun tools/bench/sink.ts --port 0 [--udp]
 *   prints: sink: listening on 127.0.0.1:PORT (tcp)
 */
import { openingComment, toolArgs } from "../harness/tool-args.ts";

const values = toolArgs(
  "sink",
  {
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      udp: { type: "boolean", default: false },
    },
  },
  () => openingComment(import.meta.path),
);
let bytes = 0;
let port: number;
if (values.udp) {
  const socket = await Bun.udpSocket({
    hostname: values.host,
    port: Number(values.port),
    socket: {
      data(_s, datagram) {
        bytes += datagram.length;
      },
      error() {},
    },
  });
  port = socket.port;
} else {
  const listener = Bun.listen({
    hostname: values.host,
    port: Number(values.port),
    socket: {
      data(_s, chunk) {
        bytes += chunk.length;
      },
      error() {},
    },
  });
  port = listener.port;
}
console.log(`sink: listening on ${values.host}:${port} (${values.udp ? "udp" : "tcp"})`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.log(`sink: read ${bytes} bytes`);
    process.exit(0);
  });
}
