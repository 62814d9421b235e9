// `expect { … }` and `warn { … }`: data assertions over a source. A failing `expect` stops the
// branch; a failing `warn` is recorded without stopping.
import type { NestedBlockSchema } from "../types.js";

const assertions = {
  scope: "expect",
  doc: "boolean expressions over the columns, `rows`, and expectation functions; a row-level expression must hold on every row",
} as const;

export const expectBlock: NestedBlockSchema = {
  kind: "expect",
  doc: "Data expectations that must hold; a failure reports the column, the number of failing rows and up to five examples, and stops the branch.",
  multiple: false,
  attributes: [],
  nested: [],
  assertions,
};

export const warnBlock: NestedBlockSchema = {
  kind: "warn",
  doc: "Data expectations whose failures are recorded as warnings without stopping the branch.",
  multiple: false,
  severity: "warning",
  attributes: [],
  nested: [],
  assertions,
};
