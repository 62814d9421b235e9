// Point-in-time join (Feast's historical retrieval): each label row gets, per feature table, the
// latest feature row of the same entity whose timestamp is at or before the label's (within a
// TTL if given), so no value from after the label's time is ever used.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { NodeFailure } from "../ir/executor.js";
import { columnValues, numericValues } from "./table-columns.js";

export interface PitFeatureTable {
  table: ColumnTable;
  /** Entity key columns, same names in both tables. */
  keys: string[];
  /** The feature table's event-time column. */
  time: string;
  /** Columns to bring over (default: all but keys and time). */
  columns?: string[];
  /** Ignore feature rows older than this (ms) relative to the label time. */
  ttlMs?: number;
  /** Prefix for the joined column names (avoids clashes). */
  prefix?: string;
}

const keyOf = (cols: ArrayLike<unknown>[], i: number): string =>
  cols
    .map((c) => {
      const v = c[i];
      return v instanceof Date ? v.getTime() : v;
    })
    .join("\u0000");

export function pointInTimeJoin(
  labels: ColumnTable,
  labelTime: string,
  features: readonly PitFeatureTable[],
): ColumnTable {
  const n = labels.numRows();
  const lt = numericValues(columnValues(labels, labelTime));
  const out: Record<string, unknown> = {};
  const names = [...labels.columnNames()];
  for (const name of names) out[name] = columnValues(labels, name);
  for (const f of features) {
    for (const k of [...f.keys, f.time]) {
      if (!f.table.columnNames().includes(k))
        throw new NodeFailure(`point-in-time join: the feature table has no column \`${k}\``, {
          code: "MLC2108",
        });
    }
    for (const k of f.keys)
      if (!labels.columnNames().includes(k))
        throw new NodeFailure(`point-in-time join: the label table has no key column \`${k}\``, {
          code: "MLC2108",
        });
    const ft = numericValues(columnValues(f.table, f.time));
    const fk = f.keys.map((k) => columnValues(f.table, k) as ArrayLike<unknown>);
    const lk = f.keys.map((k) => columnValues(labels, k) as ArrayLike<unknown>);
    // Feature rows per entity, sorted by time (ties: the later row in the table wins).
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < f.table.numRows(); i++) {
      if (Number.isNaN(ft[i]!)) continue;
      const k = keyOf(fk, i);
      let rows = byKey.get(k);
      if (!rows) byKey.set(k, (rows = []));
      rows.push(i);
    }
    for (const rows of byKey.values()) rows.sort((a, b) => ft[a]! - ft[b]! || a - b);
    const match = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const rows = byKey.get(keyOf(lk, i));
      const t = lt[i]!;
      if (!rows || Number.isNaN(t)) continue;
      // last row with time <= t (binary search)
      let lo = 0,
        hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ft[rows[mid]!]! <= t) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0) continue;
      const r = rows[lo - 1]!;
      if (f.ttlMs !== undefined && t - ft[r]! > f.ttlMs) continue;
      match[i] = r;
    }
    const cols = f.columns ?? f.table.columnNames().filter((c) => !f.keys.includes(c) && c !== f.time);
    for (const c of cols) {
      const src = columnValues(f.table, c);
      const name = (f.prefix ?? "") + c;
      if (names.includes(name))
        throw new NodeFailure(
          `point-in-time join: column \`${name}\` exists in both tables; give the feature table a prefix`,
          { code: "MLC2108" },
        );
      names.push(name);
      if (ArrayBuffer.isView(src)) {
        const num = numericValues(src);
        out[name] = Float64Array.from(match, (r) => (r < 0 ? NaN : num[r]!));
      } else out[name] = Array.from(match, (r) => (r < 0 ? null : (src as ArrayLike<unknown>)[r]));
    }
  }
  return aq.table(out, names);
}
