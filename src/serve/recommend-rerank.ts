// The re-ranking stage of /v1/recommend and batch top-K (`rerank = RANKER`, `candidates = N` on the
// deploy block): the top `candidates` items retrieval gives a known user are scored by the ranker's
// bundle on records whose features come from the ranker's history file by the rule training used
// (src/ml/recommend/rerank-features.ts), and the best `k` answer, best first (ties keep the retrieval
// order). Cold-start paths are not re-ranked: the history knows nothing of such a user.
import type { Recommendation, Retrieval } from "../ml/recommend/retrieval.js";
import { RerankHistory } from "../ml/recommend/rerank-features.js";
import { readBundleHistory } from "./bundle.js";
import type { ModelRunner } from "./model-runner.js";
import { isProblem } from "./record-encoder.js";
import type { ColdStartPath, RerankConfig } from "./recommend-config.js";
import { recommendFor, type RecommendOutcome, type RecommendQuery } from "./recommend.js";

/** A loaded re-ranking stage: the ranker's runner, its history and how many candidates it orders. */
export interface Reranker {
  runner: ModelRunner;
  history: RerankHistory;
  candidates: number;
}

/** The history of a ranker's bundle; throws when its bundle has none or it cannot be read. */
export function loadReranker(runner: ModelRunner, config: RerankConfig): Reranker {
  const bytes = readBundleHistory(runner);
  if (!bytes)
    throw new Error(
      `rerank model ${config.model} version ${config.version} has no history file in its bundle: it is not a re-ranker`,
    );
  return { runner, history: RerankHistory.deserialize(bytes), candidates: config.candidates };
}

/** A re-ranking that could not run (the ranker refused its records or failed): a 503, coded MLC2483. */
export class RerankFailure extends Error {
  readonly code = "MLC2483";
}

/** The ranker's order of a user's candidates, best first, the `k` best; scores are the ranker's. */
export async function rerankItems(
  rr: Reranker,
  user: number,
  candidates: readonly Recommendation[],
  k: number,
  categories?: ReadonlyMap<number, string>,
): Promise<Recommendation[]> {
  if (candidates.length === 0) return [];
  const records = rr.history.candidateRecords(
    user,
    candidates.map((c) => c.item),
    categories,
  );
  const batch = rr.runner.encoder.encodeRecords(records, true);
  if (isProblem(batch))
    throw new RerankFailure(
      `rerank model ${rr.runner.meta.model} version ${rr.runner.version} refused a candidate's features (${batch.field}: ${batch.message})`,
    );
  let scores: Float32Array;
  try {
    scores = await rr.runner.score(batch);
  } catch (e) {
    throw new RerankFailure(
      `rerank model ${rr.runner.meta.model} version ${rr.runner.version} could not score the candidates: ${(e as Error).message}`,
    );
  }
  const width = rr.runner.width;
  const order = candidates.map((_, j) => j);
  const s = (j: number): number => {
    const v = scores[j * width]!;
    return Number.isNaN(v) ? -Infinity : v;
  };
  order.sort((a, b) => s(b) - s(a) || a - b);
  return order.slice(0, k).map((j) => ({ ...candidates[j]!, score: scores[j * width]! }));
}

/** The reason a request's k does not fit the stage, or undefined. */
export function rerankKProblem(rr: Reranker | undefined, k: number): string | undefined {
  return rr && k > rr.candidates
    ? `k must be at most ${rr.candidates}, the candidates this deployment's re-ranker orders (candidates = ${rr.candidates})`
    : undefined;
}

/**
 * recommendFor with the re-ranking stage: a user retrieval knows gets the ranker's order of its top
 * `candidates`, marked `reranked`; everything else answers as recommendFor does.
 */
export async function recommendRanked(
  retrieval: Retrieval,
  coldStart: readonly ColdStartPath[] | undefined,
  q: RecommendQuery,
  rr: Reranker | undefined,
): Promise<RecommendOutcome & { reranked?: true }> {
  if (!rr || retrieval.userRow(q.user) < 0) return recommendFor(retrieval, coldStart, q);
  const out = recommendFor(retrieval, coldStart, { ...q, k: rr.candidates });
  if (!("path" in out) || out.path !== "model") return out;
  const categories = new Map<number, string>();
  const column = rr.history.columns.category;
  for (const it of q.newItems ?? []) {
    const c = it.features[column];
    if (typeof c === "string") categories.set(it.item, c);
  }
  return { path: out.path, items: await rerankItems(rr, q.user, out.items, q.k, categories), reranked: true };
}
