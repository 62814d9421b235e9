// The result of a gate that other parts read (the model registry records it, `mlc report` shows
// it): each assertion with the values it compared, and the fairness tables it measured.
import type { FairnessReport } from "../../ml/fairness/index.js";

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
