/**
 * An address and port as people and programs write them: `127.0.0.1:9009`, and
 * an IPv6 address in brackets, `[::1]:9009` (RFC 3986), so the port can be told
 * from the address. One rule for the server's log, its members' labels and the
 * client's messages.
 */
export function hostPort(host: string, port: number | string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
