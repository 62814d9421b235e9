// Per-arm status of an online experiment from joined request records (arm, unit key, outcomes):
// units, outcome counts, means, lift against control, the sample-ratio check, guardrails and a verdict.
import { quantileSorted } from "../stats/quantile.js";
import { compareArms, momentsOf, type ArmComparison, type TestKind } from "./compare-arms.js";
import { cupedAdjust, fitCuped } from "./cuped.js";
import { sampleRatioMismatch, type SrmResult } from "./srm.js";

/** One served request, joined with the feedback that arrived for it (the analysis input). */
export interface ExperimentRecord {
  arm: string;
  /** The value of the experiment's key field: the randomisation unit. */
  unit: string;
  /** Outcome values by metric name (`converted`: 0/1, `revenue`: any number); absent = no feedback. */
  outcomes: Readonly<Record<string, number>>;
  latencyMs?: number;
  /** The request failed (a 5xx or a scoring failure). */
  error?: boolean;
  /** The unit's pre-period covariate, when CUPED is declared. */
  covariate?: number;
}

export type Guardrail =
  | { kind: "latency_p99"; maxMs: number }
  | { kind: "error_rate"; max: number }
  /** A secondary metric may get worse by at most `maxHarm` (relative, 0.02 = −2%). */
  | { kind: "metric"; metric: string; maxHarm: number };

export interface ExperimentDesign {
  arms: readonly { name: string; share: number }[];
  control: string;
  primary: string;
  /** Other metrics reported (guardrail metrics are added automatically). */
  secondary?: readonly string[];
  guardrails?: readonly Guardrail[];
  alpha: number;
  test: TestKind;
  /** Relative minimum detectable effect; sets the sequential test's mixing variance (mde × control mean)². */
  mde: number;
  /** Units each arm needs by name (the sample size); a fixed test gives no verdict before every arm has them. */
  plannedUnits?: Readonly<Record<string, number>>;
  /** Adjust outcomes by the records' covariate (CUPED). */
  cuped?: boolean;
  /** Requests an arm needs before its latency and error guardrails are judged (default 100). */
  minGuardrailRequests?: number;
}

export interface MetricStatus {
  metric: string;
  /** Units with at least one outcome of this metric. */
  outcomes: number;
  /** Mean per unit over all of the arm's units (a unit without feedback counts 0). */
  mean: number;
  /** Against control; absent for the control arm or when an arm has fewer than two units. */
  comparison?: ArmComparison;
}

export interface GuardrailStatus {
  guardrail: string;
  value: number;
  limit: number;
  breached: boolean;
}

export interface ArmStatus {
  arm: string;
  share: number;
  requests: number;
  units: number;
  primary: MetricStatus;
  secondary: MetricStatus[];
  latencyP99Ms: number | null;
  errorRate: number | null;
  guardrails: GuardrailStatus[];
}

export type Verdict = "continue" | "win" | "loss" | "inconclusive" | "guardrail";

export interface ExperimentStatus {
  arms: ArmStatus[];
  srm: SrmResult;
  /** alpha divided by the number of treatment arms (Bonferroni), used by every comparison. */
  alphaPerComparison: number;
  verdict: Verdict;
  /** The arm to serve after the verdict: the winner, else control. */
  winner?: string;
  reason: string;
  warnings: string[];
}

interface UnitAgg {
  values: Map<string, number>;
  covariate?: number;
}

const guardrailName = (g: Guardrail): string =>
  g.kind === "latency_p99" ? "latency.p99" : g.kind === "error_rate" ? "error_rate" : g.metric;

/** Aggregates records per arm and unit: outcomes of a unit add up (a conversion counted once per request it followed). */
function aggregate(records: readonly ExperimentRecord[], arms: Set<string>) {
  const byArm = new Map<
    string,
    { units: Map<string, UnitAgg>; latencies: number[]; errors: number; requests: number }
  >();
  for (const a of arms) byArm.set(a, { units: new Map(), latencies: [], errors: 0, requests: 0 });
  const unknown = new Set<string>();
  for (const r of records) {
    const a = byArm.get(r.arm);
    if (!a) {
      unknown.add(r.arm);
      continue;
    }
    a.requests++;
    if (r.error) a.errors++;
    if (r.latencyMs !== undefined && Number.isFinite(r.latencyMs)) a.latencies.push(r.latencyMs);
    let u = a.units.get(r.unit);
    if (!u) a.units.set(r.unit, (u = { values: new Map() }));
    if (r.covariate !== undefined) u.covariate = r.covariate;
    for (const [m, v] of Object.entries(r.outcomes))
      if (Number.isFinite(v)) u.values.set(m, (u.values.get(m) ?? 0) + v);
  }
  return { byArm, unknown };
}

