// The model's robustness suites, run by the model executor on the test rows with the model as it
// scores them (the pipeline's transform and the estimator, after calibration: what the test metrics
// use): each suite's perturbed copies (robustness-suites.ts) are scored, and the metric on them, its
// change from the clean rows and the share of rows that failed to score become
// `robustness.SUITE.MEASURE` metrics. Schema facts (nullable inputs, expectation bounds) are read
// from the model's upstream source nodes as last applied.
import type { ColumnTable } from "arquero";
import { isBinaryJson } from "../../ir/binary-chain-json.js";
import { NodeFailure, type ExecContext } from "../../ir/executor.js";
import type { GraphNode, Json } from "../../ir/graph-ir.js";
import { isCall, isRef } from "../../ir/expr-json.js";
import { readBlock } from "../../ir/node-config.js";
import {
  DEFAULT_NOISE_PERCENT,
  DEFAULT_NOISE_SD,
  ROBUSTNESS_FLAGS,
  robustnessSuites,
  type RobustnessFlag,
  type RobustnessSettings,
} from "../../ir/robustness-names.js";
import type { FittedPipeline, RawInput } from "../../data/pipeline.js";
import { readSourceSpec } from "../../data/source-spec.js";
import { columnValues, isNullAt } from "../../data/table-columns.js";
import type { Task, TrainedModel } from "../../ml/estimator.js";
import { metricFor, type MetricInput } from "../../ml/metrics/index.js";
import { nearbyPredict } from "../../ml/tree/model.js";
import { inputKinds, perturbationSuites, trainStats, type InputFacts } from "./robustness-suites.js";

/** The model's `robustness { … }` settings (defaults filled in), or undefined without the block. */
export function robustnessSettingsOf(config: { [k: string]: Json }): RobustnessSettings | undefined {
  const b = readBlock(config).blocks.robustness?.[0];
  if (!b) return undefined;
  const numbers = (name: string, fallback: number[]): number[] => {
    const v = b.attributes[name];
    if (!Array.isArray(v)) return fallback;
    return v.flatMap((x) =>
      typeof x === "number" ? [x] : x && typeof x === "object" && "$percent" in x ? [Number(x.$percent)] : [],
    );
  };
  const flags = {} as Record<RobustnessFlag, boolean>;
  for (const f of ROBUSTNESS_FLAGS) flags[f] = b.attributes[f] !== false;
  return {
    noisePercent: numbers("noise", DEFAULT_NOISE_PERCENT),
    noiseSd: numbers("noise_sd", DEFAULT_NOISE_SD),
    flags,
  };
}

/** `x >= 0`, `0 <= x`, `x < 10`, `between(x, 0, 10)`: the bounds row-level expectations put on columns. */
export function expectationBounds(expect: readonly Json[]): Map<string, { lower?: number; upper?: number }> {
  const out = new Map<string, { lower?: number; upper?: number }>();
  const set = (col: string, side: "lower" | "upper", v: number): void => {
    const b = out.get(col) ?? {};
    // several expectations on one side: the tightest holds
    const cur = b[side];
    b[side] = cur === undefined ? v : side === "lower" ? Math.max(cur, v) : Math.min(cur, v);
    out.set(col, b);
  };
  const colOf = (j: Json | undefined): string | undefined =>
    j !== undefined && isRef(j) && j.$ref.length === 1 ? j.$ref[0] : undefined;
  for (const e of expect) {
    if (isCall(e) && e.$call === "between") {
      const [c, lo, hi] = e.args;
      const col = colOf(c);
      if (col && typeof lo === "number") set(col, "lower", lo);
      if (col && typeof hi === "number") set(col, "upper", hi);
      continue;
    }
    if (!isBinaryJson(e)) continue;
    const { $op: op, args } = e as { $op: string; args: Json[] };
    const [a, b] = args;
    const flip: Record<string, string> = { ">=": "<=", ">": "<", "<=": ">=", "<": ">" };
    let col = colOf(a);
    let value = b;
    let rel = op;
    if (!col) {
      col = colOf(b);
      value = a;
      rel = flip[op] ?? "";
    }
    if (!col || typeof value !== "number") continue;
    if (rel === ">=" || rel === ">") set(col, "lower", value);
    else if (rel === "<=" || rel === "<") set(col, "upper", value);
  }
  return out;
}

/**
 * What the upstream sources declare of the inputs: their nullable columns and expectation bounds,
 * from the source nodes as last applied (the state); an input no schema declares is nullable when
 * it holds a null in the model's rows.
 */
