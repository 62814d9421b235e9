// Turns raw `score` rows into the JSON predictions the API returns: probabilities and a label for
// classifiers, a value for regression, a score for anomaly/ranking. Pure; shared by server and batch scoring.
import { taskClasses, type BundleMeta } from "./bundle.js";

export type Prediction =
  | { label: string; probabilities: Record<string, number> }
  | { value: number }
  | { score: number };

export interface PredictionFormatter {
  /** Formats row `row` of a row-major scores array. */
  format(scores: Float32Array, row: number): Prediction;
  /** The output class of a row (its label), or undefined for tasks without classes. */
  label(scores: Float32Array, row: number): string | undefined;
}

export function predictionFormatter(meta: BundleMeta): PredictionFormatter {
  const task = meta.task;
  const classes = taskClasses(task);
  switch (task.kind) {
    case "binary": {
      const [neg, pos] = classes as [string, string];
      const threshold = task.threshold ?? 0.5;
      const label = (s: Float32Array, r: number): string => (s[r]! >= threshold ? pos : neg);
      return {
        label,
        format(s, r) {
          const p = s[r]!;
          return { label: label(s, r), probabilities: { [neg]: 1 - p, [pos]: p } };
        },
      };
    }
    case "multiclass": {
      const k = classes!.length;
      const label = (s: Float32Array, r: number): string => {
        let best = 0;
        for (let j = 1; j < k; j++) if (s[r * k + j]! > s[r * k + best]!) best = j;
        return classes![best]!;
      };
      return {
        label,
        format(s, r) {
          const probabilities: Record<string, number> = {};
          for (let j = 0; j < k; j++) probabilities[classes![j]!] = s[r * k + j]!;
          return { label: label(s, r), probabilities };
        },
      };
    }
    case "regression":
      return { label: () => undefined, format: (s, r) => ({ value: s[r]! }) };
    case "anomaly":
    case "ranking":
      return { label: () => undefined, format: (s, r) => ({ score: s[r]! }) };
  }
}