/** The status of every arm and the verdict the declared decisions act on. */
export function analyzeExperiment(
  design: ExperimentDesign,
  records: readonly ExperimentRecord[],
): ExperimentStatus {
  const names = design.arms.map((a) => a.name);
  if (!names.includes(design.control)) throw new RangeError(`control arm '${design.control}' is not an arm`);
  const { byArm, unknown } = aggregate(records, new Set(names));
  const warnings: string[] = [];
  if (unknown.size)
    warnings.push(`records of arms not in the design were ignored: ${[...unknown].join(", ")}`);
  const treatments = names.filter((n) => n !== design.control);
  const alpha = design.alpha / Math.max(1, treatments.length);
  const guardrails = design.guardrails ?? [];
  const metricGuards = guardrails.filter((g) => g.kind === "metric").map((g) => g.metric);
  const secondaryNames = [...new Set([...(design.secondary ?? []), ...metricGuards])].filter(
    (m) => m !== design.primary,
  );

  // per-unit outcome vectors per metric, CUPED-adjusted when declared (θ pooled over arms)
  const vectors = (metric: string): Map<string, { values: Float64Array; outcomes: number; raw: number }> => {
    const out = new Map<string, { values: Float64Array; outcomes: number; raw: number }>();
    let fit: ReturnType<typeof fitCuped> | undefined;
    if (design.cuped) {
      const ys: number[] = [];
      const xs: number[] = [];
      for (const a of byArm.values())
        for (const u of a.units.values())
          if (u.covariate !== undefined) {
            ys.push(u.values.get(metric) ?? 0);
            xs.push(u.covariate);
          }
      if (ys.length > 1) fit = fitCuped(ys, xs);
    }
    for (const [arm, a] of byArm) {
      const values = new Float64Array(a.units.size);
      let outcomes = 0;
      let sum = 0;
      let i = 0;
      for (const u of a.units.values()) {
        const y = u.values.get(metric);
        if (y !== undefined) outcomes++;
        const v = y ?? 0;
        sum += v;
        values[i++] = fit && u.covariate !== undefined ? cupedAdjust(fit, v, u.covariate) : v;
      }
      out.set(arm, { values, outcomes, raw: a.units.size ? sum / a.units.size : NaN });
    }
    return out;
  };

  const metricStatus = (metric: string): Map<string, MetricStatus> => {
    const v = vectors(metric);
    const control = momentsOf(v.get(design.control)!.values);
    const controlRaw = v.get(design.control)!.raw;
    const tau2 = (design.mde * (Number.isFinite(controlRaw) && controlRaw !== 0 ? controlRaw : 1)) ** 2;
    const out = new Map<string, MetricStatus>();
    for (const arm of names) {
      const x = v.get(arm)!;
      const s: MetricStatus = { metric, outcomes: x.outcomes, mean: x.raw };
      if (arm !== design.control) {
        const t = momentsOf(x.values);
        if (control.n >= 2 && t.n >= 2) {
          const c = compareArms(design.test, control, t, alpha, tau2 > 0 ? tau2 : 1e-12);
          // CUPED shifts means by θ·(x̄_arm − x̄); the lift is reported on the raw control mean
          if (design.cuped && controlRaw !== 0) {
            c.lift = c.difference / controlRaw;
            const k = 1 / Math.abs(controlRaw);
            c.liftLower = c.lower * k;
            c.liftUpper = c.upper * k;
          }
          s.comparison = c;
        }
      }
      out.set(arm, s);
    }
    return out;
  };

  const primary = metricStatus(design.primary);
  const secondary = secondaryNames.map((m) => metricStatus(m));
  const minReq = design.minGuardrailRequests ?? 100;

  const arms: ArmStatus[] = design.arms.map(({ name, share }) => {
    const a = byArm.get(name)!;
    const lat = Float64Array.from(a.latencies).sort();
    const p99 = lat.length ? quantileSorted(lat, 0.99) : null;
    const errorRate = a.requests ? a.errors / a.requests : null;
    const gs: GuardrailStatus[] = [];
    for (const g of guardrails) {
      if (g.kind === "latency_p99") {
        if (p99 !== null)
          gs.push({
            guardrail: guardrailName(g),
            value: p99,
            limit: g.maxMs,
            breached: a.requests >= minReq && p99 > g.maxMs,
          });
      } else if (g.kind === "error_rate") {
        if (errorRate !== null)
          gs.push({
            guardrail: guardrailName(g),
            value: errorRate,
            limit: g.max,
            breached: a.requests >= minReq && errorRate > g.max,
          });
      } else if (name !== design.control) {
        const c = secondary[secondaryNames.indexOf(g.metric)]!.get(name)!.comparison;
        // breached when the whole interval of the lift lies below the tolerated harm
        if (c)
          gs.push({
            guardrail: guardrailName(g),
            value: c.lift,
            limit: -g.maxHarm,
            breached: c.liftUpper < -g.maxHarm,
          });
      }
    }
    return {
      arm: name,
      share,
      requests: a.requests,
      units: a.units.size,
      primary: primary.get(name)!,
      secondary: secondary.map((m) => m.get(name)!),
      latencyP99Ms: p99,
      errorRate,
      guardrails: gs,
    };
  });

  const srm = sampleRatioMismatch(
    arms.map((a) => a.units),
    arms.map((a) => a.share),
  );
  if (srm.mismatch)
    warnings.push(
      `sample ratio mismatch: units per arm ${arms.map((a) => `${a.arm}=${a.units}`).join(", ")} do not match the allocation (chi-squared p = ${srm.pValue.toExponential(2)} < 0.001); no decision is taken until the assignment is fixed`,
    );
  return { arms, srm, alphaPerComparison: alpha, ...decide(design, arms, srm), warnings };
}

