// Turns a model's label column into the estimator's targets and Task: class indices for
// classification (with the positive class last for binary), values for regression and ranking,
// 0/1 marks for labelled anomaly detection. Errors name the column and the first bad row.
import type { ColumnTable } from "arquero";
import { columnValues } from "../../data/table-columns.js";
import type { Task } from "../../ml/estimator.js";
import { NodeFailure } from "../../ir/executor.js";
import type { TaskSpec } from "./model-spec.js";

const labelText = (v: unknown): string | null =>
  v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))
    ? null
    : v instanceof Date
      ? v.toISOString()
      : String(v);

function column(t: ColumnTable, name: string, part: string): ArrayLike<unknown> {
  if (!t.columnNames().includes(name))
    throw new NodeFailure(
      `label column '${name}' is not in the ${part} rows (columns: ${t.columnNames().join(", ")})`,
      { code: "MLC2204" },
    );
  return columnValues(t, name) as ArrayLike<unknown>;
}

const POSITIVE_WORDS = ["true", "1", "yes", "y", "t", "positive", "pos"];

/** The task of a classification label, decided on the training rows. */
export function classificationTask(train: ColumnTable, spec: Extract<TaskSpec, { kind: "classify" }>): Task {
  const values = column(train, spec.label, "train");
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const s = labelText(values[i]);
    if (s === null)
      throw new NodeFailure(`label column '${spec.label}' is empty at train row ${i + 1}`, {
        code: "MLC2204",
      });
    seen.add(s);
  }
  const classes = [...seen].sort();
  if (classes.length < 2)
    throw new NodeFailure(
      `label column '${spec.label}' has a single class (${classes[0] ?? "none"}) in the train rows: nothing to learn`,
      { code: "MLC2204" },
    );
  if (spec.positive !== undefined) {
    if (!seen.has(spec.positive))
      throw new NodeFailure(
        `classify(${spec.label}, positive = "${spec.positive}"): the train rows have no such value (values: ${classes.slice(0, 10).join(", ")})`,
        { code: "MLC2204" },
      );
    if (classes.length > 2)
      throw new NodeFailure(
        `classify(${spec.label}, positive = …) needs two classes, the train rows have ${classes.length}`,
        { code: "MLC2204" },
      );
    const negative = classes.find((c) => c !== spec.positive)!;
    return { kind: "binary", classes: [negative, spec.positive] };
  }
  if (classes.length === 2) {
    const pos = classes.find((c) => POSITIVE_WORDS.includes(c.toLowerCase()));
    if (!pos)
      throw new NodeFailure(
        `classify(${spec.label}): which class is positive, ${classes[0]} or ${classes[1]}? Say positive = "${classes[1]}"`,
        { code: "MLC2204" },
      );
    return { kind: "binary", classes: [classes.find((c) => c !== pos)!, pos] };
  }
  return { kind: "multiclass", classes };
}

export function taskOf(train: ColumnTable, spec: TaskSpec): Task {
  switch (spec.kind) {
    case "classify":
      return classificationTask(train, spec);
    case "regress":
      return { kind: "regression" };
    case "rank":
      return { kind: "ranking" };
    case "detect_anomalies":
      return { kind: "anomaly" };
  }
}

/** The first ten values of a list, and how many more (a label's classes can number thousands). */
function someOf(values: readonly string[]): string {
  return values.length <= 10
    ? values.join(", ")
    : `${values.slice(0, 10).join(", ")} and ${values.length - 10} more`;
}

/** Targets of one part's rows; undefined for unlabelled anomaly detection. */
export function targets(t: ColumnTable, spec: TaskSpec, task: Task, part: string): Float64Array | undefined {
  if (spec.kind === "detect_anomalies" && !spec.label) return undefined;
  const values = column(t, spec.label!, part);
  const y = new Float64Array(values.length);
  if (task.kind === "binary" || task.kind === "multiclass") {
    const index = new Map(task.classes.map((c, i) => [c, i]));
    for (let i = 0; i < values.length; i++) {
      const s = labelText(values[i]);
      const k = s === null ? undefined : index.get(s);
      if (k === undefined)
        throw new NodeFailure(
          `label column '${spec.label}' at ${part} row ${i + 1}: ${s === null ? "empty" : `'${s}' is not a class seen in training (${someOf(task.classes)})`}`,
          {
            code: "MLC2204",
            // a float label classified: every distinct value became a class
            ...(task.classes.length > 20 &&
            task.classes.every((c) => c.trim() !== "" && Number.isFinite(Number(c)))
              ? {
                  hint: `classify makes a class of each of ${task.classes.length} distinct numbers; to predict the number use regress(${spec.label})`,
                }
              : {}),
          },
        );
      y[i] = k;
    }
    return y;
  }
  if (task.kind === "anomaly") {
    for (let i = 0; i < values.length; i++) {
      const s = labelText(values[i]);
      y[i] = s !== null && POSITIVE_WORDS.includes(s.toLowerCase()) ? 1 : 0;
    }
    return y;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const n = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Number.NaN;
    if (Number.isNaN(n))
      throw new NodeFailure(
        `label column '${spec.label}' at ${part} row ${i + 1}: ${labelText(v) === null ? "empty" : `'${labelText(v)}' is not a number`}`,
        { code: "MLC2204" },
      );
    y[i] = n;
  }
  return y;
}

/** Ranking: query ids per row and the row order that makes each query's rows contiguous. */
export function rankingGroups(
  t: ColumnTable,
  group: string,
  part: string,
): { order: Int32Array; group: Int32Array } {
  const values = column(t, group, part);
  const ids = new Map<string, number>();
  const raw = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = labelText(values[i]) ?? "";
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = ids.size));
    raw[i] = id;
  }
  const order = Int32Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => raw[a]! - raw[b]! || a - b,
  );
  return { order, group: Int32Array.from(order, (i) => raw[i]!) };
}
