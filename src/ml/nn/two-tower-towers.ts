// The towers of a trained two-tower model as plain typed arrays, and the one rule that turns an
// entity's inputs into its vector: e = ID[id] + Σ EMB_k[code_k] + Σ ((x_k − mean_k) / scale_k)·w_k,
// where an ID or code outside the tables (NaN, unseen, negative) reads the reserved last, "unknown"
// row and a missing dense value counts as its training mean. A pair scores e_user · e_item.
// Predict, the ONNX export, the retrieval file's tables and the server's cold-start path (a user or
// item known only by its features) all compute vectors here, without TensorFlow.js.
import type { OnnxGraph } from "../../onnx/builder.js";
import type { Matrix } from "../matrix.js";
import type { FactorTables } from "../recommend/factor-tables.js";
import { arrayOf, type Unpacked } from "./packed-bytes.js";

/** One side feature of a tower. */
export interface TowerFeature {
  name: string;
  /** Its column in the model's input matrix. */
  column: number;
  /** `embed`: a row per code 0..size-1 plus the unknown row; `dense`: one projection row. */
  kind: "embed" | "dense";
  /** embed: the number of codes; dense: 1. */
  size: number;
  /** dense: the training mean and standard deviation (1 when constant) of the values. */
  mean: number;
  scale: number;
}

/** One tower: an ID table ((ids + 1) × factors, the last row "unknown") and its side features. */
export interface Tower {
  /** The ID feature's column in the model's input matrix. */
  idColumn: number;
  idName: string;
  ids: number;
  idTable: Float32Array;
  features: TowerFeature[];
  /** Per feature: embed (size + 1) × factors, dense 1 × factors. */
  tables: Float32Array[];
}

export interface TwoTowers {
  factors: number;
  user: Tower;
  item: Tower;
}

/** The row of an ID or code: a valid index truncated, anything else the unknown row `count`. */
export const rowOf = (v: number, count: number): number => (v >= 0 && v < count ? Math.trunc(v) : count);

/**
 * Adds the tower's vector for one entity to `out` (length factors, zeroed by the caller). `value`
 * gives the entity's value of a model input column (NaN when unknown).
 */
export function towerVector(
  t: Tower,
  factors: number,
  value: (column: number) => number,
  out: Float64Array,
): void {
  const f = factors;
  const add = (table: Float32Array, row: number, by = 1): void => {
    const o = row * f;
    for (let d = 0; d < f; d++) out[d] = out[d]! + by * table[o + d]!;
  };
  add(t.idTable, rowOf(value(t.idColumn), t.ids));
  t.features.forEach((feat, k) => {
    const v = value(feat.column);
    if (feat.kind === "embed") add(t.tables[k]!, rowOf(v, feat.size));
    else if (Number.isFinite(v)) add(t.tables[k]!, 0, (v - feat.mean) / feat.scale);
  });
}

/** The dot product of a user row of X and an item row of X, as float32 (what predict returns). */
export function pairScores(m: TwoTowers, X: Matrix): Float64Array {
  const out = new Float64Array(X.nRows);
  const u = new Float64Array(m.factors);
  const i = new Float64Array(m.factors);
  for (let r = 0; r < X.nRows; r++) {
    u.fill(0);
    i.fill(0);
    const value = (j: number): number => X.columns[j]![r]!;
    towerVector(m.user, m.factors, value, u);
    towerVector(m.item, m.factors, value, i);
    let s = 0;
    for (let d = 0; d < m.factors; d++) s += u[d]! * i[d]!;
    out[r] = Math.fround(s);
  }
  return out;
}

/**
 * The factor tables retrieval ranks with: each user's and item's vector from its last row in X (the
 * training rows), biases zero. IDs no row shows get the unknown row's vector with no features.
 */
export function towerFactorTables(m: TwoTowers, X: Matrix): FactorTables {
  const tableOf = (t: Tower): Float32Array => {
    const f = m.factors;
    const last = new Int32Array(t.ids).fill(-1);
    const ids = X.columns[t.idColumn]!;
    for (let r = 0; r < X.nRows; r++) {
      const id = rowOf(ids[r]!, t.ids);
      if (id < t.ids) last[id] = r;
    }
    const out = new Float32Array(t.ids * f);
    const v = new Float64Array(f);
    for (let id = 0; id < t.ids; id++) {
      v.fill(0);
      const r = last[id]!;
      towerVector(t, f, (j) => (r < 0 ? (j === t.idColumn ? id : NaN) : X.columns[j]![r]!), v);
      for (let d = 0; d < f; d++) out[id * f + d] = v[d]!;
    }
    return out;
  };
  return {
    userFeature: m.user.idColumn,
    itemFeature: m.item.idColumn,
    nUsers: m.user.ids,
    nItems: m.item.ids,
    factors: m.factors,
    U: tableOf(m.user),
    V: tableOf(m.item),
    userBias: new Float32Array(m.user.ids),
    itemBias: new Float32Array(m.item.ids),
    globalBias: 0,
    link: "identity",
  };
}

