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
    const from = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? rows[row + x - channels]! : 0;
      const up = y > 0 ? rows[row - stride + x]! : 0;
      const upLeft = y > 0 && x >= channels ? rows[row - stride + x - channels]! : 0;
      rows[row + x] = (raw[from + x]! + predict(filter, left, up, upLeft, y)) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const px = rows.subarray(p * channels, p * channels + channels);
    const [r, g, b, a] =
      channels >= 3 ? [px[0]!, px[1]!, px[2]!, px[3] ?? 255] : [px[0]!, px[0]!, px[0]!, px[1] ?? 255];
    data.set([r, g, b, a], p * 4);
  }
  return { width, height, data };
}

/** What a row's filter predicts for a byte, from the byte to its left, the one above, and the one above-left. */
function predict(filter: number, left: number, up: number, upLeft: number, y: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return (left + up) >> 1;
    case 4:
      return paeth(left, up, upLeft);
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
 * (its most common colour), as a count and as a fraction of all its pixels.
 */
export function ink(image: Pixels | Uint8Array): { pixels: number; fraction: number; background: number[] } {
  const { width, height, data } = image instanceof Uint8Array ? decodePng(image) : image;
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const counts = new Map<number, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  let background = 0;
  let most = -1;
  for (const [word, count] of counts) if (count > most) [background, most] = [word, count];
  const pixels = words.length - most;
  const bytes = new Uint8Array(new Uint32Array([background]).buffer);
  return { pixels, fraction: words.length ? pixels / words.length : 0, background: [...bytes] };
}
