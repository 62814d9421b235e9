// A model version's serving bundle (one ONNX file + bundle.json) under a deployment, built from the
// model node's result: what the deploy executor serves and what an experiment serves beside it.
import { relative } from "node:path";
import {
  bundleDirFor,
  publishBundle,
  type BundleInput,
  type BundleMeta,
  type BundleTask,
} from "../../../serve/bundle.js";
import type { Task } from "../../../ml/estimator.js";
import { NodeFailure, type ExecContext, type NodeResult } from "../../executor.js";

function bundleTask(task: Task, threshold: number): BundleTask {
  switch (task.kind) {
    case "binary":
      return { kind: "binary", classes: task.classes, threshold };
    case "multiclass":
      return { kind: "multiclass", classes: task.classes };
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

/** Publishes (or finds intact) the bundle of `model`'s version for deployment `name`. */
export async function publishModelBundle(
  ctx: ExecContext,
  name: string,
  modelName: string,
  model: NodeResult,
): Promise<ModelBundle> {
  const version = model.summary?.version;
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
    task: bundleTask(model.summary!.task as unknown as Task, Number(model.summary!.threshold ?? 0.5)),
    inputs: model.summary!.inputs as unknown as BundleInput[],
    output: { name: "score", width: Number(model.summary!.output_width ?? 1) },
    metrics: Object.fromEntries(
      Object.entries(model.metrics ?? {}).filter(([k]) => k.startsWith("test.") || k.startsWith("valid.")),
    ),
    lineage: { run_id: ctx.runId ?? "", artifact: onnxHash },
    created: new Date().toISOString(),
  };
  const bundleDir = bundleDirFor(ctx.projectDir, name, version);
  const published = publishBundle(bundleDir, onnx, meta);
  if (published.action === "repaired")
    ctx.log(
      `bundle ${bundleDir} was damaged (${published.damaged}); set aside as ${published.movedTo} and rebuilt`,
    );
  const bundle = relative(ctx.projectDir, bundleDir);
  return { version, onnxHash, meta, bundleDir, bundle };
}
