// Precision among the k highest scores of one list (anomaly detection's `precision_at_k`): the
// share of labelled anomalies among the k rows a reviewer with a budget of k would look at.
// Rows tied at the cut-off count fractionally (the expectation over every order of the ties).

/** Share of y = 1 among the k highest scores (NaN scores last); k is capped at the row count; NaN with no rows. */
export function precisionAtK(y: Float64Array, scores: Float64Array, k: number): number {
  const n = y.length;
  if (n === 0) return NaN;
  const kk = Math.min(Math.max(1, Math.floor(k)), n);
  const key = (i: number): number => (Number.isNaN(scores[i]!) ? -Infinity : scores[i]!);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const d = key(b) - key(a);
    return d > 0 ? 1 : d < 0 ? -1 : 0;
  });
  const cut = key(idx[kk - 1]!);
  let above = 0;
  let hitsAbove = 0;
  let tied = 0;
  let hitsTied = 0;
  for (const i of idx) {
    const s = key(i);
    if (s > cut) {
      above++;
      if (y[i] === 1) hitsAbove++;
    } else if (s === cut) {
      tied++;
      if (y[i] === 1) hitsTied++;
    } else break;
  }
  return (hitsAbove + ((kk - above) * hitsTied) / tied) / kk;
}
