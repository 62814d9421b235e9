// Loads every built-in family (registration happens on import) and re-exports the registry.
// Import this module, not the family files, to get the complete set.
import "./transforms.js";
import "./windows.js";
import "./expectations.js";
import "./distributions.js";
import "./metrics.js";
import "./tasks.js";
import "./thresholds.js";
import "./splits.js";
import "./gate-helpers.js";
import "./monitor-checks.js";
import "./deploy-helpers.js";
import "./algorithms.js";
import "./ensembles.js";
import "./tuning.js";
import "./sources.js";
import "./online-stores.js";
import "./log-sinks.js";
import "./caches.js";
import "./artifact-stores.js";

export * from "./registry.js";
export * from "./types.js";
