/**
 * Your echo server (lesson 01). Grade it: bun run grade --watch 01 workspace/01-echo.ts
 *
 * Reply to every line a client sends with "HH:MM:SS <the line>\n". The grader
 * gives you --port N (and PORT); over UDP it also passes --udp.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: process.env.PORT ?? "9009" }, udp: { type: "boolean", default: false } } });
const port = Number(values.port);
const time = () => new Date().toTimeString().slice(0, 8);

if (values.udp) {
  await Bun.udpSocket({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(sock, buf, fromPort, fromAddress) {
        // TODO: one datagram is one message: answer it, newline or not.
        void sock, buf, fromPort, fromAddress, time;
      },
      error() {
        // TODO: a reply that bounced (the client left) must not stop the server.
      },
    },
  });
} else {
  Bun.listen<{ buffered: string }>({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        // TODO: give each client its own state (Bun shares one `data` object otherwise).
        void s;
      },
      data(s, chunk) {
        // TODO: a read is not a line. Append to a buffer, reply once per complete "\n" line.
        void s, chunk;
      },
    },
  });
}
console.log(`echo: listening on 127.0.0.1:${port} (${values.udp ? "udp" : "tcp"})`);
// TODO: exit with code 0 on SIGTERM.
