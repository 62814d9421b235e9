// Feature transforms: the functions a features block may call (arithmetic and comparison are
// operators). Batch and ONNX implementations live in src/data; this file is their signatures.
import { d, t } from "../schema/type-builders.js";
import type { Expr } from "../ast.js";
import { registerBuiltin } from "./registry.js";
import type { ArgContext, ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

const num = (e: Expr | undefined): number | undefined =>
  e?.type === "number"
    ? e.value
    : e?.type === "unary" && e.op === "-" && e.operand.type === "number"
      ? -e.operand.value
      : undefined;

function ascendingEdges(args: BoundArgs): ArgProblem[] {
  const edges = args.get("edges")?.[0];
  if (edges?.type !== "list") return [];
  const values = edges.items.map(num);
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1],
      b = values[i];
    if (a !== undefined && b !== undefined && !(b > a))
      return [{ param: "edges", message: "bucket edges must be strictly increasing" }];
  }
  return [];
}

function clipBounds(args: BoundArgs): ArgProblem[] {
  const lo = num(args.get("low")?.[0]),
    hi = num(args.get("high")?.[0]);
  return lo !== undefined && hi !== undefined && !(lo < hi)
    ? [{ param: "high", message: "clip's `high` must be greater than `low`" }]
    : [];
}

function imputeValue(args: BoundArgs): ArgProblem[] {
  const method = args.get("method")?.[0];
  const name = method?.type === "ref" ? method.path[0] : method?.type === "string" ? method.value : "mean";
  const hasValue = args.has("value");
  if (name === "const" && !hasValue)
    return [{ param: "method", message: "impute with method `const` needs `value = …`" }];
  if (name !== "const" && hasValue)
    return [{ param: "value", message: "`value` is only used with method `const`" }];
  return [];
}

function unseenErrorOnColumn(args: BoundArgs, ctx: ArgContext): ArgProblem[] {
  const unseen = args.get("unseen")?.[0];
  const name = unseen?.type === "ref" ? unseen.path[0] : unseen?.type === "string" ? unseen.value : "other";
  const arg = args.get("x")?.[0];
  if (name === "error" && arg !== undefined && (arg.type !== "ref" || ctx.isOwnFeature(arg)))
    return [
      {
        param: "unseen",
        message: "`unseen = error` needs a column as its argument: serving checks the raw column's values",
      },
    ];
  return [];
}

const x = (of: "number" | "string" | "timestamp" | "any" | "bool", doc = "the input expression") =>
  ({ name: "x", type: t.expr(of), required: true, doc }) as const;

