// The result of a gate that other parts read (the model registry records it, `mlc report` shows
// it): each assertion with the values it compared, and the fairness tables it measured.
import type { Json } from "../../ir/graph-ir.js";
import type { FairnessReport, GroupMetricRow } from "../../ml/fairness/index.js";

/** A fairness table a gate measured: the groups of `by` on the `split` rows. */
export interface GateFairness {
  split: string;
  by: string;
  report: FairnessReport;
}

export interface AssertionResult {
  text: string;
  passed: boolean;
  /** The metric values the assertion read, by path. */
  values: Record<string, number>;
  /** Why a champion comparison passed or failed without a champion, or what a helper measured. */
  note?: string;
  /** The per-group tables behind the parity measures this assertion read. */
  fairness?: GateFairness[];
}

type Obj = { [key: string]: Json };
const isObj = (j: Json | undefined): j is Obj => typeof j === "object" && j !== null && !Array.isArray(j);
/** A stored number: JSON writes NaN (an undefined rate) as null, which reads back as NaN. */
const num = (j: Json | undefined): number | undefined =>
  typeof j === "number" ? j : j === null ? NaN : undefined;

/** The gate's results as stored (the registry's gate record, a failure's details). */
export function encodeGateResults(results: readonly AssertionResult[]): Json {
  const json: Json = JSON.parse(JSON.stringify(results));
  return json;
}

function decodeRow(j: Json): GroupMetricRow | undefined {
  if (!isObj(j) || typeof j.group !== "string" || !isObj(j.metrics)) return undefined;
  const [n, positives, selectionRate, tpr, fpr] = [j.n, j.positives, j.selectionRate, j.tpr, j.fpr].map(num);
  if ([n, positives, selectionRate, tpr, fpr].some((x) => x === undefined)) return undefined;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(j.metrics)) metrics[k] = num(v) ?? NaN;
  return {
    group: j.group,
    n: n!,
    positives: positives!,
    selectionRate: selectionRate!,
    tpr: tpr!,
    fpr: fpr!,
    metrics,
  };
}

function decodeFairness(j: Json): GateFairness | undefined {
  if (!isObj(j) || typeof j.split !== "string" || typeof j.by !== "string" || !isObj(j.report))
    return undefined;
  const r = j.report;
  const measures = [
    r.threshold,
    r.demographicParityDifference,
    r.equalOpportunityDifference,
    r.equalizedOddsDifference,
    r.disparateImpactRatio,
  ].map(num);
  const groups = Array.isArray(r.groups) ? r.groups.map(decodeRow) : [undefined];
  if (measures.some((x) => x === undefined) || groups.some((g) => g === undefined)) return undefined;
  const [threshold, dp, eo, eodds, di] = measures as number[];
  return {
    split: j.split,
    by: j.by,
    report: {
      threshold: threshold!,
      groups: groups.filter((g): g is GroupMetricRow => g !== undefined),
      demographicParityDifference: dp!,
      equalOpportunityDifference: eo!,
      equalizedOddsDifference: eodds!,
      disparateImpactRatio: di!,
    },
  };
}

function decodeResult(j: Json): AssertionResult | undefined {
  if (!isObj(j) || typeof j.text !== "string" || typeof j.passed !== "boolean") return undefined;
  const values: Record<string, number> = {};
  if (isObj(j.values)) for (const [k, v] of Object.entries(j.values)) values[k] = num(v) ?? NaN;
  const fairness = Array.isArray(j.fairness) ? j.fairness.map(decodeFairness) : [];
  return {
    text: j.text,
    passed: j.passed,
    values,
    ...(typeof j.note === "string" ? { note: j.note } : {}),
    ...(fairness.length ? { fairness: fairness.filter((f): f is GateFairness => f !== undefined) } : {}),
  };
}

/** A gate's stored results; entries that are not well-formed results are left out. */
export function decodeGateResults(j: Json | undefined): AssertionResult[] {
  return Array.isArray(j) ? j.map(decodeResult).filter((r): r is AssertionResult => r !== undefined) : [];
}
