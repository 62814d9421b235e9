// Registers the experiment kind's executor (src/kinds/experiment/executor.ts) until the kinds index
// (src/kinds/index.ts) pairs every kind with its executor.
import { experimentExecutor } from "../../kinds/experiment/executor.js";
import { registerExecutor } from "../executor-registry.js";

registerExecutor(experimentExecutor);
