// The experiment block's typed config, decoded once from its attributes (the check, the plan and the
// executor all read it), and the plan: the sample size per arm and the days the declared traffic needs.
import { countText } from "../../ml/report/html-format.js";
import { isDuration, isObjectLit, isPercent, isRef } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import type { Guardrail, TestKind } from "../../ml/experiments/index.js";
import { meanSampleSize, proportionSampleSize } from "../../ml/experiments/index.js";
import type { BaselineEvidence } from "./baseline-evidence.js";

export type MetricKind = "binary" | "continuous";

export interface ExperimentConfig {
  name: string;
  deployment: string;
  /** In declaration order; `control` is one of them. */
  variants: { name: string; model: string }[];
  control: string;
  /** Fractions adding up to 1, in the order of `variants`. */
  allocation: { name: string; share: number }[];
  key: string;
  defaultArm?: string;
  primary: string;
  metrics: Record<string, MetricKind>;
  guardrails: Guardrail[];
  /** Relative minimum detectable effect (0.05 = +5%). */
  mde: number;
  alpha: number;
  power: number;
  /** The primary metric's expected control value: a rate for binary metrics, a mean for continuous ones. */
  baseline?: number;
  baselineSd?: number;
  trafficPerDay?: number;
  durationSeconds?: number;
  test: TestKind;
  /** A feedback metric holding each unit's pre-period value (CUPED). */
  covariate?: string;
  onWin: "promote" | "report";
  onLoss: "stop" | "report";
  onGuardrail: "stop" | "report";
}

/** A config that cannot be decoded; `attribute` names where (the check reports it at that span). */
export class ExperimentConfigError extends Error {
  constructor(
    readonly attribute: string,
    message: string,
  ) {
    super(message);
  }
}

const nameOf = (j: Json | undefined): string | undefined =>
  typeof j === "string" ? j : j !== undefined && isRef(j) && j.$ref.length === 1 ? j.$ref[0] : undefined;
const numberOf = (j: Json | undefined): number | undefined =>
  typeof j === "number" ? j : j !== undefined && isPercent(j) ? j.$percent / 100 : undefined;

function oneOf<T extends string>(
  attrs: Record<string, Json>,
  attr: string,
  values: readonly T[],
  dflt: T,
): T {
  const v = nameOf(attrs[attr]);
  if (v === undefined) return dflt;
  if (!(values as readonly string[]).includes(v))
    throw new ExperimentConfigError(attr, `${attr} must be one of ${values.join(", ")}, got ${v}`);
  return v as T;
}