async function inputFacts(
  ctx: ExecContext,
  inputs: readonly RawInput[],
  tables: readonly ColumnTable[],
): Promise<InputFacts> {
  const nullable = new Set<string>();
  const declared = new Set<string>();
  const bounds = new Map<string, { lower?: number; upper?: number }>();
  const seen = new Set<string>();
  const queue: GraphNode[] = [...(ctx.inputNodes?.values() ?? [])];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    if (node.kind === "source") {
      const spec = readSourceSpec(node.config);
      for (const c of spec.declared) {
        declared.add(c.name);
        if (c.nullable) nullable.add(c.name);
      }
      for (const [c, b] of expectationBounds(spec.expect)) if (!bounds.has(c)) bounds.set(c, b);
    }
    for (const i of node.inputs) {
      const rec = ctx.state ? await ctx.state.getNode(i.node) : undefined;
      if (rec) queue.push(rec.node);
    }
  }
  for (const i of inputs) {
    if (declared.has(i.name)) continue;
    for (const t of tables) {
      if (!t.columnNames().includes(i.name)) continue;
      const v = columnValues(t, i.name);
      let hasNull = false;
      for (let r = 0; r < v.length && !hasNull; r++) hasNull = isNullAt(v, r);
      if (hasNull) nullable.add(i.name);
    }
  }
  return { nullable, bounds };
}

/**
 * Scores rows: predictions (width per row) and which rows failed (an error, a non-finite value, or
 * a category that serving refuses: `refuse` holds the values each `unseen = error` input accepts).
 */
export function scoreRows(
  pipeline: Pick<FittedPipeline, "transform">,
  model: Pick<TrainedModel, "predict" | "outputWidth">,
  table: ColumnTable,
  refuse: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): { pred: Float64Array; failed: Uint8Array } {
  const n = table.numRows();
  const w = model.outputWidth;
  const failed = new Uint8Array(n);
  for (const [c, allowed] of refuse) {
    if (!table.columnNames().includes(c)) continue;
    const v = columnValues(table, c);
    for (let r = 0; r < n; r++) if (!isNullAt(v, r) && !allowed.has(String(v[r]))) failed[r] = 1;
  }
  let pred: Float64Array;
  try {
    pred = model.predict(pipeline.transform(table));
  } catch {
    // one row's failure fails the batch: score row by row to find which
    pred = new Float64Array(n * w);
    for (let r = 0; r < n; r++) {
      try {
        pred.set(model.predict(pipeline.transform(table.slice(r, r + 1))).subarray(0, w), r * w);
      } catch {
        failed[r] = 1;
      }
    }
  }
  for (let r = 0; r < n; r++)
    for (let k = 0; k < w; k++) if (!Number.isFinite(pred[r * w + k]!)) failed[r] = 1;
  return { pred, failed };
}

/** The metrics a suite reports for a task, with their direction: a drop (higher is better) or a rise. */
function measuredMetrics(task: Task): { name: string; change: "drop" | "rise" }[] {
  switch (task.kind) {
    case "binary":
      return [
        { name: "auc", change: "drop" },
        { name: "accuracy", change: "drop" },
      ];
    case "multiclass":
      // auc is the one-vs-rest macro average, as the test metrics take it
      return [
        { name: "auc", change: "drop" },
        { name: "accuracy", change: "drop" },
      ];
    case "regression":
      return [
        { name: "rmse", change: "rise" },
        { name: "mae", change: "rise" },
      ];
    default:
      return [];
  }
}

export interface RobustnessInput {
  settings: RobustnessSettings;
  task: Task;
  pipeline: Pick<FittedPipeline, "transform" | "rawInputs" | "refuseUnseen">;
  model: Pick<TrainedModel, "predict" | "outputWidth">;
  train: ColumnTable;
  test: { table: ColumnTable; y: Float64Array };
  /** A binary classifier's threshold (accuracy is taken at it). */
  threshold?: number;
  facts: InputFacts;
  /** The values each `unseen = error` input accepts (the labelled rows' values, as the bundle records). */
  refuse?: ReadonlyMap<string, ReadonlySet<string>>;
  seed: number;
}

/** One suite's result: its metrics and the copies it scored (for the report). */
export interface SuiteResult {
  suite: string;
  copies: string[];
  metrics: Record<string, number>;
}

