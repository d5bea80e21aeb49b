/**
 * Reading a screenshot without an image library: a PNG is chunks; its pixels are
 * the IDAT chunks joined, inflated (node:zlib), each row behind a filter byte
 * that says how it was predicted from the row above and the pixel to its left.
 * Enough for what a test asks of a screenshot: is there ink on it, and how much.
 */
import { inflateSync } from "node:zlib";

/** A decoded image: `data` is RGBA, 4 bytes a pixel, row after row. */
export type Pixels = { width: number; height: number; data: Uint8Array };

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Decode an 8-bit, non-interlaced PNG (grey, RGB, grey+alpha or RGBA: what Chromium writes) into RGBA. */
export function decodePng(png: Uint8Array): Pixels {
  if (!SIGNATURE.every((byte, i) => png[i] === byte)) throw new Error("not a PNG (its first 8 bytes are wrong)");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colour, , , interlace] = body.subarray(8, 13);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colour!] ?? 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      }
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    at += 12 + length; // length, type, body, CRC
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = rows.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    unfilter(filter, line, row, up, channels, y);
  }
  if (channels === 4) return { width, height, data: rows };
  const data = new Uint8Array(width * height * 4).fill(255);
  if (channels === 3) {
    for (let p = 0, q = 0; p < rows.length; p += 3, q += 4) {
      data[q] = rows[p]!;
      data[q + 1] = rows[p + 1]!;
      data[q + 2] = rows[p + 2]!;
    }
  } else {
    for (let p = 0, q = 0; p < rows.length; p += channels, q += 4) {
      data.fill(rows[p]!, q, q + 3); // grey
      if (channels === 2) data[q + 3] = rows[p + 1]!;
    }
  }
  return { width, height, data };
}

/** Undo one row's filter: each byte was stored as its difference from a prediction (RFC 2083, 6). */
function unfilter(filter: number, line: Uint8Array, row: Uint8Array, up: Uint8Array, bpp: number, y: number): void {
  const n = line.length;
  switch (filter) {
    case 0:
      row.set(line);
      return;
    case 1:
      for (let x = 0; x < n; x++) row[x] = (line[x]! + (x >= bpp ? row[x - bpp]! : 0)) & 0xff;
      return;
    case 2:
      for (let x = 0; x < n; x++) row[x] = (line[x]! + up[x]!) & 0xff;
      return;
    case 3:
      for (let x = 0; x < n; x++) row[x] = (line[x]! + (((x >= bpp ? row[x - bpp]! : 0) + up[x]!) >> 1)) & 0xff;
      return;
    case 4:
      for (let x = 0; x < n; x++) {
        const left = x >= bpp ? row[x - bpp]! : 0;
        const upLeft = x >= bpp ? up[x - bpp]! : 0;
        row[x] = (line[x]! + paeth(left, up[x]!, upLeft)) & 0xff;
      }
      return;
    default:
      throw new Error(`broken PNG: row ${y} has filter ${filter}`);
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * How much is drawn on an image: the pixels that differ from its background
 * (its most common colour, found on a sample of its pixels), as a count and as
 * a fraction of all its pixels.
 */
export function ink(image: Pixels | Uint8Array): { pixels: number; fraction: number; background: number[] } {
  const { width, height, data } = image instanceof Uint8Array ? decodePng(image) : image;
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const counts = new Map<number, number>();
  const step = Math.max(1, Math.floor(words.length / 20_000));
  for (let i = 0; i < words.length; i += step) counts.set(words[i]!, (counts.get(words[i]!) ?? 0) + 1);
  let background = 0;
  let most = -1;
  for (const [word, count] of counts) if (count > most) [background, most] = [word, count];
  let pixels = 0;
  for (let i = 0; i < words.length; i++) if (words[i] !== background) pixels++;
  const bytes = new Uint8Array(new Uint32Array([background]).buffer);
  return { pixels, fraction: words.length ? pixels / words.length : 0, background: [...bytes] };
}
