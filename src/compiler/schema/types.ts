// The vocabulary of block-kind schemas: a small type language for attribute values and the
// shape of a block body. Pure data (plus an optional semantic hook), read by the checker,
// the reference generator, the formatter and editor support.
import type { BuiltinFamily } from "../builtins/types.js";
import type { KindCheckContext } from "./hook.js";
import type { LoweringHook } from "../lower.js";

/** What a per-row expression evaluates to (the checker's expression types). */
export type ExprType =
  | "number"
  | "string"
  | "bool"
  | "timestamp"
  | "duration"
  | "percent"
  | "vector"
  | "list"
  | "object"
  | "null"
  | "any";

/**
 * Where the identifiers of an expression come from:
 * - `row`: columns of the block's input (`from`/`data`) and features of the block itself;
 * - `expect`: `row` plus data expectations (`rows`, `nulls(col)`, `mean(col)`…);
 * - `gate`: metric paths of the gated model (`test.auc`, `champion.test.auc`, `latency.p99`) and gate helpers;
 * - `monitor`: live metric paths of a deployment (`live.auc`, `latency.p99`) and monitor checks (`drift(col)`).
 */
export type Scope = "row" | "expect" | "gate" | "monitor";

/** The type of an attribute value or of a built-in's argument: a discriminated union on `kind`. */
export type ValueType =
  | { kind: "number"; min?: number; max?: number }
  | { kind: "int"; min?: number; max?: number }
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "duration" }
  | { kind: "percent" }
  | { kind: "list"; of: ValueType; minItems?: number }
  /** `{ k = v }`; `of` types every value (free-form when absent). */
  | { kind: "object"; of?: ValueType }
  /** A bare name from a closed set (a string literal with the same text is accepted too). */
  | { kind: "enum"; values: readonly string[] }
  /** A reference to a top-level block of one of these kinds, by name: `data = holdout`. */
  | {
      kind: "ref";
      to: readonly string[];
      /**
       * Names the block without depending on it (no graph edge): the value is data the block left
       * in the state across applies (`review = anomaly_api`), so reading it closes no cycle.
       */
      weak?: true;
    }
  /** A column of the enclosing block's input, by bare name: `key = customer_id`. */
  | { kind: "column" }
  /** Features of a features block: `usage.*`, `usage.spend_ratio`, or a list of these. */
  | { kind: "feature-list" }
  /** A metric path of a model: `valid.auc`, `test.rmse`. */
  | { kind: "metric" }
  /** An expression evaluated in `scope` whose result has type `of`. */
  | { kind: "expr"; of: ExprType; scope: Scope }
  /** A call of a built-in of one of these families; a bare name counts as a call without arguments. */
  | { kind: "call"; family: BuiltinFamily }
  | { kind: "union"; of: readonly ValueType[] }
  /** Any literal value (number, string, bool, duration, percent, list, object). */
  | { kind: "literal" };

/** A default value, as the literal it stands for (turned into an Expr at the block's span). */
export type DefaultValue =
  | { type: "number"; value: number }
  | { type: "string"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "duration"; seconds: number; raw: string }
  | { type: "percent"; value: number }
  /** A bare name such as `gbdt` or `none`. */
  | { type: "name"; value: string };

export interface AttributeSchema {
  name: string;
  type: ValueType;
  required: boolean;
  default?: DefaultValue;
  doc: string;
  /**
   * Describes the block for people (a model card's intended use) and changes no result: lowered to
   * the node's `annotations`, never its config, so changing it reruns nothing.
   */
  descriptive?: true;
}

/** Attributes whose names the user chooses (`schema { col = type }`, `params { name = value }`). */
export interface FreeAttributes {
  /** What the names stand for, for the reference ("column name", "parameter name"). */
  nameDoc: string;
  type: ValueType;
  doc: string;
}

export interface AssertionsSchema {
  scope: Exclude<Scope, "row">;
  doc: string;
}

export interface BodySchema {
  attributes: readonly AttributeSchema[];
  free?: FreeAttributes;
  nested: readonly NestedBlockSchema[];
  /** Present when bare boolean expressions are allowed in the body. */
  assertions?: AssertionsSchema;
}

export interface NestedBlockSchema extends BodySchema {
  kind: string;
  doc: string;
  /** May appear more than once in the enclosing body. */
  multiple: boolean;
  /** Diagnostics from assertions in this block are warnings, not errors (`warn { … }`). */
  severity?: "warning";
  /**
   * The attribute (a `ref`) whose block's columns the `column`-typed values of this nested block
   * name, instead of the enclosing block's input: `join { table = weather  columns = [temp_min] }`.
   */
  columnsFrom?: string;
}

/**
 * How a block of a kind makes the table it produces (the checker computes the columns once from
 * this and lowering reads the result): the generic compiler dispatches on it, never on kind names.
 * - `declared`: its `schema` block lists the columns (a source);
 * - `computed`: its input's columns, the columns its joins bring in, and its own attributes that
 *   are not settings, each a feature (a features block);
 * - `partitioned`: its input's columns unchanged, the rows dealt into parts (a split).
 */
export type TableRole = "declared" | "computed" | "partitioned";

export interface BlockKindSchema extends BodySchema {
  kind: string;
  doc: string;
  name: "required" | "optional";
  /**
   * The attribute whose referenced block provides the columns that bare identifiers in `row` and
   * `expect` expressions resolve against (`from` for features and split, `data` for model).
   * Sources have their own declared `schema` instead. `members` says what the dependency on the
   * input lists: the columns used (`used`) or the whole table (`all`, "*").
   */
  input?: { attribute: string; members: "used" | "all" };
  /**
   * The attribute naming the model whose metric paths (`test.auc`) and data columns the block's
   * assertions use; a deployment is followed to its model.
   */
  model?: string;
  /** Semantic checks particular to this kind (split shares, label leakage…), run after the generic ones. */
  check?: (ctx: KindCheckContext) => void;
  /** The table a block of this kind produces, if it produces one. */
  table?: TableRole;
  /** Settings, not work: no node and no executor; lowering folds them into other nodes (the seed). */
  settingsOnly?: true;
  /**
   * The model a block of this kind stands for where a block names it (`model = churn_api`): the
   * block itself (a model), or the model its attribute names (a deployment's `model`).
   */
  modelBehind?: "self" | { attribute: string };
  /** Reads files by path: the project's `allow_outside_paths = true` reaches its config. */
  readsFiles?: true;
  /** The kind's own lowering, when its node is more than the default one (extra config, more nodes). */
  lower?: LoweringHook;
}
