// Live data quality of served inputs from a log window, against what training saw: null rates,
// values outside the training range, categories training never had, values of the wrong type, and
// the request volume over time.
import type { LogWindow } from "./window.js";

/**
 * What training saw of a column: its range for numbers, its categories for text. The reference
 * profile's NumericProfile and CategoricalProfile (src/ml/drift/profile.ts) fit this shape as they are.
 */
export type TrainingColumn =
  { kind: "numeric"; min: number; max: number } | { kind: "categorical"; counts: Record<string, number> };

export interface ColumnQuality {
  rows: number;
  nulls: number;
  nullRate: number;
  /** Values of a type the column does not take (counted as null in the column). */
  wrongTypes: number;
  /** Numbers: non-null values below the training minimum / above the maximum, and their share of non-null values. */
  belowMin?: number;
  aboveMax?: number;
  outOfRangeRate?: number;
  /** Categories: non-null values training never had, their share, and the most frequent of them. */
  unseen?: number;
  unseenRate?: number;
  unseenValues?: { value: string; rows: number }[];
}

const TOP_UNSEEN = 10;

/** Quality per logged input column; columns without a training reference get null and type counts only. */
export function dataQuality(
  w: LogWindow,
  training: Readonly<Record<string, TrainingColumn>>,
): Record<string, ColumnQuality> {
  const out: Record<string, ColumnQuality> = {};
  for (const [name, col] of Object.entries(w.inputs)) {
    const ref = training[name];
    let nulls = 0;
    const q: ColumnQuality = { rows: w.rows, nulls: 0, nullRate: 0, wrongTypes: w.wrongTypes[name] ?? 0 };
    if (col.kind === "numeric") {
      let below = 0;
      let above = 0;
      for (const v of col.values) {
        if (v !== v) nulls++;
        else if (ref?.kind === "numeric") {
          if (v < ref.min) below++;
          else if (v > ref.max) above++;
        }
      }
      if (ref?.kind === "numeric") {
        const present = w.rows - nulls;
        Object.assign(q, {
          belowMin: below,
          aboveMax: above,
          outOfRangeRate: present ? (below + above) / present : 0,
        });
      }
    } else {
      const unseen = new Map<string, number>();
      for (const v of col.values) {
        if (v === null) nulls++;
        else if (ref?.kind === "categorical" && !Object.hasOwn(ref.counts, v))
          unseen.set(v, (unseen.get(v) ?? 0) + 1);
      }
      if (ref?.kind === "categorical") {
        let total = 0;
        for (const c of unseen.values()) total += c;
        const present = w.rows - nulls;
        q.unseen = total;
        q.unseenRate = present ? total / present : 0;
        q.unseenValues = [...unseen]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .slice(0, TOP_UNSEEN)
          .map(([value, rows]) => ({ value, rows }));
      }
    }
    // rows with a wrong type are NaN/null in the column but are not missing values
    q.nulls = nulls - q.wrongTypes;
    q.nullRate = w.rows ? q.nulls / w.rows : 0;
    out[name] = q;
  }
  return out;
}

export interface RequestVolume {
  requests: number;
  rows: number;
  /** Requests per hour over the window's span. */
  perHour: number;
  /** Requests and rows per bucket of `bucketSeconds`, from the window's start; empty buckets included. */
  buckets: { start: string; requests: number; rows: number }[];
}

/** Request counts over the window, per bucket (default one hour). */
export function requestVolume(w: LogWindow, bucketSeconds = 3600): RequestVolume {
  const seen = new Set<string>();
  const span = w.to - w.from;
  const bucketMs = bucketSeconds * 1000;
  const nb = w.rows && Number.isFinite(span) ? Math.max(1, Math.ceil((span || 1) / bucketMs)) : 0;
  const buckets = Array.from({ length: nb }, (_, b) => ({
    start: new Date(w.from + b * bucketMs).toISOString(),
    requests: 0,
    rows: 0,
  }));
  for (let r = 0; r < w.rows; r++) {
    const b = buckets[Math.min(nb - 1, Math.max(0, Math.floor((w.times[r]! - w.from) / bucketMs)))]!;
    b.rows++;
    const id = w.requestIds[r]!;
    if (!seen.has(id)) {
      seen.add(id);
      b.requests++;
    }
  }
  return {
    requests: seen.size,
    rows: w.rows,
    perHour: span > 0 ? seen.size / (span / 3_600_000) : NaN,
    buckets,
  };
}
