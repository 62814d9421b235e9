// The review intake of `mlc serve`: the project's review queue, and the explainer of flagged events,
// which loads a deployed version's model and feature pipeline from the registry and the artifact
// store (once per version), turns the records as scored into the model's features and asks the
// model for its per-feature contributions.
import type { Json } from "../ir/graph-ir.js";
import type { StateStore } from "../ir/state-store.js";
import { deserializePipeline, type FittedPipeline } from "../data/pipeline.js";
import { tableFromColumns } from "../data/values-table.js";
import { loadEstimator } from "../ml/algorithms.js";
import type { TrainedModel } from "../ml/estimator.js";
import { rankReasons } from "../ml/explain/anomaly-reasons.js";
import { ModelRegistry } from "../registry/model-registry.js";
import type { BundleMeta } from "../serve/bundle.js";
import type { AnomalyExplainer, Explanation, ReviewIntake } from "../serve/review-intake.js";
import { ReviewQueue } from "../registry/review-queue.js";
import { openState } from "./state/open.js";
import { openArtifacts } from "./artifacts/store.js";

/** What each algorithm's contributions measure, as the review page and `mlc review show` print it. */
const REASON_KINDS: Record<string, string> = {
  isolation_forest: "isolation path bits",
  autoencoder: "reconstruction error",
};

type Loaded = { model: TrainedModel; pipeline: FittedPipeline } | { missing: string };

export function reviewExplainer(projectDir: string, state: StateStore): AnomalyExplainer {
  const cache = new Map<string, Promise<Loaded>>();
  const load = async (model: string, version: number): Promise<Loaded> => {
    const v = await new ModelRegistry(state).version(model, version);
    if (!v) return { missing: `${model} version ${version} is not in the model registry` };
    if (!REASON_KINDS[v.algorithm])
      return {
        missing: `${v.algorithm} gives no per-feature contributions (isolation_forest and autoencoder do)`,
      };
    const estimator = await loadEstimator(v.algorithm);
    if (!estimator || !v.artifacts.model || !v.artifacts.pipeline)
      return { missing: `${model} version ${version} has no loadable model or pipeline` };
    const store = openArtifacts(projectDir);
    return {
      model: estimator.deserialize(await store.get(v.artifacts.model)),
      pipeline: deserializePipeline(await store.get(v.artifacts.pipeline)),
    };
  };
  return {
    async explain(meta: BundleMeta, records: Record<string, Json>[]): Promise<Explanation[]> {
      const key = `${meta.model}@${meta.version}`;
      let pending = cache.get(key);
      if (!pending) {
        pending = load(meta.model, meta.version);
        cache.set(key, pending);
        pending.catch(() => cache.delete(key)); // a failed load is tried again next time
      }
      const loaded = await pending;
      if ("missing" in loaded) return records.map(() => ({ reasons_missing: loaded.missing }));
      const { model, pipeline } = loaded;
      if (!model.featureContributions)
        return records.map(() => ({
          reasons_missing: `${model.algorithm} gives no per-feature contributions`,
        }));
      const names = meta.inputs.map((i) => i.name);
      const { table } = tableFromColumns(
        names,
        (n) => records.map((r) => r[n] ?? null),
        meta.inputs.map((i) => ({ name: i.name, type: i.type, nullable: true })),
        "flagged events",
      );
      const X = pipeline.transform(table);
      const c = model.featureContributions(X);
      const d = X.names.length;
      return records.map((_, i) => ({
        reason_kind: REASON_KINDS[model.algorithm]!,
        reasons: rankReasons(
          X.names,
          X.columns.map((col) => col[i]!),
          c.subarray(i * d, (i + 1) * d),
        ),
      }));
    },
  };
}

/** The review queue of a project's state store with its explainer, for `mlc serve`; close() closes the store. */
export async function openReviewIntake(projectDir: string): Promise<ReviewIntake> {
  const state = await openState(projectDir);
  return {
    queue: new ReviewQueue(state.records),
    explainer: reviewExplainer(projectDir, state),
    close: () => state.close(),
  };
}
