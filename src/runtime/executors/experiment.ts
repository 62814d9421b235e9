// Registers the experiment kind's executor (src/kinds/experiment/executor.ts) and its plan note (the
// sample size per arm) until the kinds index (src/kinds/index.ts) pairs every kind with its halves.
import { decodeExperimentConfig, planSummary } from "../../kinds/experiment/config.js";
import { experimentExecutor } from "../../kinds/experiment/executor.js";
import { readBlock } from "../../data/node-config.js";
import { registerExecutor } from "../executor-registry.js";
import { registerPlanNote } from "../plan-notes.js";

registerExecutor(experimentExecutor);
registerPlanNote("experiment", (node) =>
  planSummary(decodeExperimentConfig(node.name, readBlock(node.config, "experiment").attributes)),
);
