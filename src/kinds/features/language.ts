// `features`: named expressions over the columns of one input (a source, another features block,
// or a split). Each attribute other than the settings below is a feature.
import { joinBlock } from "../../compiler/schema/nested/join.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { t } from "../../compiler/schema/type-builders.js";

export const featuresLanguage: BlockKindSchema = {
  kind: "features",
  doc: "Feature definitions: every attribute other than `from`, `key`, `timestamp`, `passthrough` and `except` is a feature, an expression over the input's columns and the block's other features. Fitted transforms (`standardize`, `minmax`, `impute`, `onehot`) are fitted on the training split only. Downstream, the block's table holds its input's columns, the columns its `join`s bring in, and its features; `usage.*` names the features only.",
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
    {
      name: "passthrough",
      type: t.enum("all"),
      required: false,
      doc: "`passthrough = all` makes every column of the input (not the columns `join`s bring in) a feature of the same name and the schema's type, as if written `x = x`, less the columns named in `except`. The input needs a declared `schema` (MLC1154). A feature written out in the block wins over the passthrough one of the same name, so `income = log(income)` next to `passthrough = all` replaces that one column. A column named like a setting (`from`, `key`, `timestamp`, `passthrough`, `except`) is not passed through: write it as a feature under another name",
    },
    {
      name: "except",
      type: t.list(t.column()),
      required: false,
      doc: "the input's columns `passthrough = all` leaves out, such as the key and the label: `except = [id, churned]`; an unknown name is an error with a did-you-mean (MLC1115), and `except` without `passthrough` is MLC1155",
    },
  ],
  free: {
    nameDoc: "feature name",
    type: t.expr("any"),
    doc: "a feature: an expression over the input's columns and this block's other features",
  },
  nested: [joinBlock],
};
