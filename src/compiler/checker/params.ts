// The model's `params { … }` against its algorithm's parameter specs (src/ml/params): unknown
// names (did-you-mean, other libraries' spellings), literal types and ranges, distributions' fit.
import type { Attribute, Expr } from "../ast.js";
import {
  algorithmParams,
  describeParamType,
  describeRange,
  inRange,
  paramValueProblem,
} from "../../ir/params/index.js";
import type { ParamSpec, ParamValue } from "../../ir/params/index.js";
import type { KindCheckContext } from "../schema/hook.js";
import { CheckCode } from "./codes.js";
import { didYouMean } from "../../ir/did-you-mean.js";

const RANGE_DISTRIBUTIONS = new Set(["uniform", "loguniform", "int"]);

/** Checks every entry of the model's `params` block against the specs of its algorithm. */
export function checkModelParams(ctx: KindCheckContext): void {
  const algorithm = algorithmName(ctx.attribute("algorithm"));
  const specs = algorithm === undefined ? undefined : algorithmParams(algorithm);
  if (!specs) return; // an unknown algorithm is reported by the attribute's type check
  for (const block of ctx.nested("params")) {
    for (const item of block.body) {
      if (item.type !== "attribute") continue;
      const spec = specs.params.find((p) => p.name === item.name);
      if (!spec) reportUnknown(ctx, specs.algorithm, specs.params, item);
      else if (spec.setBy)
        ctx.report(
          CheckCode.unknownParameter,
          item.nameSpan,
          `\`${item.name}\` of ${specs.algorithm} is set by \`${spec.setBy}\`, not in \`params\``,
          { hint: `remove \`${item.name}\` from \`params\`` },
        );
      else checkValue(ctx, specs.algorithm, spec, item.value);
    }
  }
}

/** The algorithm's name as written (`gbdt`, `onnx("m.onnx")`), or undefined. */
export function algorithmName(e: Expr | undefined): string | undefined {
  if (e?.type === "ref" && e.path.length === 1 && !e.star) return e.path[0];
  if (e?.type === "call") return e.callee;
  return undefined;
}

function reportUnknown(
  ctx: KindCheckContext,
  algorithm: string,
  params: readonly ParamSpec[],
  item: Attribute,
): void {
  const lower = item.name.toLowerCase();
  for (const p of params) {
    const alias = p.aliases?.find((a) => a.name.toLowerCase() === lower);
    if (!alias) continue;
    ctx.report(
      CheckCode.unknownParameter,
      item.nameSpan,
      `${algorithm} has no parameter \`${item.name}\`: that is the ${alias.library} name of \`${p.name}\``,
      { hint: `write \`${p.name} = …\`${alias.note ? ` (${alias.note})` : ""}` },
    );
    return;
  }
  const names = params.filter((p) => !p.setBy).map((p) => p.name);
  const suggestion = didYouMean(item.name, names);
  ctx.report(CheckCode.unknownParameter, item.nameSpan, `${algorithm} has no parameter \`${item.name}\``, {
    hint: `${suggestion ? `${suggestion} ` : ""}${algorithm}'s parameters: ${names.join(", ")}`,
  });
}

/** The value a literal stands for at run time, or a word for what it is when no parameter takes it. */
function literalValue(e: Expr): { value: ParamValue } | { what: string } | undefined {
  switch (e.type) {
    case "number":
    case "string":
    case "bool":
      return { value: e.value };
    case "unary":
      return e.op === "-" && e.operand.type === "number" ? { value: -e.operand.value } : undefined;
    case "paren":
      return literalValue(e.inner);
    case "ref":
      return e.path.length === 1 && !e.star ? { value: e.path[0]! } : undefined;
    case "percent":
      return { what: `a percentage (${e.raw})` };
    case "duration":
      return { what: `a duration (${e.raw})` };
    case "null":
      return { what: "null" };
    case "list":
      return { what: "a list" };
    case "object":
      return { what: "an object" };
    default:
      return undefined;
  }
}

