/**
 * TCP, both sides: the server's (src/transports/tcp-server.ts: a queue per
 * client, one write per turn, a cap for those who never read) and the client's
 * (src/transports/tcp-client.ts).
 */
export { serveTcp, type TcpServerOptions } from "./tcp-server.ts";
export { connectTcp } from "./tcp-client.ts";