/** Decodes the attributes as lowered into the node config (expression JSON). */
export function decodeExperimentConfig(name: string, attrs: Record<string, Json>): ExperimentConfig {
  const deployment = nameOf(attrs.deployment);
  if (!deployment) throw new ExperimentConfigError("deployment", "deployment must name a deploy block");
  const vj = attrs.variants;
  if (vj === undefined || !isObjectLit(vj))
    throw new ExperimentConfigError("variants", "variants must be an object");
  const variants = Object.entries(vj.$object).map(([n, m]) => {
    const model = nameOf(m);
    if (!model) throw new ExperimentConfigError("variants", `variant ${n} must name a model`);
    return { name: n, model };
  });
  if (variants.length < 2)
    throw new ExperimentConfigError(
      "variants",
      "an experiment needs at least two variants (a control and one more)",
    );
  const names = variants.map((v) => v.name);
  const control = typeof attrs.control === "string" ? attrs.control : names[0]!;
  if (!names.includes(control))
    throw new ExperimentConfigError(
      "control",
      `control names \`${control}\`, which is not a variant (${names.join(", ")})`,
    );

  let allocation = names.map((n) => ({ name: n, share: 1 / names.length }));
  const aj = attrs.allocation;
  if (aj !== undefined) {
    if (!isObjectLit(aj))
      throw new ExperimentConfigError("allocation", "allocation must be an object of percentages");
    const given = new Map<string, number>();
    for (const [k, v] of Object.entries(aj.$object)) {
      if (!names.includes(k))
        throw new ExperimentConfigError(
          "allocation",
          `allocation names \`${k}\`, which is not a variant (${names.join(", ")})`,
        );
      const s = numberOf(v);
      if (s === undefined || !(s > 0 && s <= 1))
        throw new ExperimentConfigError("allocation", `allocation of \`${k}\` must be a percentage above 0%`);
      given.set(k, s);
    }
    const absent = names.filter((n) => !given.has(n));
    if (absent.length)
      throw new ExperimentConfigError("allocation", `allocation has no share for variant \`${absent[0]}\``);
    const total = [...given.values()].reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-9)
      throw new ExperimentConfigError(
        "allocation",
        `allocation shares add up to ${+(total * 100).toFixed(6)}%, not 100%`,
      );
    allocation = names.map((n) => ({ name: n, share: given.get(n)! }));
  }

  const key = attrs.key;
  if (typeof key !== "string" || key === "")
    throw new ExperimentConfigError("key", "key must name the request field");
  const defaultArm = typeof attrs.default_arm === "string" ? attrs.default_arm : undefined;
  if (defaultArm !== undefined && !names.includes(defaultArm))
    throw new ExperimentConfigError(
      "default_arm",
      `default_arm names \`${defaultArm}\`, which is not a variant`,
    );

  const metrics: Record<string, MetricKind> = {};
  const mj = attrs.metrics;
  if (mj === undefined || !isObjectLit(mj))
    throw new ExperimentConfigError("metrics", "metrics must map each outcome to binary or continuous");
  for (const [k, v] of Object.entries(mj.$object)) {
    const kind = nameOf(v);
    if (kind !== "binary" && kind !== "continuous")
      throw new ExperimentConfigError("metrics", `metric \`${k}\` must be binary or continuous`);
    metrics[k] = kind;
  }
  const primary = nameOf(attrs.primary);
  if (!primary || !metrics[primary])
    throw new ExperimentConfigError(
      "primary",
      `primary must be one of the metrics (${Object.keys(metrics).join(", ")})`,
    );

  const guardrails: Guardrail[] = [];
  const gj = attrs.guardrails;
  if (gj !== undefined) {
    if (!isObjectLit(gj)) throw new ExperimentConfigError("guardrails", "guardrails must be an object");
    for (const [k, v] of Object.entries(gj.$object)) {
      if (k === "latency_p99") {
        if (!isDuration(v))
          throw new ExperimentConfigError("guardrails", "latency_p99 must be a duration (`250ms`)");
        guardrails.push({ kind: "latency_p99", maxMs: v.$duration * 1000 });
      } else if (k === "error_rate") {
        // the share of an arm's logged rows that failed (a 5xx: scoring or its online store)
        if (!isPercent(v) || !(v.$percent >= 0 && v.$percent < 100))
          throw new ExperimentConfigError(
            "guardrails",
            "error_rate must be the highest tolerated share of failed requests as a percentage (`1%`)",
          );
        guardrails.push({ kind: "error_rate", max: v.$percent / 100 });
      } else if (metrics[k]) {
        if (k === primary)
          throw new ExperimentConfigError("guardrails", `the primary metric \`${k}\` cannot be a guardrail`);
        if (!isPercent(v))
          throw new ExperimentConfigError(
            "guardrails",
            `guardrail \`${k}\` must be the harm tolerated as a percentage (\`2%\`)`,
          );
        guardrails.push({ kind: "metric", metric: k, maxHarm: v.$percent / 100 });
      } else
        throw new ExperimentConfigError(
          "guardrails",
          `guardrail \`${k}\` is neither latency_p99, error_rate nor a declared metric (${Object.keys(metrics).join(", ")})`,
        );
    }
  }

  const mde = numberOf(attrs.mde);
  if (mde === undefined || !(mde > 0))
    throw new ExperimentConfigError("mde", "mde must be a positive percentage (`5%`)");
  const alpha = numberOf(attrs.alpha) ?? 0.05;
  const power = numberOf(attrs.power) ?? 0.8;
  if (!(alpha > 0 && alpha < 0.5)) throw new ExperimentConfigError("alpha", "alpha must be in (0, 0.5)");
  if (!(power > alpha && power < 1))
    throw new ExperimentConfigError("power", "power must be above alpha and below 1");
  const baseline = numberOf(attrs.baseline);
  const baselineSd = numberOf(attrs.baseline_sd);
  const traffic = numberOf(attrs.traffic_per_day);
  const duration =
    attrs.duration !== undefined && isDuration(attrs.duration) ? attrs.duration.$duration : undefined;
  const covariate = typeof attrs.covariate === "string" ? attrs.covariate : undefined;
  if (covariate !== undefined && metrics[covariate] !== "continuous")
    throw new ExperimentConfigError(
      "covariate",
      `covariate \`${covariate}\` must be a continuous metric of metrics`,
    );
  return {
    name,
    deployment,
    variants,
    control,
    allocation,
    key,
    ...(defaultArm !== undefined ? { defaultArm } : {}),
    primary,
    metrics,
    guardrails,
    mde,
    alpha,
    power,
    ...(baseline !== undefined ? { baseline } : {}),
    ...(baselineSd !== undefined ? { baselineSd } : {}),
    ...(traffic !== undefined ? { trafficPerDay: traffic } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    test: oneOf(attrs, "test", ["sequential", "fixed"] as const, "sequential"),
    ...(covariate !== undefined ? { covariate } : {}),
    onWin: oneOf(attrs, "on_win", ["promote", "report"] as const, "promote"),
    onLoss: oneOf(attrs, "on_loss", ["stop", "report"] as const, "stop"),
    onGuardrail: oneOf(attrs, "on_guardrail", ["stop", "report"] as const, "stop"),
  };
}

