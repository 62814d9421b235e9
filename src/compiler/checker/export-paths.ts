// `export.PRECISION.MEASURE` in a gate assertion: the precision must be one the gated model's
// `export { quantize = … }` block declares, and the measure one an export records for the task
// (names from src/ir/export-names.ts, which the model executor records under).
import type { Expr } from "../ast.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import { exportMeasures } from "../../ir/export-names.js";
import { CheckCode } from "./codes.js";
import { checkMeasure, nestedBlockOf, type RefExpr } from "./metric-path.js";
import type { Sink } from "./sink.js";
import { attributeOf, type CheckState } from "./state.js";

/** The precisions a model's export block declares (`int8`, `[float16, int8]`), or undefined without one. */
function declaredPrecisions(st: CheckState, model: string): string[] | undefined {
  const block = nestedBlockOf(st, model, "export");
  if (!block) return undefined;
  const v = attributeOf(block, "quantize")?.value;
  const names = (e: Expr): string[] => (e.type === "ref" && e.path.length === 1 ? [e.path[0]!] : []);
  return v?.type === "list" ? v.items.flatMap(names) : v ? names(v) : [];
}

/** Checks `export.PRECISION.MEASURE` against model `model` (its task name: `classify`, `regress`). */
export function checkExportPath(
  e: RefExpr,
  st: CheckState,
  sink: Sink,
  model: string | undefined,
  task: string | undefined,
): void {
  const precision = e.path[1];
  const declared = model !== undefined ? declaredPrecisions(st, model) : undefined;
  if (
    model !== undefined &&
    (declared === undefined || precision === undefined || !declared.includes(precision))
  ) {
    sink.report(
      CheckCode.exportNotDeclared,
      e.pathSpans[1] ?? e.pathSpans[0]!,
      declared === undefined
        ? `\`export.*\` is measured for the precisions a model's export block declares, and model \`${model}\` has none`
        : precision === undefined
          ? "`export` is followed by a precision and a measure: `export.int8.size_ratio`"
          : `model \`${model}\`'s export block does not quantise to \`${precision}\``,
      {
        hint:
          declared === undefined
            ? `add \`export { quantize = ${precision === "float16" ? "float16" : "int8"} }\` to model \`${model}\``
            : ((precision !== undefined
                ? didYouMean(precision, declared, (p) => `export.${p}`)
                : undefined) ?? `it declares: ${declared.join(", ") || "none"}`),
      },
    );
    return;
  }
  const measures = exportMeasures(task === "classify" || task === "regress" ? task : undefined);
  checkMeasure(
    e,
    sink,
    CheckCode.exportNotDeclared,
    `export.${precision}`,
    measures,
    task,
    "an export",
    "size_ratio",
  );
}
