/**
 * The wire log: every byte a test or the grader sent and received, per peer, in
 * order, and a readable timeline of it for reports.
 */

export type WireKind = "open" | "sent" | "recv" | "close" | "note";
export type WireEvent = {
  /** Milliseconds since the log started. */
  at: number;
  /** Who, from the test's side: a client's name, "hub" for a stand-in server, "keyboard". */
  peer: string;
  /** "sent" = test -> program, "recv" = program -> test. One event per write, read or datagram. */
  kind: WireKind;
  bytes?: Uint8Array;
  note?: string;
  /** The note as data, an id and its values (tools/harness/notes.ts), so a report can word it in its language. */
  said?: { id: string; values: Record<string, string> };
};

/** Every byte the test sent and received, per peer, in order: the raw material of a report. */
export class WireLog {
  readonly events: WireEvent[] = [];
  private readonly start = performance.now();

  record(peer: string, kind: WireKind, bytes?: Uint8Array, note?: string, said?: WireEvent["said"]) {
    this.events.push({ at: performance.now() - this.start, peer, kind, bytes: bytes?.slice(), note, said });
  }

  /** All bytes one peer received (or sent), joined. */
  bytes(peer: string, kind: "sent" | "recv" = "recv"): Uint8Array {
    return Buffer.concat(this.events.filter((e) => e.peer === peer && e.kind === kind && e.bytes).map((e) => e.bytes!));
  }

  /**
   * A timeline, one event a line, one row per read, write or datagram, so frame
   * boundaries stay visible:
   *      3.1 ms  alice   open   127.0.0.1:41000
   *      4.0 ms  alice   ->     "hello\n"
   *      5.2 ms  bob     <-     "<127.0.0.1:41000> hello\n"
   * Only the last `limit` events are shown; bytes that escape to more than
   * `width` characters are cut in the middle, with their size.
   */
  format({ limit = 200, width = Infinity }: { limit?: number; width?: number } = {}): string {
    const arrows: Record<WireKind, string> = { open: "open", sent: "->", recv: "<-", close: "close", note: "note" };
    const who = Math.max(4, ...this.events.map((e) => e.peer.length));
    const shown = this.events.slice(-limit);
    const lines = shown.map((e) => {
      let what = e.note ?? "";
      if (e.bytes) {
        const full = escapeBytes(e.bytes);
        const cut =
          full.length > width
            ? `${full.slice(0, width / 2)}…${full.slice(-width / 4)}  (${e.bytes.length} bytes)`
            : full;
        what = cut + (e.note ? `  (${e.note})` : "");
      }
      return `${e.at.toFixed(1).padStart(8)} ms  ${e.peer.padEnd(who)}  ${arrows[e.kind].padEnd(5)}  ${what}`;
    });
    const left = this.events.length - shown.length;
    if (left > 0) lines.unshift(`  (${left} earlier events left out)`);
    return lines.join("\n");
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Bytes as a quoted, readable string: valid UTF-8 text as is, "\n", "\r", "\t",
 * other controls and invalid or cut-off UTF-8 bytes as \xNN, and invisible or
 * direction-changing characters as \u{...}.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    // The size of the UTF-8 sequence this byte starts (0: it starts none).
    const size =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 1) {
      const named: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x5c: "\\\\", 0x22: '\\"' };
      out += named[b] ?? (b < 0x20 || b === 0x7f ? `\\x${hex(b)}` : String.fromCharCode(b));
      i += 1;
      continue;
    }
    let ch: string | undefined;
    if (size > 1 && i + size <= bytes.length) {
      try {
        ch = strictUtf8.decode(bytes.subarray(i, i + size));
      } catch {
        ch = undefined;
      }
    }
    if (ch === undefined) {
      out += `\\x${hex(b)}`;
      i += 1;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    const invisible =
      (cp >= 0x80 && cp <= 0x9f) ||
      (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069) ||
      cp === 0xfeff;
    out += invisible ? `\\u{${cp.toString(16)}}` : ch;
    i += size;
  }
  return `"${out}"`;
}
const hex = (b: number) => b.toString(16).padStart(2, "0");