export type ExperimentPlan =
  | {
      sized: true;
      /** Units each arm needs, in the order of `variants` (fixed-horizon size; the sequential test needs about as many or more). */
      perArm: { name: string; units: number }[];
      /** Units of traffic so every arm gets its need under the allocation. */
      total: number;
      /** Days at the declared traffic, when declared. */
      days?: number;
      /** Whether the declared duration reaches the sample size (undefined when either is not declared). */
      durationReaches?: boolean;
      /** Set when the baseline (or its standard deviation) was estimated from the log and feedback. */
      estimate?: Extract<BaselineEvidence, { estimated: true }>;
    }
  | {
      sized: false;
      reason: string;
      /** No baseline to size with (neither declared nor estimated), as opposed to one that cannot be sized. */
      noBaseline?: true;
      estimate?: BaselineEvidence;
    };

/** What to declare when the plan has no baseline: the metric's expected rate or mean (and its spread). */
function missingBaseline(c: ExperimentConfig): string | undefined {
  const kind = c.metrics[c.primary]!;
  if (c.baseline === undefined)
    return `declare baseline (the expected ${kind === "binary" ? "rate" : "mean"} of ${c.primary})${kind === "continuous" && c.baselineSd === undefined ? " and baseline_sd" : ""}`;
  if (kind === "continuous" && c.baselineSd === undefined)
    return `declare baseline_sd (the unit-level standard deviation of ${c.primary})`;
  return undefined;
}

/**
 * The sample size of every arm: each treatment against control at alpha / (arms − 1) (Bonferroni),
 * the control sized for the most demanding comparison. A baseline the config does not declare comes
 * from `evidence` (the deployment's log and feedback, src/kinds/experiment/baseline-estimate.ts).
 */
export function planExperiment(c0: ExperimentConfig, evidence?: BaselineEvidence): ExperimentPlan {
  const missing = missingBaseline(c0);
  let c = c0;
  let estimate: Extract<BaselineEvidence, { estimated: true }> | undefined;
  if (missing !== undefined) {
    if (!evidence?.estimated)
      return {
        sized: false,
        reason: `the sample size needs a baseline: ${missing}, or serve the deployment and send outcomes of ${c0.primary} so the plan estimates it${evidence ? ` (${evidence.reason})` : ""}`,
        noBaseline: true,
        ...(evidence ? { estimate: evidence } : {}),
      };
    estimate = evidence;
    c = {
      ...c0,
      baseline: c0.baseline ?? evidence.baseline,
      ...(c0.baselineSd === undefined && evidence.baseline_sd !== undefined
        ? { baselineSd: evidence.baseline_sd }
        : {}),
    };
  }
  const kind = c.metrics[c.primary]!;
  const baseline = c.baseline!;
  const shares = new Map(c.allocation.map((a) => [a.name, a.share]));
  const cShare = shares.get(c.control)!;
  const alpha = c.alpha / (c.variants.length - 1);
  const need = new Map<string, number>();
  let controlNeed = 0;
  try {
    for (const v of c.variants) {
      if (v.name === c.control) continue;
      const target = { alpha, power: c.power, ratio: shares.get(v.name)! / cShare };
      const s =
        kind === "binary"
          ? proportionSampleSize(baseline, c.mde, target)
          : meanSampleSize(baseline, c.baselineSd!, c.mde, target);
      need.set(v.name, Math.ceil(s.treatment));
      controlNeed = Math.max(controlNeed, Math.ceil(s.control));
    }
  } catch (e) {
    return { sized: false, reason: (e as Error).message, ...(estimate ? { estimate } : {}) };
  }
  need.set(c.control, controlNeed);
  const perArm = c.variants.map((v) => ({ name: v.name, units: need.get(v.name)! }));
  const total = Math.ceil(Math.max(...perArm.map((a) => a.units / shares.get(a.name)!)));
  const days = c.trafficPerDay !== undefined ? total / c.trafficPerDay : undefined;
  const durationReaches =
    days !== undefined && c.durationSeconds !== undefined ? days * 86400 <= c.durationSeconds : undefined;
  return {
    sized: true,
    perArm,
    total,
    ...(days !== undefined ? { days } : {}),
    ...(durationReaches !== undefined ? { durationReaches } : {}),
    ...(estimate ? { estimate } : {}),
  };
}

