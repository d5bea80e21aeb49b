/**
 * The benchmark's chat line: fixed-width fields a receiver can read straight
 * from the bytes, without decoding text, so that counting a million deliveries
 * a second stays cheap.
 *
 *   ~SSSSQQQQQQQQTTTTTTTTTTTTWWWWWWWWWWWW xxxxxxxx...      (`size` bytes, then "\n")
 *    |   |       |           |
 *    |   |       |           when it was actually written (same clock)
 *    |   |       scheduled send time, µs since the load generator's epoch
 *    |   sequence number of this line, per sender (from 0)
 *    sender number
 *
 * A hub relays it as `<nick> ~SSSS...`: the receiver finds the `~` and reads on.
 */

const MARK = 0x7e; // "~"
const NEWLINE = 0x0a;
const SENDER_DIGITS = 4;
const SEQ_DIGITS = 8;
const TIME_DIGITS = 12;
/** Bytes of the fixed fields, with the mark and the space after them. */
const HEADER_BYTES = 1 + SENDER_DIGITS + SEQ_DIGITS + 2 * TIME_DIGITS + 1;

/** Writes `value` as `digits` decimal digits at `at`. */
function putDigits(buf: Uint8Array, at: number, digits: number, value: number): void {
  for (let i = at + digits - 1; i >= at; i--) {
    const q = Math.floor(value / 10);
    buf[i] = 48 + (value - q * 10);
    value = q;
  }
}

function getDigits(buf: Uint8Array, at: number, digits: number): number {
  let v = 0;
  for (let i = at; i < at + digits; i++) v = v * 10 + (buf[i]! - 48);
  return v;
}

/** Builds lines of one size for one sender, reusing a template. */
export class LineWriter {
  private readonly template: Uint8Array;

  constructor(
    readonly size: number,
    readonly sender: number,
  ) {
    if (size < HEADER_BYTES) throw new Error(`--size must be at least ${HEADER_BYTES} bytes`);
    this.template = new Uint8Array(size + 1).fill(0x78); // "x"
    this.template[0] = MARK;
    putDigits(this.template, 1, SENDER_DIGITS, sender);
    this.template[HEADER_BYTES - 1] = 0x20;
    this.template[size] = NEWLINE;
  }

  /** Bytes of one line (with its newline): `size + 1`. */
  get lineBytes(): number {
    return this.size + 1;
  }

  /** Writes line `seq`, scheduled at `timeUs` and written at `wroteUs`, into `out` at `at`. */
  writeLine(out: Uint8Array, at: number, seq: number, timeUs: number, wroteUs: number): void {
    out.set(this.template, at);
    const t = at + 1 + SENDER_DIGITS + SEQ_DIGITS;
    putDigits(out, at + 1 + SENDER_DIGITS, SEQ_DIGITS, seq);
    putDigits(out, t, TIME_DIGITS, Math.max(0, Math.round(timeUs)));
    putDigits(out, t + TIME_DIGITS, TIME_DIGITS, Math.max(0, Math.round(wroteUs)));
  }
}

export interface Stamp {
  sender: number;
  seq: number;
  timeUs: number;
  wroteUs: number;
}

/**
 * Reads the fields of the line in buf[start, end), or returns false when it is
 * not a benchmark line (a notice, a welcome).
 */
export function readStamp(buf: Uint8Array, start: number, end: number, out: Stamp): boolean {
  const m = buf.indexOf(MARK, start);
  if (m < 0 || m + HEADER_BYTES - 1 > end) return false;
  out.sender = getDigits(buf, m + 1, SENDER_DIGITS);
  out.seq = getDigits(buf, m + 1 + SENDER_DIGITS, SEQ_DIGITS);
  out.timeUs = getDigits(buf, m + 1 + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS);
  out.wroteUs = getDigits(buf, m + 1 + SENDER_DIGITS + SEQ_DIGITS + TIME_DIGITS, TIME_DIGITS);
  return true;
}

/** readStamp, for a line already decoded to text (the fields are ASCII digits after the `~`). */
export function readStampText(line: string, out: Stamp): boolean {
  const m = line.indexOf("~");
  if (m < 0 || m + HEADER_BYTES - 1 > line.length) return false;
  const digits = (at: number, n: number) => {
    let v = 0;
    for (let i = at; i < at + n; i++) v = v * 10 + (line.charCodeAt(i) - 48);
    return v;
  };
  out.sender = digits(m + 1, SENDER_DIGITS);
  out.seq = digits(m + 1 + SENDER_DIGITS, SEQ_DIGITS);
  out.timeUs = digits(m + 1 + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS);
  out.wroteUs = digits(m + 1 + SENDER_DIGITS + SEQ_DIGITS + TIME_DIGITS, TIME_DIGITS);
  return true;
}
