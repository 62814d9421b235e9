// Loads every block kind (registration happens on import) and every built-in, and re-exports the
// registry. Import this module to get the complete language.
import "../builtins/index.js";
import "./project.js";
import "./source.js";
import "./features.js";
import "./split.js";
import "./model.js";
import "./gate.js";
import "./deploy.js";
import "./monitor.js";
import "./experiment.js";

export * from "./registry.js";
export * from "./types.js";
export * from "./type-builders.js";
export type { KindCheckContext, FeatureRef } from "./hook.js";
