// Several objectives: non-dominated sorting of trials into Pareto fronts, the best trial of a
// single objective, and the documented rule that picks one trial from a front.
import { lossOf, type ObjectiveSpec, type PickRule, type TrialRecord } from "./trial.js";

/** True when loss vector a is no worse everywhere and strictly better somewhere. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) strictly = true;
  }
  return strictly;
}

/** Front number (0 = non-dominated) of each loss vector; O(n² m), fine for hundreds of trials. */
export function nonDominatedRanks(losses: readonly (readonly number[])[]): number[] {
  const n = losses.length;
  const rank = new Array<number>(n).fill(-1);
  const dominatedBy = new Array<number>(n).fill(0);
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      if (dominates(losses[i]!, losses[j]!)) dominatesList[i]!.push(j);
      else if (dominates(losses[j]!, losses[i]!)) dominatedBy[i]!++;
    }
  }
  let front = [...Array(n).keys()].filter((i) => dominatedBy[i] === 0);
  let r = 0;
  while (front.length) {
    const next: number[] = [];
    for (const i of front) {
      rank[i] = r;
      for (const j of dominatesList[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next;
    r++;
  }
  return rank;
}

function lossVector(t: TrialRecord, spec: ObjectiveSpec): number[] {
  return spec.targets.map((g) => lossOf(t, g));
}

/** Complete trials on the first Pareto front, in index order. */
export function paretoFront(trials: readonly TrialRecord[], spec: ObjectiveSpec): TrialRecord[] {
  const done = trials.filter((t) => t.status === "complete").sort((a, b) => a.index - b.index);
  const ranks = nonDominatedRanks(done.map((t) => lossVector(t, spec)));
  return done.filter((_, i) => ranks[i] === 0);
}

/** The one trial the study reports as best: by value for one target, by the pick rule for several. */
export function bestTrial(trials: readonly TrialRecord[], spec: ObjectiveSpec): TrialRecord | undefined {
  const front = paretoFront(trials, spec);
  if (front.length === 0) return undefined;
  return pickFromFront(front, spec, spec.pick ?? { kind: "first" });
}

export function pickFromFront(
  front: readonly TrialRecord[],
  spec: ObjectiveSpec,
  rule: PickRule,
): TrialRecord {
  const losses = front.map((t) => lossVector(t, spec));
  let best = 0;
  let bestScore = Infinity;
  const m = spec.targets.length;
  let lo: number[] = [];
  let span: number[] = [];
  // Both compromise rules compare objectives after min–max scaling over the front, so a weight or
  // a distance means the same for AUC (0.8–0.9) and a size in bytes (10⁴–10⁶).
  if (rule.kind === "closest_to_ideal" || rule.kind === "weighted") {
    lo = Array.from({ length: m }, (_, i) => Math.min(...losses.map((l) => l[i]!)));
    span = Array.from({ length: m }, (_, i) => Math.max(...losses.map((l) => l[i]!)) - lo[i]! || 1);
  }
  if (rule.kind === "weighted" && rule.weights.length !== m)
    throw new Error(`pick rule: ${rule.weights.length} weights for ${m} objectives`);
  for (let k = 0; k < front.length; k++) {
    const l = losses[k]!;
    let score: number;
    switch (rule.kind) {
      case "first":
        score = l[0]!;
        break;
      case "weighted":
        score = l.reduce((s, v, i) => s + rule.weights[i]! * ((v - lo[i]!) / span[i]!), 0);
        break;
      case "closest_to_ideal":
        score = Math.sqrt(l.reduce((s, v, i) => s + ((v - lo[i]!) / span[i]!) ** 2, 0));
        break;
    }
    // Strict comparison keeps the lowest index on ties (front is in index order).
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return front[best]!;
}

/**
 * Trials ordered best first for samplers: complete ones by (front rank, first-target loss, index),
 * then pruned ones (they were stopped for looking bad) by index. Failed trials are left out.
 */
export function rankForSampling(trials: readonly TrialRecord[], spec: ObjectiveSpec): TrialRecord[] {
  const done = trials.filter((t) => t.status === "complete");
  const losses = done.map((t) => lossVector(t, spec));
  const ranks = spec.targets.length > 1 ? nonDominatedRanks(losses) : done.map(() => 0);
  const order = done
    .map((_, i) => i)
    .sort(
      (a, b) => ranks[a]! - ranks[b]! || losses[a]![0]! - losses[b]![0]! || done[a]!.index - done[b]!.index,
    );
  const pruned = trials.filter((t) => t.status === "pruned").sort((a, b) => a.index - b.index);
  return [...order.map((i) => done[i]!), ...pruned];
}
