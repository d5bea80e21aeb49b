/**
 * UDP, both sides: the server's (src/transports/udp-server.ts, with its table of
 * strangers in udp-strangers.ts and its guarded sends in udp-send.ts) and the
 * client's (src/transports/udp-client.ts). The lines both sides build and read,
 * the join challenge and the heartbeats, are src/protocol.ts's.
 */
export { serveUdp, type UdpServerOptions } from "./udp-server.ts";
export { connectUdp, type UdpClientOptions, type UdpConnection } from "./udp-client.ts";