function decide(
  design: ExperimentDesign,
  arms: ArmStatus[],
  srm: SrmResult,
): { verdict: Verdict; winner?: string; reason: string } {
  const treatments = arms.filter((a) => a.arm !== design.control);
  const breached = arms.filter((a) => a.guardrails.some((g) => g.breached));
  if (breached.length) {
    const what = breached
      .map(
        (a) =>
          `${a.arm}: ${a.guardrails
            .filter((g) => g.breached)
            .map((g) => `${g.guardrail} ${fmt(g.value)} beyond ${fmt(g.limit)}`)
            .join(", ")}`,
      )
      .join("; ");
    return { verdict: "guardrail", winner: design.control, reason: `guardrail breached (${what})` };
  }
  if (srm.mismatch) return { verdict: "continue", reason: "sample ratio mismatch: decision withheld" };
  const planned = design.plannedUnits;
  const short = planned ? arms.filter((a) => a.units < (planned[a.arm] ?? Infinity)) : arms;
  const reached = planned !== undefined && short.length === 0;
  if (design.test === "fixed" && !reached)
    return {
      verdict: "continue",
      reason:
        planned === undefined
          ? "fixed-horizon test without a planned sample size: no verdict"
          : `fixed-horizon test: no verdict before the planned units (${short.map((a) => `${a.arm} ${a.units} of ${Math.ceil(planned[a.arm] ?? NaN)}`).join(", ")})`,
    };
  const wins = treatments.filter(
    (a) => a.primary.comparison?.significant && a.primary.comparison.difference > 0,
  );
  if (wins.length) {
    const best = wins.reduce((b, a) =>
      a.primary.comparison!.difference > b.primary.comparison!.difference ? a : b,
    );
    const c = best.primary.comparison!;
    return {
      verdict: "win",
      winner: best.arm,
      reason: `${best.arm} beats ${design.control} on ${design.primary}: lift ${fmtPct(c.lift)} [${fmtPct(c.liftLower)}, ${fmtPct(c.liftUpper)}], p = ${fmt(c.pValue)}`,
    };
  }
  const losses = treatments.filter(
    (a) => a.primary.comparison?.significant && a.primary.comparison.difference < 0,
  );
  if (treatments.length > 0 && losses.length === treatments.length)
    return {
      verdict: "loss",
      winner: design.control,
      reason: `every variant is worse than ${design.control} on ${design.primary}`,
    };
  if (reached)
    return {
      verdict: "inconclusive",
      winner: design.control,
      reason: `every arm reached its planned units without a significant difference on ${design.primary}`,
    };
  return { verdict: "continue", reason: "no significant difference yet" };
}

const fmt = (v: number): string =>
  Math.abs(v) >= 0.001 || v === 0 ? String(+v.toPrecision(3)) : v.toExponential(2);
const fmtPct = (v: number): string => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(2)}%`;