/** Runs every suite of the settings and returns the `robustness.SUITE.MEASURE` metrics. */
export function runRobustness(inp: RobustnessInput): {
  metrics: Record<string, number>;
  suites: SuiteResult[];
} {
  const w = inp.model.outputWidth;
  const measured = measuredMetrics(inp.task);
  const decision: Pick<MetricInput, "decision"> =
    inp.task.kind === "binary" && inp.threshold !== undefined
      ? { decision: { threshold: inp.threshold } }
      : {};
  const compute = (name: string, y: Float64Array, pred: Float64Array): number =>
    metricFor(name)!.compute({ y, pred, width: w, ...decision });
  const refuse = inp.refuse ?? new Map<string, ReadonlySet<string>>();
  const scorer = copyScorer(inp);
  const clean = scoreRows(inp.pipeline, scorer, inp.test.table, refuse);
  const cleanKeep = keepRows(clean.failed);
  const cleanY = pick(inp.test.y, cleanKeep, 1);
  const cleanPred = pick(clean.pred, cleanKeep, w);
  const baseline = new Map(measured.map((m) => [m.name, compute(m.name, cleanY, cleanPred)]));
  const { numeric } = inputKinds(inp.pipeline.rawInputs, inp.train);
  const copies = perturbationSuites(
    inp.settings,
    inp.test.table,
    inp.pipeline.rawInputs,
    trainStats(inp.train, numeric),
    inp.facts,
    inp.seed,
  );
  const metrics: Record<string, number> = {};
  const suites: SuiteResult[] = [];
  for (const suite of robustnessSuites(inp.settings)) {
    const list = copies.get(suite) ?? [];
    const ys: Float64Array[] = [];
    const preds: Float64Array[] = [];
    let rows = 0;
    let failures = 0;
    for (const c of list) {
      const s = scoreRows(inp.pipeline, scorer, c.table, refuse);
      const keep = keepRows(s.failed);
      rows += s.failed.length;
      failures += s.failed.length - keep.length;
      ys.push(pick(inp.test.y, keep, 1));
      preds.push(pick(s.pred, keep, w));
    }
    const m: Record<string, number> = { rows, error_rate: rows > 0 ? failures / rows : 0 };
    const y = concat(ys);
    if (y.length > 0) {
      const pred = concat(preds);
      for (const { name, change } of measured) {
        const v = compute(name, y, pred);
        const base = baseline.get(name)!;
        if (!Number.isFinite(v) || !Number.isFinite(base)) continue;
        m[name] = v;
        m[`${name}_${change}`] = change === "drop" ? base - v : v - base;
      }
    }
    for (const [k, v] of Object.entries(m)) metrics[`robustness.${suite}.${k}`] = v;
    suites.push({ suite, copies: list.map((c) => c.what), metrics: m });
  }
  return { metrics, suites };
}

/**
 * The model as the suites score the copies of the test rows: a tree model walks only the trees
 * that each copy's changes reach (tree/model.ts nearbyPredict), with the same predictions; the
 * model itself when the clean rows do not transform.
 */
function copyScorer(inp: RobustnessInput): Pick<TrainedModel, "predict" | "outputWidth"> {
  try {
    const reference = inp.pipeline.transform(inp.test.table);
    return { predict: nearbyPredict(inp.model, reference), outputWidth: inp.model.outputWidth };
  } catch {
    return inp.model;
  }
}

const keepRows = (failed: Uint8Array): Int32Array => {
  const out: number[] = [];
  for (let i = 0; i < failed.length; i++) if (!failed[i]) out.push(i);
  return Int32Array.from(out);
};

const pick = (a: Float64Array, rows: Int32Array, w: number): Float64Array => {
  const out = new Float64Array(rows.length * w);
  rows.forEach((r, i) => out.set(a.subarray(r * w, (r + 1) * w), i * w));
  return out;
};

const concat = (parts: readonly Float64Array[]): Float64Array => {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * The model executor's robustness step: undefined without a robustness block; a coded failure
 * without labelled test rows or for a task the suites do not measure.
 */
export async function modelRobustness(
  ctx: ExecContext,
  inp: Omit<RobustnessInput, "settings" | "facts" | "test"> & {
    test?: { table: ColumnTable; y?: Float64Array };
    valid?: ColumnTable;
  },
): Promise<{ metrics: Record<string, number>; suites: SuiteResult[] } | undefined> {
  const settings = robustnessSettingsOf(ctx.node.config);
  if (!settings) return undefined;
  const where = `model ${ctx.node.name}: robustness`;
  if (measuredMetrics(inp.task).length === 0)
    throw new NodeFailure(`${where} measures classifiers and regressors, not ${inp.task.kind} tasks`, {
      code: "MLC2470",
      hint: "remove the robustness block",
    });
  const test = inp.test;
  if (!test?.y || test.table.numRows() === 0)
    throw new NodeFailure(`${where} runs on the labelled test rows, and the split gave none`, {
      code: "MLC2470",
      hint: "give the split a test part: `test = 15%`",
    });
  const facts = await inputFacts(ctx, inp.pipeline.rawInputs, [
    inp.train,
    test.table,
    ...(inp.valid ? [inp.valid] : []),
  ]);
  const tables = [inp.train, test.table, ...(inp.valid ? [inp.valid] : [])];
  const refuse = new Map<string, ReadonlySet<string>>();
  for (const c of inp.pipeline.refuseUnseen) {
    const seen = new Set<string>();
    for (const t of tables) {
      if (!t.columnNames().includes(c)) continue;
      const v = columnValues(t, c);
      for (let r = 0; r < v.length; r++) if (!isNullAt(v, r)) seen.add(String(v[r]));
    }
    refuse.set(c, seen);
  }
  const t0 = performance.now();
  const out = runRobustness({ ...inp, settings, facts, refuse, test: { table: test.table, y: test.y } });
  ctx.log(
    `robustness: ${out.suites.length} suites on ${test.table.numRows()} test rows in ${Math.round(performance.now() - t0)} ms`,
  );
  return out;
}
