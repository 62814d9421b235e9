// The champion re-scored on another model's rows: its own deployable graph (ONNX) fed the raw
// columns its own pipeline reads. The gate and the model report both compare against it this way.
import type { ColumnTable } from "arquero";
import { deserializePipeline } from "../../data/pipeline.js";
import type { ArtifactAccess } from "../../ir/executor.js";
import type { ModelVersion } from "../../registry/model-registry.js";
import { scoreWithOnnx } from "./onnx-bundle.js";

/** Scores a table with the champion's graph: row-major n × its output width. */
export type ChampionScorer = (table: ColumnTable) => Promise<Float64Array>;

/** Loads the champion's graph and raw inputs once; undefined when that version stored no ONNX graph. */
export async function championScorer(
  artifacts: ArtifactAccess,
  champion: ModelVersion,
): Promise<ChampionScorer | undefined> {
  if (!champion.artifacts.onnx || !champion.artifacts.pipeline) return undefined;
  const onnx = await artifacts.get(champion.artifacts.onnx);
  const inputs = deserializePipeline(await artifacts.get(champion.artifacts.pipeline)).rawInputs;
  return (table) => scoreWithOnnx(onnx, inputs, table);
}
