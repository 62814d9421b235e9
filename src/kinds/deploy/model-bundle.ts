// A model version's serving bundle (one ONNX file + bundle.json) under a deployment, built from the
// model node's result: what the deploy executor serves and what an experiment serves beside it.
import { dirname, join, relative } from "node:path";
import { bundleDirFor, publishBundle, type BundleMeta, type BundleTask } from "../../serve/bundle.js";
import type { Task } from "../../ml/estimator.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure, type ExecContext, type NodeResult } from "../../ir/executor.js";
import { decodeModelResult } from "../model/results.js";

function bundleTask(task: Task, threshold: number, anomalyThreshold: Json | undefined): BundleTask {
  switch (task.kind) {
    case "binary":
      return { kind: "binary", classes: task.classes, threshold };
    case "multiclass":
      return { kind: "multiclass", classes: task.classes };
    case "anomaly":
      // versions trained before thresholds were calibrated serve the score only
      return typeof anomalyThreshold === "number"
        ? { kind: "anomaly", threshold: anomalyThreshold }
        : { kind: "anomaly" };
    default:
      return { kind: task.kind };
  }
}

export interface ModelBundle {
  version: number;
  onnxHash: string;
  meta: BundleMeta;
  bundleDir: string;
  /** The bundle directory relative to the project (as pointers store it). */
  bundle: string;
}

/**
 * Publishes (or finds intact) the bundle of `model`'s version for deployment `name`: in `v<N>` for the
 * deployment's own model; with `beside` (an experiment's variant of another model, whose version numbers
 * are its own) in `<model>-v<N>`, so two models' versions never share a folder.
 */
export async function publishModelBundle(
  ctx: ExecContext,
  name: string,
  modelName: string,
  model: NodeResult,
  beside = false,
): Promise<ModelBundle> {
  const result = decodeModelResult(modelName, model.summary);
  const version = result.version;
  const onnxHash = model.artifacts.onnx;
  if (typeof version !== "number" || !onnxHash)
    throw new NodeFailure(`deploy ${name}: model ${modelName} recorded no registry version; re-apply it`, {
      code: "MLC2302",
    });
  const onnx = await ctx.artifacts.get(onnxHash);
  const meta: BundleMeta = {
    format_version: 1,
    deployment: name,
    model: modelName,
    version,
    task: bundleTask(result.task, result.threshold ?? 0.5, model.summary?.anomaly_threshold),
    inputs: result.inputs,
    output: { name: "score", width: result.outputWidth },
    metrics: Object.fromEntries(
      Object.entries(model.metrics ?? {}).filter(([k]) => k.startsWith("test.") || k.startsWith("valid.")),
    ),
    lineage: { run_id: ctx.runId ?? "", artifact: onnxHash },
    created: new Date().toISOString(),
  };
  const bundleDir = beside
    ? join(dirname(bundleDirFor(ctx.projectDir, name, version)), `${modelName}-v${version}`)
    : bundleDirFor(ctx.projectDir, name, version);
  // a factorisation model's retrieval file travels in the bundle: /v1/recommend reads it
  const retrievalHash = model.artifacts.retrieval;
  // a re-ranker's history file too: /v1/recommend computes its candidates' features from it
  const historyHash = model.artifacts.history;
  const extras = {
    ...(retrievalHash ? { retrieval: await ctx.artifacts.get(retrievalHash) } : {}),
    ...(historyHash ? { history: await ctx.artifacts.get(historyHash) } : {}),
  };
  const published = publishBundle(bundleDir, onnx, meta, extras);
  if (published.action === "repaired")
    ctx.log(
      `bundle ${bundleDir} was damaged (${published.damaged}); set aside as ${published.movedTo} and rebuilt`,
    );
  const bundle = relative(ctx.projectDir, bundleDir);
  return { version, onnxHash, meta, bundleDir, bundle };
}
