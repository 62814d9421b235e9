// Checks a block body (attributes, nested blocks, bare assertions) against its schema: unknown
// and duplicate names, missing required attributes, value types. Returns the values after defaults.
import type { Attribute, Block, BodyItem, Expr } from "../ast.js";
import { typeToString } from "../schema/type-builders.js";
import type { BodySchema, DefaultValue, NestedBlockSchema } from "../schema/types.js";
import type { Span } from "../../ir/span.js";
import { CheckCode } from "./codes.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import { attributeOf, plainRef } from "./state.js";
import { checkExpr, checkValue, type Env } from "./typing.js";

export interface CheckedBody {
  attributes: Map<string, Expr>;
  /** Attribute names written in the source (the rest are defaults). */
  written: Set<string>;
  nested: Map<string, Block[]>;
  assertions: Expr[];
}

/** A default value as an expression, placed at `span` (defaults have no text of their own). */
function defaultExpr(dv: DefaultValue, span: Span): Expr {
  switch (dv.type) {
    case "number":
      return { type: "number", value: dv.value, raw: String(dv.value), span };
    case "string":
      return { type: "string", value: dv.value, span };
    case "bool":
      return { type: "bool", value: dv.value, span };
    case "duration":
      return { type: "duration", seconds: dv.seconds, raw: dv.raw, span };
    case "percent":
      return { type: "percent", value: dv.value, raw: `${dv.value}%`, span };
    case "name":
      return { type: "ref", path: [dv.value], pathSpans: [span], star: false, span };
  }
}

interface BodyOwner {
  /** How messages name the block: "model `churn`", "`tune` in model `churn`". */
  label: string;
  /** Where a missing attribute is reported. */
  span: Span;
  /** Prefix of `via` for values in this body: "" at top level, "tune." inside tune. */
  prefix: string;
}

/**
 * The environment of a nested block's body: the enclosing one, or, for a block whose columns come
 * from a table it names (`join { table = weather … }`), that table's columns, with the table
 * itself used for the columns named (not as a whole).
 */
function nestedEnv(item: Block, schema: NestedBlockSchema, prefix: string, env: Env): Env {
  const out: Env = { ...env, ownFeatures: false };
  if (schema.columnsFrom === undefined) return out;
  const table = plainRef(attributeOf(item, schema.columnsFrom)?.value);
  out.columns =
    table !== undefined && env.st.block(table)
      ? env.st.columnsOf(table)
      : { block: env.block, known: new Map(), open: env.block };
  out.tableAttribute = `${prefix}${schema.columnsFrom}`;
  return out;
}

