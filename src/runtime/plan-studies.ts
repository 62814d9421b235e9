// The tuning studies a plan will run, for the CLI's progress line: per tuned model node, how many
// trials its study has and the first objective the best trial is picked by (its key as trials
// report it, and its direction).
import type { GraphNode } from "../ir/graph-ir.js";
import { readModelSpec } from "../kinds/model/model-spec.js";
import { objectiveKey } from "../kinds/model/objective-values.js";

/** A planned model's study: how many trials, and the objective the best trial is picked by. */
export interface StudyInfo {
  trials: number;
  key: string;
  direction: "maximize" | "minimize";
}

/** The study of every tuned model among the plan's nodes, by node id. */
export function studiesOf(nodes: readonly GraphNode[]): Map<string, StudyInfo> {
  const out = new Map<string, StudyInfo>();
  for (const n of nodes) {
    if (n.kind !== "model") continue;
    let tune;
    try {
      tune = readModelSpec(n.name, n.config).tune;
    } catch {
      continue; // the executor reports a bad model block itself
    }
    const first = tune?.objectives[0];
    if (tune && first)
      out.set(n.id, { trials: tune.trials, key: objectiveKey(first), direction: first.direction });
  }
  return out;
}
