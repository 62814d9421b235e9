// Short constructors for the schema type language, so registrations read like signatures.
// Only builds ValueType values; no behaviour.
import type { BuiltinFamily } from "../builtins/types.js";
import type { DefaultValue, ExprType, Scope, ValueType } from "./types.js";

export const t = {
  number: (min?: number, max?: number): ValueType => ({
    kind: "number",
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  }),
  int: (min?: number, max?: number): ValueType => ({
    kind: "int",
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  }),
  string: (): ValueType => ({ kind: "string" }),
  bool: (): ValueType => ({ kind: "bool" }),
  duration: (): ValueType => ({ kind: "duration" }),
  percent: (): ValueType => ({ kind: "percent" }),
  list: (of: ValueType, minItems?: number): ValueType => ({
    kind: "list",
    of,
    ...(minItems !== undefined ? { minItems } : {}),
  }),
  object: (of?: ValueType): ValueType => (of ? { kind: "object", of } : { kind: "object" }),
  enum: (...values: string[]): ValueType => ({ kind: "enum", values }),
  ref: (...to: string[]): ValueType => ({ kind: "ref", to }),
  /** A block's name, checked like a ref, that adds no dependency (see ValueType `weak`). */
  weakRef: (...to: string[]): ValueType => ({ kind: "ref", to, weak: true }),
  column: (): ValueType => ({ kind: "column" }),
  features: (): ValueType => ({ kind: "feature-list" }),
  metric: (): ValueType => ({ kind: "metric" }),
  expr: (of: ExprType, scope: Scope = "row"): ValueType => ({ kind: "expr", of, scope }),
  call: (family: BuiltinFamily): ValueType => ({ kind: "call", family }),
  union: (...of: ValueType[]): ValueType => ({ kind: "union", of }),
  literal: (): ValueType => ({ kind: "literal" }),
};

export const d = {
  number: (value: number): DefaultValue => ({ type: "number", value }),
  string: (value: string): DefaultValue => ({ type: "string", value }),
  bool: (value: boolean): DefaultValue => ({ type: "bool", value }),
  name: (value: string): DefaultValue => ({ type: "name", value }),
  percent: (value: number): DefaultValue => ({ type: "percent", value }),
  duration: (raw: string, seconds: number): DefaultValue => ({ type: "duration", raw, seconds }),
};

/** Renders a type the way the reference and diagnostics write it: `list<number>`, `ref<source>`. */
export function typeToString(ty: ValueType): string {
  switch (ty.kind) {
    case "number":
    case "int": {
      const range = ty.min !== undefined || ty.max !== undefined ? `[${ty.min ?? ""}..${ty.max ?? ""}]` : "";
      return ty.kind + range;
    }
    case "string":
    case "bool":
    case "duration":
    case "percent":
    case "column":
    case "metric":
    case "literal":
      return ty.kind;
    case "feature-list":
      return "features";
    case "list":
      return `list<${typeToString(ty.of)}>`;
    case "object":
      return ty.of ? `object<${typeToString(ty.of)}>` : "object";
    case "enum":
      return ty.values.join(" | ");
    case "ref":
      return `ref<${ty.to.join(" | ")}>`;
    case "expr":
      return ty.scope === "row" ? `expr<${ty.of}>` : `expr<${ty.of}, ${ty.scope}>`;
    case "call":
      return `${ty.family}(…)`;
    case "union":
      return ty.of.map(typeToString).join(" | ");
  }
}

export function defaultToString(dv: DefaultValue): string {
  switch (dv.type) {
    case "number":
      return String(dv.value);
    case "string":
      return JSON.stringify(dv.value);
    case "bool":
      return String(dv.value);
    case "duration":
      return dv.raw;
    case "percent":
      return `${dv.value}%`;
    case "name":
      return dv.value;
  }
}
