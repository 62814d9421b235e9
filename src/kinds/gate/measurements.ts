// What a gate can read about its model: the model's evaluation metrics, the champion re-scored on
// the same test rows, single-row ONNX latency, the bundle size, fairness by a group column, and
// significance tests against the champion. Expensive measurements are taken only when asked for.
import type { ColumnTable } from "arquero";
import { isOp, isRef } from "../../ir/expr-json.js";
import { loadTable } from "../../data/table-artifact.js";
import { columnValues } from "../../data/table-columns.js";
import type { Task } from "../../ml/estimator.js";
import {
  demographicParityDifference,
  disparateImpactRatio,
  equalizedOddsDifference,
  equalOpportunityDifference,
  fairnessReport,
  groupRates,
} from "../../ml/fairness/index.js";
import { metricFor, type MetricInput } from "../../ml/metrics/index.js";
import {
  correctness,
  delongTest,
  mcnemarTest,
  pairedBootstrap,
  quantileSorted,
} from "../../ml/stats/index.js";
import { loadSession } from "../../onnx/session.js";
import { NodeFailure, type ArtifactAccess, type NodeResult } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import type { ModelVersion } from "../../registry/model-registry.js";
import type { ModelSpec } from "../model/model-spec.js";
import { rankingGroups, targets } from "../model/labels.js";
import { rankingEvaluation, type RankingFields } from "../model/ranking-eval.js";
import { evaluateSplit } from "../model/evaluate.js";
import { championScorer } from "../model/champion-scoring.js";
import { rowsUnseenByChampion } from "../model/champion-rows.js";
import { tableFeeds } from "../model/onnx-bundle.js";
import { NO_CHAMPION, type GateMeasurements } from "./assertions.js";
import type { GateFairness } from "./results.js";
import { decodeModelResult } from "../model/results.js";
import type { BundleInput } from "../../serve/bundle.js";

type Part = "train" | "valid" | "test";
const PARTS: readonly Part[] = ["train", "valid", "test"];

interface PartData {
  table: ColumnTable;
  y: Float64Array;
  pred: Float64Array;
  /** A rank task: the rows in group order (as the predictions are), and what its metrics read. */
  ranking?: RankingFields & { group: Int32Array };
}

export interface GateInputs {
  artifacts: ArtifactAccess;
  spec: ModelSpec;
  model: NodeResult;
  champion?: ModelVersion;
  seed: number;
}

/** How many rows a champion comparison used on a part, and how many it left out as seen by the champion. */
export interface ChampionRowCounts {
  used: number;
  overlap: number;
  checked: boolean;
}

/** The rows `keep` of a part (predictions are row-major, `width` per row). */
function subset(d: PartData, keep: Int32Array, width: number): PartData {
  const pred = new Float64Array(keep.length * width);
  keep.forEach((r, i) => pred.set(d.pred.subarray(r * width, (r + 1) * width), i * width));
  const rk = d.ranking;
  return {
    table: d.table.reify(Array.from(keep)),
    y: Float64Array.from(keep, (r) => d.y[r]!),
    pred,
    // kept rows stay in order, so each group's rows stay contiguous
    ...(rk
      ? {
          ranking: {
            ...rk,
            group: Int32Array.from(keep, (r) => rk.group[r]!),
            ...(rk.item ? { item: Int32Array.from(keep, (r) => rk.item![r]!) } : {}),
          },
        }
      : {}),
  };
}

/** The metric input of a part's rows with these predictions (and a binary classifier's decision). */
function metricInput(
  d: PartData,
  pred: Float64Array,
  width: number,
  decision: MetricInput["decision"],
): MetricInput {
  return { y: d.y, pred, width, ...(d.ranking ?? {}), ...(decision ? { decision } : {}) };
}

const refName = (j: Json | undefined): string | undefined =>
  j !== undefined && isRef(j) ? j.$ref.join(".") : typeof j === "string" ? j : undefined;

const f64 = (bytes: Uint8Array): Float64Array =>
  new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** Prefetched data for a gate; `lookup` and `call` are then synchronous. */
export class GateData implements GateMeasurements {
  private parts = new Map<Part, PartData>();
  private championPreds = new Map<Part, Float64Array>();
  private championMetrics: Record<string, number> = {};
  /** The candidate's rows and metrics on the rows the champion never saw, where some were left out. */
  private pairedParts = new Map<Part, PartData>();
  private pairedMetrics: Record<string, number> = {};
  /** Why a champion metric of a part cannot be measured (every row was the champion's). */
  private unavailable = new Map<string, string>();
  readonly championRows: Partial<Record<Part, ChampionRowCounts>> = {};
  private latency: Record<string, number> = {};
  private size: Record<string, number> = {};
  readonly notes: string[] = [];