/** The towers' JSON header and named arrays, for a model or retrieval file. */
export function packTowers(m: TwoTowers): {
  header: Record<string, unknown>;
  arrays: [string, Float32Array][];
} {
  const side = (t: Tower) => ({
    idColumn: t.idColumn,
    idName: t.idName,
    ids: t.ids,
    features: t.features.map((f) => ({ ...f })),
  });
  const arrays: [string, Float32Array][] = [];
  for (const [name, t] of [
    ["user", m.user],
    ["item", m.item],
  ] as const) {
    arrays.push([`${name}.id`, t.idTable]);
    t.tables.forEach((a, k) => arrays.push([`${name}.f${k}`, a]));
  }
  return { header: { factors: m.factors, user: side(m.user), item: side(m.item) }, arrays };
}

/** Reads what `packTowers` wrote, checking every table's size. */
export function unpackTowers(h: unknown, u: Unpacked, what: string): TwoTowers {
  const bad = (why: string): Error => new Error(`${what}: the towers ${why}`);
  if (typeof h !== "object" || h === null) throw bad("are missing");
  const o = h as Record<string, unknown>;
  const factors = o.factors;
  if (typeof factors !== "number" || !Number.isInteger(factors) || factors < 1) throw bad("have no factors");
  const side = (name: "user" | "item"): Tower => {
    const s = o[name] as Record<string, unknown> | undefined;
    if (!s || typeof s.ids !== "number" || typeof s.idColumn !== "number" || typeof s.idName !== "string")
      throw bad(`have no ${name} tower`);
    const features = (Array.isArray(s.features) ? s.features : []) as TowerFeature[];
    const idTable = arrayOf(u, `${name}.id`, Float32Array);
    if (idTable.length !== (s.ids + 1) * factors) throw bad(`' ${name} ID table has the wrong size`);
    const tables = features.map((f, k) => {
      const a = arrayOf(u, `${name}.f${k}`, Float32Array);
      const rows = f.kind === "embed" ? f.size + 1 : 1;
      if ((f.kind !== "embed" && f.kind !== "dense") || a.length !== rows * factors)
        throw bad(`' ${name} feature '${String(f.name)}' has the wrong size`);
      return a;
    });
    return { idColumn: s.idColumn, idName: s.idName, ids: s.ids, idTable, features, tables };
  };
  return { factors, user: side("user"), item: side("item") };
}

/** Appends the pair score to `graph` (float [N, 1]), reading the towers' inputs of `input` (float [N, d]). */
export function twoTowerOnnx(graph: OnnxGraph, input: string, m: TwoTowers): string {
  const f = m.factors;
  const column = (j: number): string =>
    graph.op("Gather", [input, graph.constant("int64", [1], [j], "tt_col")], { axis: 1 });
  // [N, 1] float → int64 rows: a valid index floored, anything else (NaN too) → count
  const rows = (j: number, count: number): string => {
    const col = column(j);
    const limit = graph.constant("float", [], [count], "tt_count");
    const zero = graph.constant("float", [], [0], "tt_zero");
    const valid = graph.op("And", [graph.op("GreaterOrEqual", [col, zero]), graph.op("Less", [col, limit])]);
    const idx = graph.op("Cast", [graph.op("Floor", [graph.op("Where", [valid, col, limit])])], { to: 7 });
    return graph.op("Reshape", [idx, graph.constant("int64", [1], [-1], "tt_flat")]);
  };
  const lookup = (table: Float32Array, count: number, j: number, name: string): string =>
    graph.op("Gather", [graph.constant("float", [count + 1, f], table, name), rows(j, count)], { axis: 0 });
  const tower = (t: Tower, name: string): string => {
    let e = lookup(t.idTable, t.ids, t.idColumn, `tt_${name}_ids`);
    t.features.forEach((feat, k) => {
      let part: string;
      if (feat.kind === "embed") part = lookup(t.tables[k]!, feat.size, feat.column, `tt_${name}_emb`);
      else {
        const col = column(feat.column);
        const z = graph.op("Div", [
          graph.op("Sub", [col, graph.constant("float", [], [feat.mean], "tt_mean")]),
          graph.constant("float", [], [feat.scale], "tt_scale"),
        ]);
        const filled = graph.op("Where", [
          graph.op("IsNaN", [z]),
          graph.constant("float", [], [0], "tt_zero"),
          z,
        ]);
        part = graph.op("Mul", [filled, graph.constant("float", [1, f], t.tables[k]!, `tt_${name}_dense`)]);
      }
      e = graph.op("Add", [e, part]);
    });
    return e;
  };
  const u = tower(m.user, "user");
  const i = tower(m.item, "item");
  return graph.op("ReduceSum", [graph.op("Mul", [u, i]), graph.constant("int64", [1], [1], "tt_axes")], {
    keepdims: 1,
  });
}
