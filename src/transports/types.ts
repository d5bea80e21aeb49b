/**
 * What both transports share: the shape of a running server, and of one
 * client connection as the terminal client and lesson 04 use it.
 */

export interface RunningServer {
  readonly transport: "tcp" | "udp" | "web";
  readonly host: string;
  readonly port: number;
  /** Stop listening; resolves when every client's queue is written and closed (or after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export interface LineConnection {
  /**
   * Send one line (a newline is added). False when it was not sent: closed, or
   * (TCP) the server has not read what was sent before it, past a bound.
   */
  send(line: string): boolean | void;
  /** Write what is queued, then close. */
  close(): void;
}

export interface ConnectionHandlers {
  line(text: string): void;
  /**
   * The connection ended: `byUs` when we closed it, else the server went away;
   * `why` is "restarted" when a UDP server answered as if it had never seen us.
   */
  closed(byUs: boolean, why?: "restarted"): void;
  /** UDP: this many more lines from the server never arrived (see docs/PROTOCOL.md, Loss). */
  lost?(lines: number): void;
  /** TCP: after a line was refused (`send` gave false), the server has read enough: lines may be sent again. */
  drained?(): void;
}
