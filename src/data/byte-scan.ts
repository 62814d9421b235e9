// WebAssembly memory that file readers read into, and a SIMD scan that counts newline
// bytes in it: 16 bytes per step (i8x16.eq, bitmask, popcnt), about ten times what a
// `Buffer.indexOf` loop over short CSV lines manages. The module is a few hand-assembled bytes
// (below, opcode by opcode) so that nothing is built or downloaded.

/** The scanner's module: memory `mem` (exported) and `count(ptr, len) → newlines`, len a multiple of 64. */
function moduleBytes(pages: number): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const name = (s: string): number[] => [s.length, ...Buffer.from(s, "ascii")];
  const GET = 0x20;
  const SET = 0x21;
  const SIMD = 0xfd;
  // One 16-byte step at offset `off` from $p: c += popcnt(bitmask(load(p + off) == nl)).
  const step = (off: number): number[] => [
    GET, 3, // $c
    GET, 0, SIMD, 0x00, 0x00, ...leb(off), // v128.load align=1 offset=off
    GET, 4, SIMD, 0x23, // i8x16.eq $nl
    SIMD, 0x64, // i8x16.bitmask
    0x69, // i32.popcnt
    0x6a, // i32.add
    SET, 3,
  ]; // prettier-ignore
  const body = [
    2, 2, 0x7f, 1, 0x7b, // locals: $end $c (i32), $nl (v128)
    GET, 0, GET, 1, 0x6a, SET, 2, // $end = $p + $len
    SIMD, 0x0c, ...new Array<number>(16).fill(10), SET, 4, // $nl = i8x16.splat('\n')
    0x02, 0x40, 0x03, 0x40, // block, loop
    GET, 0, GET, 2, 0x4f, 0x0d, 1, // br_if out when $p >= $end
    ...step(0), ...step(16), ...step(32), ...step(48),
    GET, 0, 0x41, 0xc0, 0x00, 0x6a, SET, 0, // $p += 64
    0x0c, 0, 0x0b, 0x0b, // br loop, end loop, end block
    GET, 3, 0x0b, // return $c
  ]; // prettier-ignore
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]), // type (i32, i32) → i32
    ...section(3, [1, 0]), // one function of that type
    ...section(5, [1, 0x00, ...leb(pages)]), // one memory of `pages`
    ...section(7, [2, ...name("mem"), 0x02, 0, ...name("count"), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]); // prettier-ignore
}

// The WebAssembly global as this module uses it (the project's `lib` declares no DOM types).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

/** A scanner: `bytes` is its memory (read into it), `newlines` counts '\n' in a range of it. */
export interface ByteScanner {
  readonly bytes: Buffer;
  newlines(start: number, length: number): number;
}

/** A scanner over `size` bytes of its own memory (rounded up to 64 KiB pages). */
export function byteScanner(size: number): ByteScanner {
  const pages = Math.max(1, Math.ceil(size / 65536));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(pages)));
  const mem = instance.exports.mem as WasmMemory;
  const count = instance.exports.count as (p: number, n: number) => number;
  const bytes = Buffer.from(mem.buffer, 0, size);
  return {
    bytes,
    newlines(start, length) {
      const whole = length & ~63;
      let n = whole ? count(start, whole) : 0;
      for (let i = start + whole, end = start + length; i < end; i++) if (bytes[i] === 10) n++;
      return n;
    },
  };
}
