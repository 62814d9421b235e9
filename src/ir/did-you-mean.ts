// The one edit distance (optimal string alignment, so a swap of two adjacent letters costs one) and the
// "did you mean" suggestions built on it, for the compiler's hints and the runtime's messages. No imports.

/** editDistance's three rows, reused from call to call (grown when a longer word comes). */
let rows = [new Uint32Array(64), new Uint32Array(64), new Uint32Array(64)] as const;

export function editDistance(a: string, b: string): number {
  const n = a.length,
    m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  if (rows[0].length <= m) rows = [new Uint32Array(m + 1), new Uint32Array(m + 1), new Uint32Array(m + 1)];
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** The closest candidate within a distance proportional to the name's length, if any. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    const sameLetters = c.toLowerCase() === lower;
    // the distance is at least the difference in length: past the limit, a candidate cannot be the answer
    if (!sameLetters && Math.abs(c.length - name.length) > limit) continue;
    const dist = sameLetters ? 0.5 : editDistance(name, c);
    if (dist < bestD || (dist === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = dist;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** "did you mean `x`?" when a close candidate exists. */
export function didYouMean(
  name: string,
  candidates: Iterable<string>,
  render: (s: string) => string = (s) => s,
): string | undefined {
  const c = closest(name, candidates);
  return c === undefined ? undefined : `did you mean \`${render(c)}\`?`;
}

/** " (did you mean `x`?)" to append to a message, or "" when no candidate is close. */
export function didYouMeanSuffix(name: string, candidates: Iterable<string>): string {
  const hint = didYouMean(name, candidates);
  return hint === undefined ? "" : ` (${hint})`;
}
