// `schema { col = type }` inside a source: declared column types. With a schema, every column a
// spec names must be declared; without one, columns are inferred when the data is read.
import { COLUMN_TYPES } from "../../builtins/sources.js";
import { t } from "../type-builders.js";
import type { NestedBlockSchema } from "../types.js";

export const columnSchemaBlock: NestedBlockSchema = {
  kind: "schema",
  doc: "Declared column types. Columns are not nullable unless wrapped in `nullable(…)`. A file source with a schema holds only the declared columns: another column in the file is an error when reading; the other columns of a database query take the database's types. Values are read by the rules in specs/data-rules.md. The block is optional: without it every column is typed from the data when the source is read, and nothing is lost at run time, but the compiler knows no column then, so a misspelt column in a feature, a split or a task is caught only by `mlc apply`, after the data is read, instead of by `mlc validate` with a did-you-mean. `mlc schema infer SOURCE` prints the block to paste.",
  multiple: false,
  attributes: [],
  free: {
    nameDoc: "column name",
    type: t.union(t.enum(...COLUMN_TYPES), t.call("column-type")),
    doc: "the column's type: `int`, `float`, `bool`, `string`, `category`, `timestamp`, or `nullable(type)`",
  },
  nested: [],
};
