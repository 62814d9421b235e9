// Infers a source's schema from its data and renders it as a `schema { … }` block to paste into a
// spec: every column typed, `nullable(…)` where the data holds nulls.
import type { ColumnTable } from "arquero";
import type { ColumnSpec } from "./column-type.js";
import { columnValues, isNullAt } from "./table-columns.js";

export function inferredSchema(table: ColumnTable, schema: readonly ColumnSpec[]): ColumnSpec[] {
  return schema.map((c) => {
    const v = columnValues(table, c.name);
    let nulls = false;
    for (let i = 0; i < v.length && !nulls; i++) nulls = isNullAt(v, i);
    return { name: c.name, type: c.type, nullable: nulls };
  });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = ["and", "or", "not", "true", "false", "null"];

/**
 * A column name as a spec writes it: bare when it is an identifier, else in backticks
 * (`` `Monthly Charges` ``, the lexer's QuotedIdent). A name holding a backtick or a line break
 * cannot be written: undefined.
 */
export const specName = (name: string): string | undefined =>
  IDENT.test(name) && !KEYWORDS.includes(name) ? name : /[`\n\r]/.test(name) ? undefined : `\`${name}\``;

export function renderSchemaBlock(schema: readonly ColumnSpec[], indent = "  "): string {
  const width = Math.max(0, ...schema.map((c) => specName(c.name)?.length ?? 0));
  const lines = schema.map((c) => {
    const name = specName(c.name);
    const type = c.nullable ? `nullable(${c.type})` : c.type;
    if (name === undefined)
      return `${indent}  # ${JSON.stringify(c.name)} (${type}): a name with a backtick or a line break cannot be written in a spec; rename the column`;
    return `${indent}  ${name.padEnd(width)} = ${type}`;
  });
  return `${indent}schema {\n${lines.join("\n")}\n${indent}}\n`;
}
