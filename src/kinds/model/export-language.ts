// `export { quantize = int8 }` inside a model: apply quantises the model's deployable graph to each
// declared precision and measures it on the test rows (src/kinds/model/export-measure.ts), so gates
// can bound `export.PRECISION.size_ratio`, `.max_abs_diff` and the metric deltas. The schema and the
// checks the language makes of it; names live in src/ir/export-names.ts.
import { CheckCode } from "../../compiler/checker/codes.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { t } from "../../compiler/schema/type-builders.js";
import type { NestedBlockSchema } from "../../compiler/schema/types.js";
import { EXPORT_PRECISIONS, TREE_ALGORITHMS } from "../../ir/export-names.js";

export const exportBlock: NestedBlockSchema = {
  kind: "export",
  doc: "Edge exports apply measures: the deployable ONNX graph quantised to each precision (`float16`: float weights stored as halves behind Casts; `int8`: MatMul/Gemm weights as int8 behind DequantizeLinear, run as dynamic quantisation) and scored on the test rows beside the float graph. Each precision records `export.PRECISION.size_bytes`, `size_ratio` (quantised bytes / float bytes), `max_abs_diff` (largest score difference) and the change of the test metrics (`auc_delta`, `accuracy_delta`; `rmse_delta` for regression), for gates. `mlc export --quantize` writes the same graph. Tree ensembles cannot be quantised (their thresholds are node attributes).",
  multiple: false,
  attributes: [
    {
      name: "quantize",
      type: t.union(t.enum(...EXPORT_PRECISIONS), t.list(t.enum(...EXPORT_PRECISIONS))),
      required: true,
      doc: "`float16`, `int8`, or a list of both",
    },
  ],
  nested: [],
};

/** A tree ensemble keeps its weights in node attributes: an export block of one is refused. */
export function checkExport(ctx: KindCheckContext): void {
  const block = ctx.nested("export")[0];
  if (!block) return;
  const algorithm = ctx.attribute("algorithm");
  const name =
    algorithm?.type === "ref" && algorithm.path.length === 1
      ? algorithm.path[0]!
      : algorithm?.type === "call"
        ? algorithm.callee
        : undefined;
  if (name && (TREE_ALGORITHMS as readonly string[]).includes(name))
    ctx.report(
      CheckCode.valueNotAllowed,
      block.kindSpan,
      `\`${name}\` is a tree ensemble: its thresholds and leaf values are TreeEnsemble node attributes, which hold float32 only, so its graph cannot be quantised`,
      { hint: "remove the export block, or use a model with weights (`logistic`, `linear`, `mlp`)" },
    );
}
