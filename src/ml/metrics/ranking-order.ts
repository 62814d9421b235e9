// Sorting helpers shared by AUC, PR curves and ranking metrics: one stable descending order by
// score, so tie handling is decided in one place.

/** Row indices sorted by score descending; ties keep row order (stable). */
export function orderDescending(score: ArrayLike<number>, from = 0, to = score.length): Uint32Array {
  const idx = new Uint32Array(to - from);
  for (let i = 0; i < idx.length; i++) idx[i] = from + i;
  idx.sort((a, b) => {
    const d = score[b]! - score[a]!;
    return d !== 0 ? d : a - b;
  });
  return idx;
}

/** 1-based average ranks in ascending order of `values` (ties share their mean rank). */
export function midranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  return ranks;
}