const transforms: FunctionBuiltin[] = [
  {
    family: "transform",
    name: "if",
    returns: "any",
    returnsArg: 1,
    serving: "onnx",
    doc: "`if(cond, a, b)`: `a` where `cond` holds, else `b` (both branches have the same type). A null condition counts as true (as in `and`, `or`), so a null bool column takes `a`; a comparison with a null is false (`!=` true), so `if(x > 3, a, b)` takes `b` where x is null. A null in the branch taken is returned as is.",
    params: [
      { name: "cond", type: t.expr("bool"), required: true, doc: "the condition" },
      { name: "then", type: t.expr("any"), required: true, doc: "value where the condition holds" },
      { name: "else", type: t.expr("any"), required: true, doc: "value elsewhere" },
    ],
  },
  {
    family: "transform",
    name: "log",
    returns: "number",
    serving: "onnx",
    doc: "Natural logarithm; null for x <= 0 and for a null x.",
    params: [x("number")],
  },
  {
    family: "transform",
    name: "log1p",
    returns: "number",
    serving: "onnx",
    doc: "log(1 + x), accurate near zero; null for x <= -1 and for a null x.",
    params: [x("number")],
  },
  {
    family: "transform",
    name: "sqrt",
    returns: "number",
    serving: "onnx",
    doc: "Square root; null for x < 0 and for a null x.",
    params: [x("number")],
  },
  {
    family: "transform",
    name: "abs",
    returns: "number",
    serving: "onnx",
    doc: "Absolute value; null stays null.",
    params: [x("number")],
  },
  {
    family: "transform",
    name: "clip",
    returns: "number",
    serving: "onnx",
    checkArgs: clipBounds,
    doc: "Limits x to [low, high]; either bound may be omitted by naming the other. Null stays null (it is not clipped to a bound).",
    params: [
      x("number"),
      { name: "low", type: t.number(), required: false, doc: "lower bound" },
      { name: "high", type: t.number(), required: false, doc: "upper bound" },
    ],
  },
  {
    family: "transform",
    name: "coalesce",
    returns: "any",
    returnsArg: 0,
    serving: "onnx",
    doc: "The first of its arguments that is not null; null only where all are (an empty string is a null string).",
    params: [
      x("any", "the preferred value"),
      {
        name: "fallback",
        type: t.expr("any"),
        required: true,
        variadic: true,
        doc: "values used in order where the previous ones are null",
      },
    ],
  },
  {
    family: "transform",
    name: "lower",
    returns: "string",
    serving: "onnx",
    doc: "Lower-cases a string (ASCII letters); null stays null.",
    params: [x("string")],
  },
  {
    family: "transform",
    name: "length",
    returns: "number",
    serving: "batch-only",
    doc: "Number of characters of a string; null for a null (or empty) string.",
    params: [x("string")],
  },
  {
    family: "transform",
    name: "contains",
    returns: "bool",
    serving: "batch-only",
    doc: "Whether the string contains `part`; null for a null (or empty) string.",
    params: [
      x("string"),
      { name: "part", type: t.string(), required: true, doc: "the substring to look for" },
    ],
  },
  {
    family: "transform",
    name: "hash_bucket",
    returns: "number",
    serving: "batch-only",
    doc: "A stable hash of x modulo n (xxhash64), for high-cardinality categories; null for a null x (nulls get no bucket of their own).",
    params: [x("any"), { name: "n", type: t.int(1), required: true, doc: "number of buckets" }],
  },
  {
    family: "transform",
    name: "hour",
    returns: "number",
    serving: "onnx",
    doc: "Hour of day (0-23, UTC) of a timestamp; null for a null timestamp.",
    params: [x("timestamp")],
  },
  {
    family: "transform",
    name: "dayofweek",
    returns: "number",
    serving: "onnx",
    doc: "Day of week of a timestamp, 0 = Monday (UTC); null for a null timestamp.",
    params: [x("timestamp")],
  },
  {
    family: "transform",
    name: "month",
    returns: "number",
    serving: "onnx",
    doc: "Month (1-12, UTC) of a timestamp; null for a null timestamp.",
    params: [x("timestamp")],
  },
  {
    family: "transform",
    name: "days_between",
    returns: "number",
    serving: "onnx",
    doc: "Days from `start` to `end` (fractional; negative when end is earlier); null where either is null.",
    params: [
      { name: "start", type: t.expr("timestamp"), required: true, doc: "the earlier timestamp" },
      { name: "end", type: t.expr("timestamp"), required: true, doc: "the later timestamp" },
    ],
  },
  {
    family: "transform",
    name: "bucketize",
    returns: "number",
    serving: "onnx",
    checkArgs: ascendingEdges,
    doc: "Index of the bucket x falls in: 0 below the first edge, len(edges) at or above the last; null stays null (no bucket).",
    params: [
      x("number"),
      { name: "edges", type: t.list(t.number(), 1), required: true, doc: "strictly increasing bucket edges" },
    ],
  },
  {
    family: "transform",
    name: "onehot",
    returns: "vector",
    fitted: true,
    serving: "onnx",
    checkArgs: unseenErrorOnColumn,
    doc: "One column per category seen in training (the `top` most frequent), named `f=value`, plus the fallback column `f:other` for every other value: categories beyond `top`, nulls, and values never seen in training. The fallback's name cannot collide with a category, even one called `other`.",
    params: [
      x("any", "a categorical expression"),
      { name: "top", type: t.int(1), required: false, doc: "keep only the k most frequent categories" },
      {
        name: "unseen",
        type: t.enum("other", "error", "ignore"),
        required: false,
        default: d.name("other"),
        doc: "a value not kept: `other` sets `f:other`; `ignore` sets no column (all zeros, and there is no `f:other`); `error` encodes like `other` in training, but serving (400) and batch scoring refuse a value not seen in the labelled data (x must be a column)",
      },
    ],
  },
  {
    family: "transform",
    name: "ordinal",
    returns: "number",
    fitted: true,
    serving: "onnx",
    checkArgs: unseenErrorOnColumn,
    doc: "A category's rank by training frequency (0 = most frequent); nulls are null. A string feature used as a model input is encoded this way.",
    params: [
      x("string", "a categorical expression"),
      {
        name: "unseen",
        type: t.enum("other", "error", "ignore"),
        required: false,
        default: d.name("ignore"),
        doc: "a value not seen in training: `ignore` makes it null; `other` gives it its own code, one past the last rank; `error` makes it null in training, but serving (400) and batch scoring refuse a value not seen in the labelled data (x must be a column)",
      },
    ],
  },
  {
    family: "transform",
    name: "standardize",
    returns: "number",
    fitted: true,
    serving: "onnx",
    doc: "(x - mean) / stddev, with mean and stddev fitted on the training split's non-null values (a constant column is only centred, an all-null one left as is). Null stays null: follow with `impute` to fill it.",
    params: [x("number")],
  },
  {
    family: "transform",
    name: "minmax",
    returns: "number",
    fitted: true,
    serving: "onnx",
    doc: "(x - min) / (max - min), with min and max fitted on the training split's non-null values (a constant column is only shifted, an all-null one left as is). Null stays null: follow with `impute` to fill it.",
    params: [x("number")],
  },
  {
    family: "transform",
    name: "impute",
    returns: "number",
    fitted: true,
    serving: "onnx",
    checkArgs: imputeValue,
    doc: "Replaces nulls by the mean or median of the training split's non-null values (0 when all are null), or by a constant; other values pass unchanged.",
    params: [
      x("number"),
      {
        name: "method",
        type: t.enum("mean", "median", "const"),
        required: false,
        default: d.name("mean"),
        doc: "how the replacement is chosen",
      },
      { name: "value", type: t.number(), required: false, doc: "the replacement for method `const`" },
    ],
  },
];

for (const b of transforms) registerBuiltin(b);