  /** An anomaly task's `k` (the cut-off of precision_at_k), spread into every metric input. */
  private get topK(): { k?: number } {
    const t = this.inp.spec.task;
    return t.kind === "detect_anomalies" ? { k: t.k } : {};
  }

  /** A binary classifier's recorded threshold and its decision's outcome costs. */
  private get decision(): MetricInput["decision"] {
    if (this.task.kind !== "binary") return undefined;
    const costs = this.inp.spec.decision?.costs;
    return { threshold: this.threshold, ...(costs ? { costs } : {}) };
  }

  /**
   * The champion's decisions are at its own recorded threshold (0.5 for a version that recorded
   * none), costed with this model's outcome values: the same business, two deciders.
   */
  private get championDecision(): MetricInput["decision"] {
    const own = this.decision;
    if (!own) return undefined;
    const t = this.inp.champion?.metrics.decision_threshold;
    return { ...own, threshold: typeof t === "number" ? t : 0.5 };
  }

  private constructor(
    private readonly inp: GateInputs,
    private readonly task: Task,
    private readonly width: number,
    /** The threshold the model decides at, as its result records it. */
    private readonly threshold: number,
  ) {}

  static async load(inp: GateInputs, needs: { latency: boolean; parts: Set<Part> }): Promise<GateData> {
    const result = decodeModelResult(inp.spec.name, inp.model.summary);
    const g = new GateData(inp, result.task, result.outputWidth, result.threshold ?? inp.spec.threshold);
    const onnx = await inp.artifacts.get(inp.model.artifacts.onnx!);
    g.size = { "size.bytes": onnx.byteLength, "size.mb": onnx.byteLength / (1024 * 1024) };
    const rank = inp.spec.task.kind === "rank" ? inp.spec.task : undefined;
    // A rank model's predictions are in group order (the executor sorts rows by group): so are its rows here.
    const tableOf = async (part: Part): Promise<{ table: ColumnTable; group?: Int32Array } | undefined> => {
      const th = inp.model.artifacts[`${part}_table`];
      if (!th) return undefined;
      const table = await loadTable(inp.artifacts, th);
      if (!rank) return { table };
      const { order, group } = rankingGroups(table, rank.group, part);
      return { table: table.reify(Array.from(order)), group };
    };
    const tables: Partial<Record<Part, { table: ColumnTable; group?: Int32Array }>> = {};
    for (const part of PARTS)
      if (needs.parts.has(part) || (rank?.item && part === "train")) tables[part] = await tableOf(part);
    const trainY = tables.train && rank ? targets(tables.train.table, rank, result.task, "train") : undefined;
    const ranking = rank
      ? rankingEvaluation(
          rank,
          Object.fromEntries(Object.entries(tables).map(([p, t]) => [p, t!.table])),
          trainY,
        )
      : undefined;
    for (const part of PARTS) {
      const t = tables[part];
      const ph = inp.model.artifacts[`${part}_predictions`];
      if (!t || !ph || !needs.parts.has(part)) continue;
      const y = targets(t.table, inp.spec.task, result.task, part);
      if (!y) continue;
      g.parts.set(part, {
        table: t.table,
        y,
        pred: f64(await inp.artifacts.get(ph)),
        ...(ranking && t.group ? { ranking: { ...ranking.fields(part), group: t.group } } : {}),
      });
    }
    if (inp.champion) await g.scoreChampion(inp.champion);
    if (needs.latency)
      g.latency = await measureLatency(
        onnx,
        inp.model,
        result.inputs,
        g.parts.get("test")?.table ?? g.parts.get("valid")?.table,
      );
    return g;
  }

  /** The champion's metrics on the candidate's own rows (paired), from its own deployable graph. */
  private async scoreChampion(champion: ModelVersion): Promise<void> {
    const score = await championScorer(this.inp.artifacts, champion);
    if (!score) {
      this.notes.push(
        `champion version ${champion.version} has no ONNX graph; its recorded metrics are used`,
      );
      for (const [k, v] of Object.entries(champion.metrics)) this.championMetrics[k] = v;
      return;
    }
    const rowKey =
      typeof this.inp.model.summary?.row_key === "string" ? this.inp.model.summary.row_key : undefined;
    for (const [part, all] of this.parts) {
      if (part === "train") continue;
      const rows = await rowsUnseenByChampion(this.inp.artifacts, champion, all.table, part, rowKey);
      this.notes.push(rows.note);
      this.championRows[part] = { used: rows.keep.length, overlap: rows.overlap, checked: rows.checked };
      if (rows.keep.length === 0) {
        this.unavailable.set(
          part,
          `gate: every ${part} row was in champion version ${champion.version}'s train or valid part, so no comparison on ${part} is honest; compare on another part or re-split`,
        );
        continue;
      }
      const d = rows.overlap > 0 ? subset(all, rows.keep, this.width) : all;
      if (rows.overlap > 0) {
        this.pairedParts.set(part, d);
        Object.assign(
          this.pairedMetrics,
          evaluateSplit(
            part,
            this.task.kind,
            { ...metricInput(d, d.pred, this.width, this.decision), ...this.topK },
            { seed: this.inp.seed, resamples: 1000 },
          ),
        );
      }
      let pred: Float64Array;
      try {
        pred = await score(d.table);
      } catch (e) {
        this.notes.push(
          `champion version ${champion.version} cannot score the ${part} rows (${(e as Error).message}); its recorded metrics are used`,
        );
        for (const [k, v] of Object.entries(champion.metrics))
          if (k.startsWith(`${part}.`)) this.championMetrics[k] = v;
        continue;
      }
      this.championPreds.set(part, pred);
      Object.assign(
        this.championMetrics,
        evaluateSplit(
          part,
          this.task.kind,
          { ...metricInput(d, pred, this.width, this.championDecision), ...this.topK },
          { seed: this.inp.seed, resamples: 0 },
        ),
      );
    }
  }

