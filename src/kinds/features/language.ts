// `features`: named expressions over the columns of one input (a source, another features block,
// or a split). Each attribute other than the settings below is a feature.
import { joinBlock } from "../../compiler/schema/nested/join.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { t } from "../../compiler/schema/type-builders.js";

export const featuresLanguage: BlockKindSchema = {
  kind: "features",
  doc: "Feature definitions: every attribute other than `from`, `key` and `timestamp` is a feature, an expression over the input's columns and the block's other features. Fitted transforms (`standardize`, `minmax`, `impute`, `onehot`) are fitted on the training split only. Downstream, the block's table holds its input's columns, the columns its `join`s bring in, and its features; `usage.*` names the features only.",
  name: "required",
  table: "computed",
  input: { attribute: "from", members: "used" },
  attributes: [
    { name: "from", type: t.ref("source", "features"), required: true, doc: "the input table" },
    {
      name: "key",
      type: t.column(),
      required: false,
      doc: "the entity column (default: the source's `key`)",
    },
    {
      name: "timestamp",
      type: t.column(),
      required: false,
      doc: "the event-time column for window aggregations and the time each row is joined at (default: the source's `timestamp`)",
    },
  ],
  free: {
    nameDoc: "feature name",
    type: t.expr("any"),
    doc: "a feature: an expression over the input's columns and this block's other features",
  },
  nested: [joinBlock],
};
