// Per-group outcome rates of a binary classifier at a threshold: the one pass over rows that
// every fairness measure and the per-group metric table are computed from.

export interface GroupRates {
  group: string;
  n: number;
  /** Rows with label 1. */
  positives: number;
  /** P(ŷ = 1): fraction predicted positive. */
  selectionRate: number;
  /** P(ŷ = 1 | y = 1); NaN when the group has no positives. */
  tpr: number;
  /** P(ŷ = 1 | y = 0); NaN when the group has no negatives. */
  fpr: number;
}

/** Row indices per group, groups sorted by name so tables and reports are stable. */
export function groupIndices(groups: ArrayLike<string | number>): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = String(groups[i]);
    let list = m.get(g);
    if (!list) m.set(g, (list = []));
    list.push(i);
  }
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function groupRates(
  y: Float64Array,
  p: Float64Array,
  groups: ArrayLike<string | number>,
  threshold = 0.5,
): GroupRates[] {
  if (groups.length !== y.length || p.length !== y.length)
    throw new Error(
      `fairness: ${y.length} labels, ${p.length} predictions and ${groups.length} group values must match`,
    );
  const out: GroupRates[] = [];
  for (const [group, idx] of groupIndices(groups)) {
    let sel = 0;
    let pos = 0;
    let tp = 0;
    let fp = 0;
    for (const i of idx) {
      const hat = p[i]! >= threshold;
      if (hat) sel++;
      if (y[i] === 1) {
        pos++;
        if (hat) tp++;
      } else if (hat) fp++;
    }
    const neg = idx.length - pos;
    out.push({
      group,
      n: idx.length,
      positives: pos,
      selectionRate: sel / idx.length,
      tpr: pos ? tp / pos : NaN,
      fpr: neg ? fp / neg : NaN,
    });
  }
  return out;
}
