// Text encodings of data files: UTF-8 (checked, never repaired) or Latin-1 when a source declares it,
// and how bytes that are not UTF-8 are found and shown in messages. No I/O here.
import { isUtf8 } from "node:buffer";

/** A source's declared `encoding`: UTF-8 (the default) or Latin-1 (ISO-8859-1: each byte one character). */
export type TextEncoding = "utf-8" | "latin1";

export const nodeEncoding = (e: TextEncoding): BufferEncoding => (e === "latin1" ? "latin1" : "utf8");

/**
 * Where b[from, end) stops being valid UTF-8 (the start of the first bad sequence), or -1. ASCII and
 * valid text are checked at native speed; the byte walk runs only once a bad sequence is known to be there.
 */
export function invalidUtf8At(b: Uint8Array, from: number, end: number): number {
  if (isUtf8(b.subarray(from, end))) return -1;
  let i = from;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= end) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** Where b[from, end) ends once a multi-byte sequence cut by `end` (more bytes follow) is left out. */
export function utf8CompleteEnd(b: Uint8Array, from: number, end: number): number {
  for (let k = 1; k <= 3 && end - k >= from; k++) {
    const c = b[end - k]!;
    if (c < 0x80) return end;
    if (c >= 0xc0) return (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) > k ? end - k : end;
  }
  return end;
}

/** b[s, e) for a message: valid text as it is, each byte that is not UTF-8 as \xNN; long values cut. */
export function showBytes(b: Uint8Array, s: number, e: number, max = 80): string {
  const stop = Math.min(e, s + max);
  let out = "";
  for (let i = s; i < stop;) {
    const bad = invalidUtf8At(b, i, stop);
    const to = bad < 0 ? stop : bad;
    out += Buffer.from(b.buffer, b.byteOffset + i, to - i).toString("utf8");
    if (bad < 0) break;
    out += `\\x${b[bad]!.toString(16).padStart(2, "0")}`;
    i = bad + 1;
  }
  return stop < e ? out + "…" : out;
}

/** The end of a message on text that is not UTF-8: the bad byte and what to declare for Latin-1 files. */
export function notUtf8Text(byte: number): string {
  return `is not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, "0")}); if the file is Latin-1, declare \`encoding = "latin1"\` on the source`;
}