  lookup(path: string[], paired = false): number | typeof NO_CHAMPION | undefined {
    const [head, ...rest] = path;
    if (head === "champion") {
      if (!this.inp.champion) return NO_CHAMPION;
      const why = this.unavailable.get(rest[0] ?? "");
      if (why) throw new NodeFailure(why);
      return this.championMetrics[rest.join(".")];
    }
    const key = path.join(".");
    // Beside the champion, a part's metric is measured on the rows the champion never saw.
    if (paired && this.pairedParts.has(head as Part)) return this.pairedMetrics[key];
    if (head === "latency") return this.latency[key];
    if (head === "size") return this.size[key];
    return this.inp.model.metrics?.[key];
  }

  known(): string[] {
    return [
      ...Object.keys(this.inp.model.metrics ?? {}),
      ...Object.keys(this.championMetrics).map((k) => `champion.${k}`),
      ...Object.keys(this.latency),
      ...Object.keys(this.size),
    ];
  }

  private part(j: Json | undefined, fn: string): PartData {
    const name = refName(j);
    const d = name ? this.parts.get(name as Part) : undefined;
    if (!d)
      throw new NodeFailure(
        `gate: ${fn}(…) needs a part with labels and predictions: ${[...this.parts.keys()].join(", ") || "none"}`,
        { code: "MLC2301" },
      );
    return d;
  }

  /**
   * The per-group table behind a parity measure, kept for the report (`mlc report` shows the
   * tables of the gate's own `by = …` columns). Taken once per assertion by `takeFairness`.
   */
  private fairness = new Map<string, GateFairness>();
  private fairnessTaken = new Set<string>();

  takeFairness(): GateFairness[] {
    const fresh = [...this.fairness.entries()].filter(([k]) => !this.fairnessTaken.has(k));
    for (const [k] of fresh) this.fairnessTaken.add(k);
    return fresh.map(([, f]) => f);
  }

  private recordFairness(split: string, by: string, d: PartData, groups: readonly string[]): void {
    const key = `${split}\u0000${by}`;
    if (this.fairness.has(key)) {
      this.fairnessTaken.delete(key);
      return;
    }
    const metrics = ["auc", "accuracy"].map((m) => metricFor(m)!);
    this.fairness.set(key, {
      split,
      by,
      report: fairnessReport(d.y, d.pred, groups, { threshold: this.threshold, metrics }),
    });
  }

  private groups(d: PartData, j: Json | undefined, fn: string): string[] {
    const col = refName(j);
    if (!col || !d.table.columnNames().includes(col))
      throw new NodeFailure(`gate: ${fn}(…, by = ${col ?? "?"}): no such column in the model's rows`, {
        code: "MLC2301",
      });
    const v = columnValues(d.table, col) as ArrayLike<unknown>;
    return Array.from({ length: v.length }, (_, i) => String(v[i] ?? "(null)"));
  }

  call(
    name: string,
    args: Json[],
    named: { [k: string]: Json },
    evaluate: (j: Json) => number | boolean | string | typeof NO_CHAMPION,
  ): number | boolean | string | typeof NO_CHAMPION {
    if (name === "parity" || name === "disparate_impact") {
      if (this.task.kind !== "binary")
        throw new NodeFailure(`gate: ${name}(…) measures binary classifiers`, { code: "MLC2301" });
      const partArg = named.part ?? args[0];
      const byArg = named.by ?? args[1];
      const d = this.part(partArg, name);
      const threshold = this.threshold;
      const groups = this.groups(d, byArg, name);
      this.recordFairness(refName(partArg)!, refName(byArg)!, d, groups);
      const rates = groupRates(d.y, d.pred, groups, threshold);
      if (name === "disparate_impact") return disparateImpactRatio(rates);
      const measure = named.measure ?? args[2];
      const m = measure !== undefined && isRef(measure) ? measure.$ref[0] : "demographic_parity";
      return m === "equal_opportunity"
        ? equalOpportunityDifference(rates)
        : m === "equalized_odds"
          ? equalizedOddsDifference(rates)
          : demographicParityDifference(rates);
    }
    if (name === "significant") return this.significant(named.claim ?? args[0], named.p ?? args[1], evaluate);
    throw new NodeFailure(`gate: ${name}(…) is not a gate helper`, { code: "MLC2301" });
  }