/** The estimate's fields in the plan's JSON. */
function estimateJson(e: BaselineEvidence): { [k: string]: Json } {
  return e.estimated
    ? {
        estimated: true,
        baseline: +e.baseline.toPrecision(6),
        ...(e.baseline_sd !== undefined ? { baseline_sd: +e.baseline_sd.toPrecision(6) } : {}),
        units: e.units,
        outcomes: e.outcomes,
        from: e.from,
      }
    : { estimated: false, units: e.units, outcomes: e.outcomes, reason: e.reason };
}

/** The plan's fields for `mlc plan --json`: the design and the sample size per arm (or why it has none). */
export function planNoteData(c: ExperimentConfig, evidence?: BaselineEvidence): { [k: string]: Json } {
  const p = planExperiment(c, evidence);
  const design = { test: c.test, alpha: c.alpha, power: c.power, mde: c.mde, primary: c.primary };
  const baseline: { [k: string]: Json } = p.estimate ? { baseline_estimate: estimateJson(p.estimate) } : {};
  if (!p.sized) return { sample_size: { ...design, sized: false, reason: p.reason, ...baseline } };
  return {
    sample_size: {
      ...design,
      sized: true,
      per_arm: p.perArm.map((a) => ({ arm: a.name, units: a.units })),
      total_units: p.total,
      ...(c.trafficPerDay !== undefined ? { traffic_per_day: c.trafficPerDay } : {}),
      ...(p.days !== undefined ? { days: +p.days.toFixed(3) } : {}),
      ...(c.durationSeconds !== undefined ? { duration_seconds: c.durationSeconds } : {}),
      ...(p.durationReaches !== undefined ? { duration_reaches: p.durationReaches } : {}),
      ...baseline,
    },
  };
}

const shown = (v: number, pct: boolean): string =>
  pct ? `${+(v * 100).toPrecision(3)}%` : String(+v.toPrecision(4));

/** One line for `mlc plan`: the sample size per arm and, with the traffic declared, the days. */
export function planSummary(c: ExperimentConfig, evidence?: BaselineEvidence): string {
  const p = planExperiment(c, evidence);
  if (!p.sized) return `not sized: ${p.reason}`;
  const arms = p.perArm.map((a) => `${a.name} ${countText(a.units)}`).join(", ");
  const days =
    p.days !== undefined ? `; ${p.days.toFixed(1)} days at ${countText(c.trafficPerDay!)} units/day` : "";
  const e = p.estimate;
  const binary = c.metrics[c.primary] === "binary";
  const what = !e
    ? ""
    : c.baseline !== undefined
      ? `baseline_sd ${shown(e.baseline_sd ?? NaN, false)}`
      : `baseline ${shown(e.baseline, binary)}${e.baseline_sd !== undefined ? ` (sd ${shown(e.baseline_sd, false)})` : ""}`;
  const est = e
    ? `; ${what} estimated from ${countText(e.units)} units (${countText(e.outcomes)} with an outcome) of the prediction log and feedback (${e.from})`
    : "";
  return `sample size per arm (${c.test} test, alpha ${c.alpha}, power ${c.power}, mde ${+(c.mde * 100).toFixed(4)}%): ${arms}${days}${est}`;
}
