// The block kinds: the one record pairing each kind's language half (its schema, registered with
// the compiler when this module loads) with its runtime half (its executor, loaded on demand).
import { registerBlockKind } from "../compiler/schema/registry.js";
import type { BlockKindSchema } from "../compiler/schema/types.js";
import type { Executor } from "../ir/executor.js";
import type { GraphNode, Json } from "../ir/graph-ir.js";
import type { RegistryRecords } from "../ir/state-store.js";
import { modelPlanEvidence, modelPlanNote } from "./model/warm-start-note.js";
import { readBlock } from "../ir/node-config.js";
import { deployLanguage } from "./deploy/language.js";
import { evidenceJson, evidenceOf } from "./experiment/baseline-evidence.js";
import { decodeExperimentConfig, planNoteData, planSummary } from "./experiment/config.js";
import { experimentLanguage } from "./experiment/language.js";
import { featuresLanguage } from "./features/language.js";
import { gateLanguage } from "./gate/language.js";
import { modelLanguage } from "./model/language.js";
import { monitorLanguage } from "./monitor/language.js";
import { projectLanguage } from "./project/language.js";
import { sourceLanguage } from "./source/language.js";
import { splitLanguage } from "./split/language.js";

export interface KindHalves {
  language: BlockKindSchema;
  /**
   * The executor, loaded when the runtime needs it (it pulls in the data, ML and serving
   * libraries, which `mlc validate` does not need), or "settings-only" for a kind without nodes.
   */
  runtime: "settings-only" | (() => Promise<Executor>);
  /**
   * What the plan reads for a node's note beyond the spec and the state, once per plan (an experiment's
   * baseline estimated from the deployment's log and feedback); the plan keeps it, so a saved plan
   * renders the same note. Undefined when the note needs nothing. `records`: the state's registry
   * records (a warm-started model's champion).
   */
  planEvidence?: (
    node: GraphNode,
    projectDir: string,
    records?: RegistryRecords,
  ) => Promise<Json | undefined>;
  /** What the plan shows under a planned node of this kind (an experiment's sample size), from its evidence. */
  planNote?: (node: GraphNode, evidence?: Json) => PlanNote | undefined;
}

/** A plan note: its line for text and Markdown, and its fields for `mlc plan --json` (beside `message`). */
export interface PlanNote {
  text: string;
  data: { [k: string]: Json };
}

/** Every kind of the language, in the order of the reference. Adding a kind: its folder and one line here. */
export const KINDS: Readonly<Record<string, KindHalves>> = {
  project: { language: projectLanguage, runtime: "settings-only" },
  source: {
    language: sourceLanguage,
    runtime: async () => (await import("./source/executor.js")).sourceExecutor,
  },
  features: {
    language: featuresLanguage,
    runtime: async () => (await import("./features/executor.js")).featuresExecutor,
  },
  split: {
    language: splitLanguage,
    runtime: async () => (await import("./split/executor.js")).splitExecutor,
  },
  model: {
    language: modelLanguage,
    runtime: async () => (await import("./model/executor.js")).modelExecutor,
    planEvidence: modelPlanEvidence,
    planNote: modelPlanNote,
  },
  gate: { language: gateLanguage, runtime: async () => (await import("./gate/executor.js")).gateExecutor },
  deploy: {
    language: deployLanguage,
    runtime: async () => (await import("./deploy/executor.js")).deployExecutor,
  },
  experiment: {
    language: experimentLanguage,
    runtime: async () => (await import("./experiment/executor.js")).experimentExecutor,
    planEvidence: async (node, projectDir) => {
      const c = decodeExperimentConfig(node.name, readBlock(node.config, "experiment").attributes);
      const { readBaselineEvidence } = await import("./experiment/baseline-estimate.js");
      const e = await readBaselineEvidence(projectDir, c);
      return e ? evidenceJson(e) : undefined;
    },
    planNote: (node, evidence) => {
      const c = decodeExperimentConfig(node.name, readBlock(node.config, "experiment").attributes);
      const e = evidenceOf(evidence);
      return { text: planSummary(c, e), data: planNoteData(c, e) };
    },
  },
  monitor: {
    language: monitorLanguage,
    runtime: async () => (await import("./monitor/executor.js")).monitorExecutor,
  },
};

for (const k of Object.values(KINDS)) registerBlockKind(k.language);

/** The executors of every kind that has nodes. */
export async function kindExecutors(): Promise<Executor[]> {
  const out: Executor[] = [];
  for (const k of Object.values(KINDS)) if (k.runtime !== "settings-only") out.push(await k.runtime());
  return out;
}