export function checkBody(
  items: readonly BodyItem[],
  schema: BodySchema,
  owner: BodyOwner,
  env: Env,
): CheckedBody {
  const out: CheckedBody = { attributes: new Map(), written: new Set(), nested: new Map(), assertions: [] };
  const firstAttr = new Map<string, Attribute>();
  const knownNames = () => [...schema.attributes.map((a) => a.name), ...schema.nested.map((n) => n.kind)];
  for (const item of items) {
    switch (item.type) {
      case "attribute": {
        const prev = firstAttr.get(item.name);
        if (prev) {
          env.sink.report(
            CheckCode.duplicateAttribute,
            item.nameSpan,
            `\`${item.name}\` is set twice in ${owner.label}`,
            {
              related: [{ message: "first set here", span: prev.nameSpan }],
            },
          );
          break;
        }
        firstAttr.set(item.name, item);
        const via = `${owner.prefix}${item.name}`;
        const attr = schema.attributes.find((a) => a.name === item.name);
        const attrEnv: Env = { ...env, via };
        if (attr) {
          checkValue(item.value, attr.type, attrEnv);
        } else if (schema.free) {
          if (env.ownFeatures && owner.prefix === "") attrEnv.currentFeature = item.name;
          checkValue(item.value, schema.free.type, attrEnv);
        } else {
          const isNested = schema.nested.some((n) => n.kind === item.name);
          env.sink.report(
            CheckCode.unknownAttribute,
            item.nameSpan,
            `unknown attribute \`${item.name}\` in ${owner.label}`,
            {
              hint: isNested
                ? `\`${item.name}\` is a nested block: write \`${item.name} { … }\``
                : (didYouMean(item.name, knownNames()) ??
                  (knownNames().length
                    ? `attributes: ${knownNames().join(", ")}`
                    : `${owner.label} takes no attributes`)),
            },
          );
          break;
        }
        out.attributes.set(item.name, item.value);
        out.written.add(item.name);
        break;
      }
      case "block": {
        const nested = schema.nested.find((n) => n.kind === item.kind);
        if (!nested) {
          const isAttr = schema.attributes.some((a) => a.name === item.kind);
          env.sink.report(
            CheckCode.unknownNestedBlock,
            item.kindSpan,
            `unknown block \`${item.kind}\` in ${owner.label}`,
            {
              hint: isAttr
                ? `\`${item.kind}\` is an attribute: write \`${item.kind} = …\``
                : (didYouMean(
                    item.kind,
                    schema.nested.map((n) => n.kind),
                  ) ??
                  (schema.nested.length
                    ? `blocks allowed here: ${schema.nested.map((n) => n.kind).join(", ")}`
                    : `${owner.label} has no nested blocks`)),
            },
          );
          break;
        }
        if (item.name !== undefined) {
          env.sink.report(
            CheckCode.unexpectedBlockName,
            item.nameSpan ?? item.kindSpan,
            `a \`${item.kind}\` block takes no name`,
            { hint: `write \`${item.kind} { … }\`` },
          );
        }
        const list = out.nested.get(item.kind) ?? [];
        if (list.length > 0 && !nested.multiple) {
          env.sink.report(
            CheckCode.duplicateNestedBlock,
            item.kindSpan,
            `${owner.label} has more than one \`${item.kind}\` block`,
            {
              related: [{ message: "the first one is here", span: list[0]!.kindSpan }],
              hint: "merge them into one",
            },
          );
        }
        list.push(item);
        out.nested.set(item.kind, list);
        checkBody(
          item.body,
          nested,
          {
            label: `\`${item.kind}\` in ${owner.label}`,
            span: item.kindSpan,
            prefix: `${owner.prefix}${item.kind}.`,
          },
          nestedEnv(item, nested, `${owner.prefix}${item.kind}.`, env),
        );
        break;
      }
      case "assertion": {
        if (!schema.assertions) {
          env.sink.report(
            CheckCode.assertionsNotAllowed,
            item.span,
            `${owner.label} does not take assertions`,
            {
              hint:
                item.expr.type === "binary" && item.expr.op === "=="
                  ? "did you mean `=` (an attribute)?"
                  : "assertions belong in `expect`, `warn`, `gate` and `monitor` blocks",
            },
          );
          break;
        }
        const t = checkExpr(item.expr, {
          ...env,
          scope: schema.assertions.scope,
          via: `${owner.prefix}assert`,
        });
        if (t !== "bool" && t !== "any") {
          env.sink.report(
            CheckCode.assertionNotBoolean,
            item.span,
            `an assertion must be a boolean expression, but this is ${t === "vector" ? "one-hot columns" : `a ${t}`}`,
            {
              hint: "compare it with something: `… >= 0.8`",
            },
          );
        }
        out.assertions.push(item.expr);
        break;
      }
    }
  }
  for (const a of schema.attributes) {
    if (firstAttr.has(a.name)) continue;
    if (a.required) {
      env.sink.report(
        CheckCode.missingAttribute,
        owner.span,
        `${owner.label} is missing required attribute \`${a.name}\``,
        { hint: `add \`${a.name} = …\` (${typeToString(a.type)}): ${a.doc}` },
      );
    } else if (a.default) {
      out.attributes.set(a.name, defaultExpr(a.default, owner.span));
    }
  }
  return out;
}
