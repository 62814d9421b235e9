// `schema { col = type }` inside a source: declared column types. With a schema, every column a
// spec names must be declared; without one, columns are inferred when the data is read.
import { COLUMN_TYPES } from "../../builtins/sources.js";
import { t } from "../type-builders.js";
import type { NestedBlockSchema } from "../types.js";

export const columnSchemaBlock: NestedBlockSchema = {
  kind: "schema",
  doc: "Declared column types. Columns are not nullable unless wrapped in `nullable(…)`; undeclared columns of the data are an error when reading.",
  multiple: false,
  attributes: [],
  free: {
    nameDoc: "column name",
    type: t.union(t.enum(...COLUMN_TYPES), t.call("column-type")),
    doc: "the column's type: `int`, `float`, `bool`, `string`, `category`, `timestamp`, or `nullable(type)`",
  },
  nested: [],
};
