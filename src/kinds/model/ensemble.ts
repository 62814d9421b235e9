// The runtime half of an ensemble model (`algorithm = stack(…)` or `vote(…)`): loads each member's
// full fit from its model node's result (the ensemble's inputs, so a changed member retrains it) and
// offers the model executor an Estimator whose fit combines them over the ensemble's own features
// (the shared preprocessing, which every member's features must be part of). Stacking fits the
// members out of fold first (src/ml/ensemble/stack-fit.ts); serving uses the members' full fits.
import { NodeFailure, type ExecContext } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { nodeIdOf } from "../../ir/graph-ir.js";
import { canonicalJson } from "../../ir/expr-json.js";
import { loadEstimator } from "../../ml/algorithms.js";
import type { Dataset, Estimator, Params, Task, TrainedModel } from "../../ml/estimator.js";
import type { Matrix } from "../../ml/matrix.js";
import {
  deserializeEnsemble,
  EnsembleModel,
  memberMatrix,
  type EnsembleMember,
} from "../../ml/ensemble/ensemble-model.js";
import { fitMeta, outOfFoldPredictions } from "../../ml/ensemble/stack-fit.js";
import type { EnsembleSpec } from "./ensemble-spec.js";
import { readModelSpec, type ModelSpec } from "./model-spec.js";
import { taskJson } from "./results.js";

interface LoadedMember {
  name: string;
  estimator: Estimator;
  model: TrainedModel;
  params: Params;
  seed: number;
  version?: number;
  /** The member's own predictions on the valid rows, as it stored them. */
  validPredictions?: string;
  /** The task it learned (kind and class order), as its summary records it. */
  task?: Json;
}

export interface Ensemble {
  estimator: Estimator;
  /** What the ensemble's summary records of its members. */
  summary: { [k: string]: Json };
}

/** The ensemble's members, loaded, and the Estimator whose fit combines them. */
export async function ensembleOf(ctx: ExecContext, spec: ModelSpec): Promise<Ensemble> {
  const ens = spec.ensemble!;
  const loaded = new Map<string, Estimator>();
  const members: LoadedMember[] = [];
  for (const name of ens.members) members.push(await loadMember(ctx, spec, name, loaded));
  const metaName =
    ens.kind === "stack" ? (ens.meta ?? (spec.task.kind === "regress" ? "linear" : "logistic")) : undefined;
  const meta = metaName ? await loadEstimator(metaName) : undefined;
  if (meta) loaded.set(meta.algorithm, meta);
  const estimator: Estimator = {
    algorithm: ens.kind,
    tasks: meta ? meta.tasks : ["binary", "multiclass", "regression"],
    params: [],
    fit: (train, valid, _params, task, fit) =>
      fitEnsemble(ctx, spec, ens, members, meta, train, valid, task, fit.seed, fit.signal),
    deserialize: (bytes) => deserializeEnsemble(bytes, (a) => loaded.get(a)),
  };
  return {
    estimator,
    summary: {
      ensemble: {
        kind: ens.kind,
        members: members.map((m) => ({
          model: m.name,
          version: m.version ?? null,
          algorithm: m.model.algorithm,
        })),
        ...(ens.kind === "vote" ? { weights: ens.weights ?? members.map(() => 1) } : {}),
        ...(ens.kind === "stack" ? { meta: metaName!, folds: ens.folds } : {}),
      },
    },
  };
}

async function loadMember(
  ctx: ExecContext,
  spec: ModelSpec,
  name: string,
  loaded: Map<string, Estimator>,
): Promise<LoadedMember> {
  const id = nodeIdOf("model", name);
  const result = ctx.inputs.get(id);
  const node = ctx.inputNodes?.get(id);
  if (!result || !node || !result.artifacts.model)
    throw new NodeFailure(`model ${spec.name}: its member ${id} has no result`, { code: "MLC2451" });
  const refuse = (why: string, hint: string): never => {
    throw new NodeFailure(`model ${spec.name}: member ${name} ${why}`, { code: "MLC2451", hint });
  };
  if (result.artifacts.calibrator)
    refuse("is calibrated, and its out-of-fold fits could not be", `remove \`calibrate\` from ${name}`);
  const memberSpec = readModelSpec(name, node.config);
  if (memberSpec.ensemble) refuse("is itself an ensemble", `list the members of ${name} instead`);
  const algorithm = result.summary?.algorithm;
  const estimator = typeof algorithm === "string" ? await loadEstimator(algorithm) : undefined;
  if (!estimator) return refuse(`has no known algorithm (${String(algorithm)})`, "re-apply the member");
  loaded.set(estimator.algorithm, estimator);
  const params = result.summary?.params;
  const version = result.summary?.version;
  const task = result.summary?.task;
  return {
    name,
    estimator,
    model: estimator.deserialize(await ctx.artifacts.get(result.artifacts.model)),
    params: typeof params === "object" && params !== null && !Array.isArray(params) ? (params as Params) : {},
    seed: memberSpec.seed ?? ctx.seed,
    ...(typeof version === "number" ? { version } : {}),
    ...(result.artifacts.valid_predictions ? { validPredictions: result.artifacts.valid_predictions } : {}),
    // the task and its class order must be the ensemble's (checked in fit, where the task is known)
    ...(task !== undefined ? { task } : {}),
  };
}

