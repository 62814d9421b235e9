// `experiment`: registered from its kind folder (src/kinds/experiment/language.ts) until the kinds
// index (src/kinds/index.ts) registers every kind.
import { experimentLanguage } from "../../kinds/experiment/language.js";
import { registerBlockKind } from "./registry.js";

registerBlockKind(experimentLanguage);
