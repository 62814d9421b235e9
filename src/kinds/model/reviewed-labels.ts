// `threshold = precision(…, on = REVIEWS)` / `recall(…, on = REVIEWS)`: the events reviewers labelled
// (the review source's table, src/kinds/source/review-source.ts) scored by the model being applied, so
// they calibrate its anomaly threshold beside the labelled validation rows.
import { loadTable } from "../../data/table-artifact.js";
import type { RawInput } from "../../data/pipeline.js";
import { NodeFailure, type ExecContext } from "../../ir/executor.js";
import type { AnomalyThresholdRule } from "../../ml/anomaly-threshold.js";
import { scoreWithOnnx } from "./onnx-bundle.js";

/** The reviewed events' scores under the new model and their labels (1: anomaly, 0: normal). */
export interface ReviewedRows {
  source: string;
  scores: Float64Array;
  y: Float64Array;
}

/** The reviewed rows a rule names (undefined without `on`); a coded failure when they cannot be scored. */
export async function reviewedRows(
  ctx: ExecContext,
  model: string,
  rule: AnomalyThresholdRule | undefined,
  onnx: Uint8Array,
  inputs: readonly RawInput[],
): Promise<ReviewedRows | undefined> {
  if (!rule || rule.kind === "contamination" || !rule.reviews) return undefined;
  const source = rule.reviews;
  const at = `model ${model}: threshold = ${rule.kind}(${rule.target}, on = ${source})`;
  const hash = ctx.inputs.get(`source.${source}`)?.artifacts.table;
  if (!hash) throw new NodeFailure(`${at}: the review source has no table`, { code: "MLC2207" });
  const table = await loadTable(ctx.artifacts, hash);
  if (!table.numRows()) return { source, scores: new Float64Array(0), y: new Float64Array(0) };
  const names = new Set(table.columnNames());
  const missing = inputs.filter((i) => !names.has(i.name)).map((i) => i.name);
  if (missing.length)
    throw new NodeFailure(
      `${at}: the reviewed events carry no ${missing.map((m) => `\`${m}\``).join(", ")}, which the model reads`,
      {
        code: "MLC2207",
        hint: `the events a deployment of another model flagged may lack these fields; declare them in the review source's schema { … }`,
      },
    );
  const scores = await scoreWithOnnx(onnx, inputs, table);
  const y = Float64Array.from(table.array("anomaly") as ArrayLike<unknown>, (v) => (v === true ? 1 : 0));
  return { source, scores, y };
}
