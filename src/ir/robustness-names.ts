// The names of a model's robustness suites and of what each suite measures: the checker refuses a
// gate's `robustness.SUITE.MEASURE` that the model's `robustness { … }` block does not produce, and
// the model executor records its metrics under exactly these names. No imports.

/** The suites switched on by a flag of the robustness block (each is on unless set to `false`). */
export const ROBUSTNESS_FLAGS = ["missing", "out_of_range", "unseen", "swapped", "empty"] as const;
export type RobustnessFlag = (typeof ROBUSTNESS_FLAGS)[number];

/** The default relative noise levels (percent) and standard-deviation multiples. */
export const DEFAULT_NOISE_PERCENT = [5];
export const DEFAULT_NOISE_SD = [1];

/** `5` → `noise_5pct`, `2.5` → `noise_2_5pct`: a number in a name (dots become underscores). */
const numberName = (n: number): string => String(n).replace(".", "_");
export const noisePercentSuite = (percent: number): string => `noise_${numberName(percent)}pct`;
export const noiseSdSuite = (k: number): string => `noise_${numberName(k)}sd`;

/** The settings of a robustness block, as both halves read them. */
export interface RobustnessSettings {
  noisePercent: number[];
  noiseSd: number[];
  flags: Record<RobustnessFlag, boolean>;
}

/** The suite names a robustness block produces, in report order. */
export function robustnessSuites(s: RobustnessSettings): string[] {
  return [
    ...s.noisePercent.map(noisePercentSuite),
    ...s.noiseSd.map(noiseSdSuite),
    ...ROBUSTNESS_FLAGS.filter((f) => s.flags[f]),
  ];
}

/** The task families a robustness suite can measure. */
export type RobustnessTask = "binary" | "multiclass" | "regression";

/**
 * What each suite records for a task: the metric on the perturbed rows, its change from the clean
 * test rows (`_drop` where higher is better, `_rise` for errors), the share of rows that failed to
 * score (`error_rate`), and how many perturbed rows were scored (`rows`).
 */
export function robustnessMeasures(task: RobustnessTask | undefined): string[] {
  const common = ["error_rate", "rows"];
  switch (task) {
    case "binary":
      return ["auc", "auc_drop", "accuracy", "accuracy_drop", ...common];
    case "multiclass":
      return ["accuracy", "accuracy_drop", ...common];
    case "regression":
      return ["rmse", "rmse_rise", "mae", "mae_rise", ...common];
    default:
      return [
        "auc",
        "auc_drop",
        "accuracy",
        "accuracy_drop",
        "rmse",
        "rmse_rise",
        "mae",
        "mae_rise",
        ...common,
      ];
  }
}
