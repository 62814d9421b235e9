// Challenger vs champion on the same test rows: a paired bootstrap per metric, DeLong's test for
// AUC and McNemar's for accuracy, as difference, interval and p-value (challenger − champion).
import type { TaskKind } from "../estimator.js";
import { metricsForTask } from "../metrics/index.js";
import type { Direction, Metric, MetricInput } from "../metrics/types.js";
import { pairedBootstrap, type BootstrapOptions } from "./bootstrap.js";
import { delongTest } from "./delong.js";
import { correctness, mcnemarTest } from "./mcnemar.js";
import { mixSeed } from "../random.js";

export type ComparisonTest = "paired_bootstrap" | "delong" | "mcnemar";

export interface MetricComparison {
  metric: string;
  direction: Direction;
  challenger: number | null;
  champion: number | null;
  /** challenger − champion */
  difference: number | null;
  lower: number | null;
  upper: number | null;
  pValue: number | null;
  test: ComparisonTest;
  /** Whether the challenger is better in the metric's direction with p < alpha. */
  significantlyBetter: boolean;
  significantlyWorse: boolean;
}

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Every metric by paired bootstrap; for binary tasks AUC also by DeLong and accuracy also by
 * McNemar (those rows are added with their own `test`, after the bootstrap rows).
 */
export function compareModels(
  task: TaskKind,
  base: Omit<MetricInput, "pred" | "ascending">,
  challenger: Float64Array,
  champion: Float64Array,
  opts: BootstrapOptions & {
    metrics?: readonly Metric[];
    alpha?: number;
    /** The champion's own decision (its threshold), when `base.decision` is the challenger's. */
    decisionB?: MetricInput["decision"];
  } = {},
): MetricComparison[] {
  const alpha = opts.alpha ?? 0.05;
  const metrics = opts.metrics ?? metricsForTask(task, { costs: base.decision?.costs !== undefined });
  const verdict = (
    direction: Direction,
    d: number,
    p: number,
  ): Pick<MetricComparison, "significantlyBetter" | "significantlyWorse"> => {
    const sig = Number.isFinite(p) && p < alpha;
    const better = direction === "maximize" ? d > 0 : d < 0;
    return { significantlyBetter: sig && better, significantlyWorse: sig && !better && d !== 0 };
  };
  const out: MetricComparison[] = metrics.map((m, k) => {
    const r = pairedBootstrap(m, base, challenger, champion, {
      ...opts,
      seed: mixSeed(opts.seed ?? 0, k, 0xc0),
    });
    return {
      metric: m.name,
      direction: m.direction,
      challenger: orNull(r.a),
      champion: orNull(r.b),
      difference: orNull(r.difference),
      lower: orNull(r.lower),
      upper: orNull(r.upper),
      pValue: orNull(r.pValue),
      test: "paired_bootstrap",
      ...verdict(m.direction, r.difference, r.pValue),
    };
  });
  if (task === "binary" && base.width === 1) {
    const level = opts.level ?? 0.95;
    let hasBoth = false;
    for (let i = 1; i < base.y.length && !hasBoth; i++) hasBoth = base.y[i] !== base.y[0];
    if (hasBoth) {
      const d = delongTest(base.y, challenger, champion, level);
      out.push({
        metric: "auc",
        direction: "maximize",
        challenger: d.aucA,
        champion: d.aucB,
        difference: d.difference,
        lower: d.lower,
        upper: d.upper,
        pValue: d.pValue,
        test: "delong",
        ...verdict("maximize", d.difference, d.pValue),
      });
    }
  }
  if (task === "binary" || task === "multiclass") {
    const ca = correctness(base.y, challenger, base.width, base.decision?.threshold);
    const cb = correctness(base.y, champion, base.width, (opts.decisionB ?? base.decision)?.threshold);
    const mc = mcnemarTest(ca, cb);
    const n = base.y.length;
    const diff = (mc.aOnly - mc.bOnly) / n;
    let accA = 0;
    let accB = 0;
    for (let i = 0; i < n; i++) {
      accA += ca[i]!;
      accB += cb[i]!;
    }
    out.push({
      metric: "accuracy",
      direction: "maximize",
      challenger: accA / n,
      champion: accB / n,
      difference: diff,
      lower: null,
      upper: null,
      pValue: mc.pValue,
      test: "mcnemar",
      ...verdict("maximize", diff, mc.pValue),
    });
  }
  return out;
}
