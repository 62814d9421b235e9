// Loads every block kind (registration happens on import) and every built-in, and re-exports the
// registry. Import this module to get the complete language.
import "../builtins/index.js";
import "../../kinds/project/language.js";
import "../../kinds/source/language.js";
import "../../kinds/features/language.js";
import "../../kinds/split/language.js";
import "../../kinds/model/language.js";
import "../../kinds/gate/language.js";
import "../../kinds/deploy/language.js";

export * from "./registry.js";
export * from "./types.js";
export * from "./type-builders.js";
export type { KindCheckContext, FeatureRef } from "./hook.js";
