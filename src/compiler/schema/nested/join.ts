// `join { … }` inside a features block: a point-in-time join (Feast's historical retrieval) that
// brings the columns of another timestamped table into the block's rows without looking ahead.
import { t } from "../type-builders.js";
import type { NestedBlockSchema } from "../types.js";

export const joinBlock: NestedBlockSchema = {
  kind: "join",
  doc: "A point-in-time join: each row gets the columns of the latest row of `table` with the same key whose timestamp is at or before the row's own time (the features block's `timestamp`), so no value from the row's future is used; rows without such a row get nulls. A table without a `key` joins on time only (a city-wide weather table). The joined columns are bare column names in the block's features and downstream, like the input's; a deployed model that uses them looks them up by entity key in its deployment's online store (`deploy { online = … }`), or takes them from the request.",
  multiple: true,
  columnsFrom: "table",
  attributes: [
    {
      name: "table",
      type: t.ref("source", "features"),
      required: true,
      doc: "the joined table: a source or features block with a `timestamp`; its `key`, if any, is matched against the same column of this block's input",
    },
    {
      name: "ttl",
      type: t.duration(),
      required: false,
      doc: "ignore joined rows older than this relative to the row's time (default: no limit)",
    },
    {
      name: "columns",
      type: t.list(t.column(), 1),
      required: false,
      doc: "the joined table's columns to bring in (default: all but its key and timestamp)",
    },
    {
      name: "prefix",
      type: t.string(),
      required: false,
      doc: "prepended to the joined column names, to avoid clashes with the input's columns",
    },
  ],
  nested: [],
};
