// `robustness.SUITE.MEASURE` in a gate assertion: the suite must be one the gated model's
// `robustness { … }` block runs, and the measure one a suite records for the model's task
// (names from src/ir/robustness-names.ts, which the model executor records under).
import type { Block } from "../ast.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import {
  DEFAULT_NOISE_PERCENT,
  DEFAULT_NOISE_SD,
  ROBUSTNESS_FLAGS,
  robustnessMeasures,
  robustnessSuites,
  type RobustnessFlag,
  type RobustnessSettings,
} from "../../ir/robustness-names.js";
import { CheckCode } from "./codes.js";
import { checkMeasure, nestedBlockOf, type RefExpr } from "./metric-path.js";
import type { Sink } from "./sink.js";
import { attributeOf, type CheckState } from "./state.js";

/** The settings a model block's robustness block declares (defaults filled in), from its AST. */
export function robustnessSettingsOfBlock(block: Block): RobustnessSettings {
  const numbers = (name: string, fallback: number[]): number[] => {
    const v = attributeOf(block, name)?.value;
    if (v?.type !== "list") return fallback;
    return v.items.flatMap((i) => (i.type === "percent" || i.type === "number" ? [i.value] : []));
  };
  const flags = {} as Record<RobustnessFlag, boolean>;
  for (const f of ROBUSTNESS_FLAGS) {
    const v = attributeOf(block, f)?.value;
    flags[f] = v?.type === "bool" ? v.value : true;
  }
  return {
    noisePercent: numbers("noise", DEFAULT_NOISE_PERCENT),
    noiseSd: numbers("noise_sd", DEFAULT_NOISE_SD),
    flags,
  };
}

/** Checks `robustness.SUITE.MEASURE` against model `model` (its task name: `classify`, `regress`). */
export function checkRobustnessPath(
  e: RefExpr,
  st: CheckState,
  sink: Sink,
  model: string | undefined,
  task: string | undefined,
): void {
  const suite = e.path[1];
  const block = model !== undefined ? nestedBlockOf(st, model, "robustness") : undefined;
  if (model !== undefined && !block) {
    sink.report(
      CheckCode.robustnessNotDeclared,
      e.pathSpans[0]!,
      `\`robustness.*\` is measured by the model's robustness suites, and model \`${model}\` declares none`,
      {
        hint: `add \`robustness { }\` to model \`${model}\` (every suite on: noise_5pct, noise_1sd, missing, out_of_range, unseen, swapped, empty)`,
      },
    );
    return;
  }
  const suites = block ? robustnessSuites(robustnessSettingsOfBlock(block)) : [];
  if (suite === undefined || (block && !suites.includes(suite))) {
    sink.report(
      CheckCode.unknownRobustnessSuite,
      e.pathSpans[1] ?? e.span,
      suite === undefined
        ? "`robustness` is followed by a suite and a measure: `robustness.missing.error_rate`"
        : `model \`${model}\` runs no robustness suite \`${suite}\``,
      {
        hint:
          (suite !== undefined ? didYouMean(suite, suites, (s) => `robustness.${s}`) : undefined) ??
          `its suites: ${suites.join(", ") || "none"}`,
      },
    );
    return;
  }
  const kind = task === "regress" ? "regression" : task === "classify" ? "binary" : undefined;
  checkMeasure(
    e,
    sink,
    CheckCode.unknownRobustnessSuite,
    `robustness.${suite}`,
    robustnessMeasures(kind),
    task,
    "a robustness suite",
    "error_rate",
  );
}
