// The reference profiles of a trained version: per part (train, valid, test), a profile of every raw
// input the deployed bundle takes and of the model's output, as the prediction log records them
// (numbers, categories as text, the score/value/class). Stored content-addressed beside the model
// (artifact `reference_profile`); the monitor compares a window of the log with one of them.
import type { ColumnTable } from "arquero";
import { columnValues } from "../../data/table-columns.js";
import type { Task } from "../../ml/estimator.js";
import { buildProfile, type ProfileColumn, type ReferenceProfile } from "../../ml/drift/profile.js";
import type { BundleInput } from "../../serve/bundle.js";
import { columnKind } from "../../serve/monitoring/window.js";
import type { Part } from "../split/config.js";

/** Profile columns of the model's output are named `output.<name>`, apart from the inputs. */
export const OUTPUT_PREFIX = "output.";

export interface ReferenceProfiles {
  formatVersion: 1;
  parts: Partial<Record<Part, ReferenceProfile>>;
}

/** An input column as the log reads it: numbers (bool as 1/0, timestamps as epoch ms; NaN = null) or text. */
function inputColumn(t: ColumnTable, input: BundleInput): ProfileColumn {
  const raw = columnValues(t, input.name) as ArrayLike<unknown>;
  if (columnKind(input) === "categorical")
    return {
      kind: "categorical",
      values: Array.from({ length: raw.length }, (_, i) => {
        const v = raw[i];
        return v === null || v === undefined ? null : String(v);
      }),
    };
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    out[i] =
      typeof v === "number"
        ? v
        : typeof v === "boolean"
          ? Number(v)
          : v instanceof Date
            ? v.getTime()
            : typeof v === "bigint"
              ? Number(v)
              : NaN;
  }
  return { kind: "numeric", values: out };
}

/**
 * The model's output as the log keeps it (src/serve/monitoring/window.ts): `score` (binary
 * P(positive), anomaly, ranking), `value` (regression), `class` (multiclass: the most probable).
 */
export function outputColumn(task: Task, pred: Float64Array, width: number): [string, ProfileColumn] {
  if (task.kind === "multiclass") {
    const n = pred.length / width;
    const classes: (string | null)[] = new Array<string | null>(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < width; j++) if (pred[r * width + j]! > pred[r * width + best]!) best = j;
      classes[r] = task.classes[best] ?? null;
    }
    return ["class", { kind: "categorical", values: classes }];
  }
  return [task.kind === "regression" ? "value" : "score", { kind: "numeric", values: pred }];
}

/** Profiles of each part present: its raw inputs and the model's predictions on it. */
export function referenceProfiles(
  inputs: readonly BundleInput[],
  tables: Partial<Record<Part, ColumnTable>>,
  predictions: Partial<Record<Part, Float64Array>>,
  task: Task,
  width: number,
): ReferenceProfiles {
  const parts: Partial<Record<Part, ReferenceProfile>> = {};
  for (const [part, t] of Object.entries(tables) as [Part, ColumnTable | undefined][]) {
    if (!t) continue;
    const cols: Record<string, ProfileColumn> = {};
    for (const input of inputs) cols[input.name] = inputColumn(t, input);
    const pred = predictions[part];
    if (pred) {
      const [name, col] = outputColumn(task, pred, width);
      cols[OUTPUT_PREFIX + name] = col;
    }
    parts[part] = buildProfile(part, cols);
  }
  return { formatVersion: 1, parts };
}

/** Reads stored profiles; undefined when the bytes are not profiles of this format. */
export function decodeReferenceProfiles(bytes: Uint8Array): ReferenceProfiles | undefined {
  const j = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  if (typeof j !== "object" || j === null || (j as { formatVersion?: unknown }).formatVersion !== 1)
    return undefined;
  const parts = (j as { parts?: unknown }).parts;
  if (typeof parts !== "object" || parts === null) return undefined;
  return j as ReferenceProfiles;
}
