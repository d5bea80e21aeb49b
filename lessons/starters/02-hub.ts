/**
 * Your hub (lesson 02). Grade it: bun run grade --watch 02 workspace/02-hub.ts
 *
 * Relay each line to every OTHER client as "<127.0.0.1:PORT> line\n", and tell
 * the others "*** 127.0.0.1:PORT joined" / "*** 127.0.0.1:PORT left". Over UDP a
 * client joins by sending any datagram and leaves with "/quit".
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { values } = parseArgs({ options: { port: { type: "string", default: process.env.PORT ?? "9009" }, udp: { type: "boolean", default: false }, idle: { type: "string", default: "60" } } });
const port = Number(values.port);

type Client = { name: string; buffered: string };
const clients = new Set<Socket<Client>>();

if (values.udp) {
  // TODO: a Map from "address:port" to the last time you heard from it.
} else {
  Bun.listen<Client>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        s.data = { name: `127.0.0.1:${s.remotePort}`, buffered: "" };
        // TODO: add the client, and tell the others it joined.
      },
      data(s, chunk) {
        // TODO: frame on "\n" (a read is not a line) and relay each line to the others.
        void s, chunk, clients;
      },
      close(s) {
        // TODO: remove the client, and tell the others it left.
        void s;
      },
    },
  });
}
console.log(`hub: listening on 127.0.0.1:${port} (${values.udp ? "udp" : "tcp"})`);
// TODO: exit with code 0 on SIGTERM.
