// Search-space distributions: values of a model's `params` block that the tuner samples.
// They are rejected anywhere else by the checker.
import type { Expr } from "../ast.js";
import { t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { ArgProblem, BoundArgs, FunctionBuiltin } from "./types.js";

const num = (e: Expr | undefined): number | undefined =>
  e?.type === "number"
    ? e.value
    : e?.type === "unary" && e.op === "-" && e.operand.type === "number"
      ? -e.operand.value
      : undefined;

function ordered(positiveLow: boolean) {
  return (args: BoundArgs): ArgProblem[] => {
    const lo = num(args.get("low")?.[0]),
      hi = num(args.get("high")?.[0]);
    const out: ArgProblem[] = [];
    if (positiveLow && lo !== undefined && !(lo > 0))
      out.push({ param: "low", message: "loguniform needs `low` > 0" });
    if (lo !== undefined && hi !== undefined && !(hi > lo))
      out.push({ param: "high", message: "`high` must be greater than `low`" });
    return out;
  };
}

const range = (name: string, doc: string, ty: "number" | "int", positiveLow: boolean): FunctionBuiltin => ({
  family: "distribution",
  name,
  returns: "number",
  doc,
  checkArgs: ordered(positiveLow),
  params: [
    { name: "low", type: ty === "int" ? t.int() : t.number(), required: true, doc: "smallest value" },
    {
      name: "high",
      type: ty === "int" ? t.int() : t.number(),
      required: true,
      doc: ty === "int" ? "largest value (inclusive)" : "largest value",
    },
  ],
});

for (const b of [
  range("uniform", "A real number drawn uniformly from [low, high].", "number", false),
  range(
    "loguniform",
    "A real number whose logarithm is uniform on [log low, log high] (learning rates, regularisation).",
    "number",
    true,
  ),
  range("int", "An integer drawn uniformly from low to high inclusive.", "int", false),
  {
    family: "distribution",
    name: "choice",
    returns: "any",
    doc: "One of the listed values, each equally likely.",
    params: [{ name: "values", type: t.list(t.literal(), 1), required: true, doc: "the candidate values" }],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
