// The one seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) for splits, samples,
// learners, bootstrap and search: results depend only on the seed, never on Math.random. No imports.

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes any number of integers into one 32-bit seed (order matters): derive per-trial or per-resample seeds. */
export function mixSeed(...parts: number[]): number {
  const st = { s: 0x12345678 };
  let h = splitmix32(st);
  for (const p of parts) {
    st.s = (h ^ (p | 0) ^ Math.floor(p / 4294967296)) | 0;
    h = splitmix32(st);
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    // Stored as int32 (`| 0`): the same bits as the unsigned seeds, and the fields keep one
    // representation, so the optimised nextU32 is never thrown away (a 3× slower bootstrap otherwise).
    this.a = splitmix32(st) | 0;
    this.b = splitmix32(st) | 0;
    this.c = splitmix32(st) | 0;
    this.d = splitmix32(st) | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The generator's four words, for a training checkpoint; `Rng.fromState` continues the same stream. */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** A generator at a state `state()` returned: it draws what the saved one would have drawn next. */
  static fromState(s: readonly number[]): Rng {
    const r = new Rng(0);
    r.restore(s);
    return r;
  }

  /** Moves this generator to a state `state()` returned (for a loop whose closures hold this generator). */
  restore(s: readonly number[]): void {
    this.a = s[0]! | 0;
    this.b = s[1]! | 0;
    this.c = s[2]! | 0;
    this.d = s[3]! | 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; one value per call so the stream stays simple to reason about). */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A child generator seeded from this one (per tree, per epoch). */
  fork(): Rng {
    return new Rng(this.nextU32());
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }
}

/** `k` distinct indices out of [0, n), sorted ascending (partial Fisher–Yates). */
export function sampleIndices(rng: Rng, n: number, k: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm.subarray(0, m).sort();
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