async function fitEnsemble(
  ctx: ExecContext,
  spec: ModelSpec,
  ens: EnsembleSpec,
  loaded: readonly LoadedMember[],
  meta: Estimator | undefined,
  train: Dataset,
  valid: Dataset | undefined,
  task: Task,
  seed: number,
  signal: AbortSignal | undefined,
): Promise<TrainedModel> {
  const members: EnsembleMember[] = [];
  for (const m of loaded) {
    if (m.task !== undefined && canonicalJson(m.task) !== canonicalJson(taskJson(task)))
      throw new NodeFailure(
        `model ${spec.name}: member ${m.name} learned ${canonicalJson(m.task)}, and the ensemble ${canonicalJson(taskJson(task))}`,
        { code: "MLC2451", hint: "give the members and the ensemble the same task, label and split" },
      );
    const columns = columnsOf(spec, m, train.X);
    if (valid) await checkSharedFeatures(ctx, spec, m, memberMatrix(valid.X, columns));
    members.push({ name: m.name, model: m.model, columns });
  }
  if (ens.kind === "vote")
    return new EnsembleModel(task, [...train.X.names], members, {
      kind: "vote",
      weights: ens.weights ?? members.map(() => 1),
    });
  const stackMembers = loaded.map((m, i) => ({
    name: m.name,
    estimator: m.estimator,
    params: m.params,
    seed: m.seed,
    columns: members[i]!.columns,
    outputWidth: m.model.outputWidth,
  }));
  try {
    const oof = await outOfFoldPredictions(stackMembers, train, valid, task, ens.folds, seed, signal);
    ctx.log(`stack: ${members.map((m) => m.name).join(", ")} fitted out of fold on ${ens.folds} folds`);
    const metaModel = await fitMeta(meta!, stackMembers, oof, train.y!, task, seed, signal);
    return new EnsembleModel(task, [...train.X.names], members, { kind: "stack", meta: metaModel });
  } catch (e) {
    if (e instanceof NodeFailure || signal?.aborted) throw e;
    throw new NodeFailure(`model ${spec.name}: ${(e as Error).message}`, { code: "MLC2453" });
  }
}

/** Where each feature of a member sits in the ensemble's matrix. */
function columnsOf(spec: ModelSpec, m: LoadedMember, X: Matrix): number[] {
  const at = new Map(X.names.map((n, i) => [n, i]));
  const missing = m.model.featureNames.filter((n) => !at.has(n));
  if (missing.length)
    throw new NodeFailure(
      `model ${spec.name}: member ${m.name} reads ${missing.slice(0, 3).join(", ")}, which the ensemble's features do not make`,
      {
        code: "MLC2452",
        hint: `give the ensemble the features ${m.name} reads (e.g. \`features = BLOCK.*\`)`,
      },
    );
  return m.model.featureNames.map((n) => at.get(n)!);
}

/**
 * The ensemble's preprocessing must give a member the very values its own did: its predictions on
 * the valid rows through the shared matrix equal the ones it stored.
 */
async function checkSharedFeatures(
  ctx: ExecContext,
  spec: ModelSpec,
  m: LoadedMember,
  X: Matrix,
): Promise<void> {
  if (!m.validPredictions) return;
  const bytes = await ctx.artifacts.get(m.validPredictions);
  const stored = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const got = m.model.predict(X);
  const bad =
    got.length !== stored.length
      ? 0
      : got.findIndex((v, i) => !(Math.abs(v - stored[i]!) <= 1e-9 * Math.max(1, Math.abs(v))));
  if (got.length !== stored.length || bad >= 0)
    throw new NodeFailure(
      `model ${spec.name}: member ${m.name} predicts ${got.length === stored.length ? `${got[bad]} for valid row ${Math.floor(bad / m.model.outputWidth)}, where it stored ${stored[bad]}` : `${got.length} values for the valid rows, where it stored ${stored.length}`}: the ensemble's features differ from the member's`,
      {
        code: "MLC2452",
        hint: `give the ensemble the features block ${m.name} reads, with the same definitions`,
      },
    );
}
