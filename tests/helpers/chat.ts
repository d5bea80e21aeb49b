/**
 * Real servers in this process, and raw clients for the contract suite.
 *
 * The clients are the harness's line client with the chat protocol's words
 * (tools/harness/chat.ts): no kit code on their side but the line splitter, so a
 * test sees exactly what a person with `nc` would see.
 */
import { Hub } from "../../src/hub.ts";
import type { HubOptions } from "../../src/hub/options.ts";
import { serveTcp } from "../../src/transports/tcp.ts";
import type { RunningServer } from "../../src/transports/types.ts";
import { serveUdp } from "../../src/transports/udp.ts";
import { chatClient, joinRoom, type ChatClient, type Transport } from "../../tools/harness/index.ts";

export { TRANSPORTS, udpJoin, type Transport } from "../../tools/harness/index.ts";
/** A raw client: see ChatClient. */
export type RawClient = ChatClient;

export interface TestServer {
  hub: Hub;
  port: number;
  transport: Transport;
  logs: string[];
  stop(): Promise<void>;
}

export interface ServerOptions extends HubOptions {
  maxQueueBytes?: number;
  udpTimeoutMs?: number;
}

/** A hub on 127.0.0.1, port 0, over one transport, in this process. Flood control off unless asked. */
export async function startServer(transport: Transport, options: ServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const hub = new Hub({ floodBurst: 0, log, ...options });
  const common = { host: "127.0.0.1", port: 0, maxLineBytes: options.maxLineBytes ?? 1024, log };
  const server: RunningServer =
    transport === "tcp"
      ? serveTcp(hub, { ...common, maxQueueBytes: options.maxQueueBytes ?? 256 * 1024 })
      : await serveUdp(hub, { ...common, timeoutMs: options.udpTimeoutMs ?? 60_000 });
  return {
    hub,
    port: server.port,
    transport,
    logs,
    async stop() {
      hub.shutdown();
      await server.stop(200);
    },
  };
}

/** A TCP client, like `nc 127.0.0.1 PORT`: connected, and so in the room. */
export const tcpClient = (port: number) => chatClient("tcp", port);

/** A UDP client, like `nc -u 127.0.0.1 PORT`: only a socket until `udpJoin`. */
export const udpClient = (port: number) => chatClient("udp", port);

/** A client that has joined the room (TCP: welcomed; UDP: handshake done), optionally renamed. */
export const member = (server: { transport: Transport; port: number }, nick?: string) =>
  joinRoom(server.transport, server.port, { nick });