  /** `significant(test.auc > champion.test.auc, p = 0.05)`: the claim holds and its test rejects "no difference". */
  private significant(
    claim: Json | undefined,
    pj: Json | undefined,
    evaluate: (j: Json) => number | boolean | string | typeof NO_CHAMPION,
  ): boolean | typeof NO_CHAMPION {
    if (!claim || !isOp(claim) || claim.args.length !== 2)
      throw new NodeFailure("gate: significant(…) takes a comparison such as test.auc > champion.test.auc", {
        code: "MLC2301",
      });
    const holds = evaluate(claim);
    if (holds === NO_CHAMPION) return NO_CHAMPION;
    const ref = [claim.args[0], claim.args[1]].find(
      (a) => a !== undefined && isRef(a) && a.$ref[0] !== "champion",
    ) as { $ref: string[] } | undefined;
    if (!ref || ref.$ref.length !== 2)
      throw new NodeFailure("gate: significant(…) compares a metric PART.METRIC with champion.PART.METRIC", {
        code: "MLC2301",
      });
    const [partName, metricName] = ref.$ref as [Part, string];
    const d = this.pairedParts.get(partName) ?? this.parts.get(partName);
    const champ = this.championPreds.get(partName);
    if (!d || !champ)
      throw new NodeFailure(`gate: significant(…) needs the champion scored on the ${partName} rows`, {
        code: "MLC2301",
      });
    const level = typeof pj === "number" ? pj : 0.05;
    let p: number;
    if (metricName === "auc" && this.width === 1) p = delongTest(d.y, d.pred, champ).pValue;
    else if (metricName === "accuracy")
      p = mcnemarTest(
        correctness(d.y, d.pred, this.width, this.decision?.threshold),
        correctness(d.y, champ, this.width, this.championDecision?.threshold),
      ).pValue;
    else {
      const metric = metricFor(metricName);
      if (!metric)
        throw new NodeFailure(`gate: significant(…): unknown metric ${metricName}`, { code: "MLC2301" });
      p = pairedBootstrap(
        metric,
        {
          y: d.y,
          width: this.width,
          ...(d.ranking ?? {}),
          ...this.topK,
          ...(this.decision ? { decision: this.decision } : {}),
        },
        d.pred,
        champ,
        { seed: this.inp.seed, ...(this.championDecision ? { decisionB: this.championDecision } : {}) },
      ).pValue;
    }
    this.notes.push(`significant(${metricName}): p = ${p.toFixed(4)} (level ${level})`);
    return Boolean(holds) && p < level;
  }
}

/** Single-row inference latency of the deployable graph, in seconds: 20 warm-up runs, then 200. */
async function measureLatency(
  onnx: Uint8Array,
  model: NodeResult,
  inputs: readonly BundleInput[],
  table: ColumnTable | undefined,
): Promise<Record<string, number>> {
  if (!table || table.numRows() === 0)
    throw new NodeFailure("gate: latency needs the model's test or valid rows", { code: "MLC2301" });
  const pipeline = model.artifacts.pipeline;
  if (!pipeline) throw new NodeFailure("gate: latency needs the model's pipeline", { code: "MLC2301" });
  const session = await loadSession(onnx);
  try {
    const raw = inputs.map((i) => ({
      name: i.name,
      type:
        i.type === "category" || i.type === "string"
          ? ("string" as const)
          : i.type === "timestamp"
            ? ("double" as const)
            : ("float" as const),
    }));
    const rows = Math.min(table.numRows(), 50);
    const feeds = Array.from({ length: rows }, (_, i) => tableFeeds(table.slice(i, i + 1), raw));
    for (let i = 0; i < 20; i++) await session.run(feeds[i % rows]!);
    const times = new Float64Array(200);
    for (let i = 0; i < times.length; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds[i % rows]!);
      times[i] = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    times.sort();
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    return {
      "latency.p50": quantileSorted(times, 0.5),
      "latency.p90": quantileSorted(times, 0.9),
      "latency.p95": quantileSorted(times, 0.95),
      "latency.p99": quantileSorted(times, 0.99),
      "latency.mean": mean,
      "latency.max": times[times.length - 1]!,
    };
  } finally {
    await session.release();
  }
}
