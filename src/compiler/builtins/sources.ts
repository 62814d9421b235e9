// Source helpers: database connections, secrets from the environment, and column type modifiers.
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

export const COLUMN_TYPES = ["int", "float", "bool", "string", "category", "timestamp"] as const;

for (const b of [
  {
    family: "connection",
    name: "sqlite",
    returns: "any",
    doc: "A SQLite database file, relative to the project.",
    params: [{ name: "path", type: t.string(), required: true, doc: "the database file" }],
  },
  {
    family: "connection",
    name: "postgres",
    returns: "any",
    doc: "A PostgreSQL database; credentials only through `env(…)`.",
    params: [
      {
        name: "url",
        type: t.union(t.call("secret"), t.string()),
        required: true,
        doc: 'a postgres:// URL, normally `env("PG_URL")`',
      },
    ],
  },
  {
    family: "secret",
    name: "env",
    returns: "string",
    doc: "The value of an environment variable at run time; never stored or printed.",
    params: [{ name: "name", type: t.string(), required: true, doc: "the variable's name" }],
  },
  {
    family: "column-type",
    name: "nullable",
    returns: "any",
    doc: "A column that may hold nulls (columns are not nullable by default).",
    params: [{ name: "type", type: t.enum(...COLUMN_TYPES), required: true, doc: "the column's type" }],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
