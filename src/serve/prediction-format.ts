// Turns raw `score` rows into the JSON predictions the API returns: probabilities and a label for
// classifiers, a value for regression, a score for ranking, a score and its decision for anomaly. Pure; shared by server and batch scoring.
import { taskClasses, type BundleMeta } from "./bundle.js";

export type Prediction =
  | { label: string; probabilities: Record<string, number> }
  | { value: number }
  | { score: number }
  | { score: number; anomaly: boolean; threshold: number };

export interface PredictionFormatter {
  /** Formats row `row` of a row-major scores array. */
  format(scores: Float32Array, row: number): Prediction;
  /** The same prediction as JSON text, built without an intermediate object (the server's hot path). */
  formatJson(scores: Float32Array, row: number): string;
  /** The output class of a row (its label), or undefined for tasks without classes. */
  label(scores: Float32Array, row: number): string | undefined;
  /** Whether every JSON text formatJson returns is ASCII (its UTF-8 length is its length). */
  ascii: boolean;
}

/** Printable ASCII (a name with a control character counts as not ASCII: conservative). */
const ASCII = /^[ -~]*$/;

/**
 * A number as JSON: as String writes a finite one, null for a non-finite one. JSON.stringify writes
 * exactly that, without the number-to-string cache String fills on every value it has not seen
 * (which made each new probability cost 300–500 ns, JSON.stringify 130).
 */
const num = (v: number): string => JSON.stringify(v);

export function predictionFormatter(meta: BundleMeta): PredictionFormatter {
  const task = meta.task;
  const classes = taskClasses(task);
  switch (task.kind) {
    case "binary": {
      const [neg, pos] = classes as [string, string];
      const threshold = task.threshold ?? 0.5;
      const label = (s: Float32Array, r: number): string => (s[r]! >= threshold ? pos : neg);
      const negHead = `{"label":${JSON.stringify(neg)},"probabilities":{${JSON.stringify(neg)}:`;
      const posHead = `{"label":${JSON.stringify(pos)},"probabilities":{${JSON.stringify(neg)}:`;
      const mid = `,${JSON.stringify(pos)}:`;
      return {
        label,
        ascii: ASCII.test(neg + pos),
        format(s, r) {
          const p = s[r]!;
          return { label: label(s, r), probabilities: { [neg]: 1 - p, [pos]: p } };
        },
        formatJson(s, r) {
          const p = s[r]!;
          return (p >= threshold ? posHead : negHead) + num(1 - p) + mid + num(p) + "}}";
        },
      };
    }
    case "multiclass": {
      const k = classes!.length;
      const keys = classes!.map((c) => JSON.stringify(c) + ":");
      const label = (s: Float32Array, r: number): string => {
        let best = 0;
        for (let j = 1; j < k; j++) if (s[r * k + j]! > s[r * k + best]!) best = j;
        return classes![best]!;
      };
      return {
        label,
        ascii: ASCII.test(classes!.join("")),
        format(s, r) {
          const probabilities: Record<string, number> = {};
          for (let j = 0; j < k; j++) probabilities[classes![j]!] = s[r * k + j]!;
          return { label: label(s, r), probabilities };
        },
        formatJson(s, r) {
          let out = `{"label":${JSON.stringify(label(s, r))},"probabilities":{`;
          for (let j = 0; j < k; j++) out += (j ? "," : "") + keys[j] + num(s[r * k + j]!);
          return out + "}}";
        },
      };
    }
    case "regression":
      return {
        label: () => undefined,
        ascii: true,
        format: (s, r) => ({ value: s[r]! }),
        formatJson: (s, r) => `{"value":${num(s[r]!)}}`,
      };
    case "anomaly": {
      const threshold = task.threshold;
      if (threshold === undefined) return scoreOnly;
      // the decision beside the score; a NaN score is never an anomaly, as `>=` says
      const tail = `,"threshold":${num(threshold)}}`;
      return {
        label: () => undefined,
        ascii: true,
        format: (s, r) => ({ score: s[r]!, anomaly: s[r]! >= threshold, threshold }),
        formatJson: (s, r) => `{"score":${num(s[r]!)},"anomaly":${s[r]! >= threshold}${tail}`,
      };
    }
    case "ranking":
      return scoreOnly;
  }
}

/** Ranking scores, and anomaly scores of a version without a calibrated threshold. */
const scoreOnly: PredictionFormatter = {
  label: () => undefined,
  ascii: true,
  format: (s, r) => ({ score: s[r]! }),
  formatJson: (s, r) => `{"score":${num(s[r]!)}}`,
};
