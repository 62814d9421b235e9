// The split kind's shares and result: the one share rule both halves apply (the checker to the
// literals as written, the executor to its node's config) and the split result a model reads.
import { NodeFailure, type NodeResult } from "../../ir/executor.js";
import { isPercent } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import type { Shares } from "../../data/splits/types.js";

export const PARTS = ["train", "valid", "test"] as const;
export type Part = (typeof PARTS)[number];

/** The shares when none is given. */
const DEFAULT_SHARES: Shares = { train: 0.7, valid: 0.15, test: 0.15 };

/**
 * Shares from the percents given (absent: not written): 70/15/15 when none is given; otherwise a
 * missing one is 0% and they must add up to 100%, else the total they add up to.
 */
export function resolveShares(
  percents: Partial<Record<Part, number>>,
): { shares: Shares } | { total: number } {
  if (PARTS.every((p) => percents[p] === undefined)) return { shares: DEFAULT_SHARES };
  const total = PARTS.reduce((sum, p) => sum + (percents[p] ?? 0), 0);
  if (Math.abs(total - 100) > 1e-9) return { total };
  return {
    shares: {
      train: (percents.train ?? 0) / 100,
      valid: (percents.valid ?? 0) / 100,
      test: (percents.test ?? 0) / 100,
    },
  };
}

/** The shares of a split node's config (its `train`/`valid`/`test` percents). */
export function sharesOfConfig(attributes: Record<string, Json>): Shares {
  const percents: Partial<Record<Part, number>> = {};
  for (const p of PARTS) {
    const v = attributes[p];
    if (v === undefined || v === null) continue;
    if (!isPercent(v)) throw new NodeFailure(`split: \`${p}\` must be a percentage such as 70%`);
    percents[p] = v.$percent;
  }
  const r = resolveShares(percents);
  if ("total" in r) throw new NodeFailure(`split shares add up to ${+r.total.toFixed(6)}%, not 100%`);
  return r.shares;
}

/** What a split leaves for the model: each part's table artifact (absent when the part is empty of share). */
export type SplitResult = Partial<Record<Part, string>>;

/** The split result from its node's result. */
export function splitResultOf(r: NodeResult): SplitResult {
  const out: SplitResult = {};
  for (const p of PARTS) {
    const h = r.artifacts[p];
    if (h !== undefined) out[p] = h;
  }
  return out;
}