function checkValue(ctx: KindCheckContext, algorithm: string, spec: ParamSpec, e: Expr): void {
  if (e.type === "call") {
    checkDistribution(ctx, algorithm, spec, e);
    return;
  }
  const lit = literalValue(e);
  if (!lit) return; // not a literal: the attribute's type check reports it
  const problem =
    "what" in lit
      ? `must be ${describeParamType(spec)}, got ${lit.what}`
      : paramValueProblem(spec, lit.value);
  if (!problem) return;
  ctx.report(CheckCode.paramValue, e.span, `${algorithm} parameter \`${spec.name}\` ${problem}`, {
    hint: valueHint(spec, lit),
  });
}

function valueHint(spec: ParamSpec, lit: { value: ParamValue } | { what: string }): string {
  const dflt = `the default is ${JSON.stringify(spec.default)}`;
  const percent = "what" in lit && lit.what.startsWith("a percentage");
  if (percent && spec.type === "float") return `write a fraction (10% is 0.1); ${dflt}`;
  if (spec.type === "int") return `write a whole number${describeRange(spec)}; ${dflt}`;
  if (spec.type === "int_list") return `write a string like "64,32"; ${dflt}`;
  // The first sentence of the meaning says what the parameter is for.
  const meaning = spec.doc.split(/\.(?:\s|$)/)[0]!;
  return `\`${spec.name}\`: ${meaning}; ${dflt}`;
}

function checkDistribution(
  ctx: KindCheckContext,
  algorithm: string,
  spec: ParamSpec,
  call: Extract<Expr, { type: "call" }>,
): void {
  const param = `${algorithm} parameter \`${spec.name}\``;
  if (RANGE_DISTRIBUTIONS.has(call.callee)) {
    if (spec.type !== "int" && spec.type !== "float") {
      ctx.report(
        CheckCode.distributionMismatch,
        call.calleeSpan,
        `\`${call.callee}(…)\` draws numbers, and ${param} must be ${describeParamType(spec)}`,
        { hint: "search it with `choice([…])` over the values to try" },
      );
      return;
    }
    if (spec.type === "int" && call.callee !== "int") {
      ctx.report(
        CheckCode.distributionMismatch,
        call.calleeSpan,
        `\`${call.callee}(…)\` draws real numbers, and ${param} is an integer`,
        { hint: "use `int(low, high)` (it takes `log = true` for a log scale)" },
      );
      return;
    }
    for (const [index, bound] of [
      [0, "low"],
      [1, "high"],
    ] as const) {
      const arg = call.args[index] ?? call.named.find((n) => n.name === bound)?.value;
      const lit = arg ? literalValue(arg) : undefined;
      if (!arg || !lit || !("value" in lit) || typeof lit.value !== "number") continue;
      if (inRange(spec, lit.value)) continue;
      // loguniform's own check already reports a bound <= 0.
      if (call.callee === "loguniform" && lit.value <= 0) continue;
      ctx.report(
        CheckCode.distributionMismatch,
        arg.span,
        `\`${bound}\` = ${lit.value} lies outside the range of ${param}${describeRange(spec)}`,
        { hint: `keep both bounds${describeRange(spec)}` },
      );
    }
    return;
  }
  if (call.callee !== "choice") return; // an unknown callee is reported by the attribute's type check
  const values = call.args[0] ?? call.named.find((n) => n.name === "values")?.value;
  if (values?.type !== "list") return;
  for (const item of values.items) {
    const lit = literalValue(item);
    if (!lit) continue;
    const problem =
      "what" in lit
        ? `must be ${describeParamType(spec)}, got ${lit.what}`
        : paramValueProblem(spec, lit.value);
    if (!problem) continue;
    ctx.report(CheckCode.distributionMismatch, item.span, `a choice of ${param}: ${problem}`, {
      hint: valueHint(spec, lit),
    });
  }
}
