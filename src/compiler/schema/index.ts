// Loads every built-in and re-exports the block-kind registry and the schema vocabulary. The
// kinds themselves register from src/kinds/index.ts: the compiler knows none of them.
import "../builtins/index.js";

export * from "./registry.js";
export * from "./types.js";
export * from "./type-builders.js";
export type { KindCheckContext, FeatureRef } from "./hook.js";
