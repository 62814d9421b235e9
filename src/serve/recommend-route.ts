// POST /v1/recommend: the top-K items for a user from the retrieval file of the version its arm serves
// (stable, or the canary's or experiment arm's chosen by the user as /v1/predict chooses by key), or from
// the deployment's cold-start chain (`cold_start` in the pointer) for a user training never saw. The
// response and the prediction log (arm `recommend`, which monitors leave out) say which path answered.
// Bad input is a JSON 400; a deployment whose version cannot recommend a 404 naming why. With a
// `cache` in the pointer, answers come from Redis when kept there (`"cache": "hit"`, also in the log);
// a cache that fails is counted and bypassed, never an error (src/serve/recommend-cache.ts).
import type { FastifyInstance, FastifyReply } from "fastify";
import { Retrieval } from "../ml/recommend/retrieval.js";
import { readBundleRetrieval } from "./bundle.js";
import { recommendArm } from "./arm-groups.js";
import type { Routing } from "./live-deployment.js";
import type { PredictionSink } from "./log/types.js";
import type { ModelRunner } from "./model-runner.js";
import { parseRecommendQuery, type QueryProblem } from "./recommend.js";
import { recommendRanked, RerankFailure, rerankKProblem } from "./recommend-rerank.js";
import {
  cacheKey,
  cachedAnswer,
  RecommendCache,
  type CachedAnswer,
  type CacheOutcome,
} from "./recommend-cache.js";

export interface RecommendContext {
  deployment: string;
  routing(): Routing | undefined;
  log(): PredictionSink | undefined;
  /** Told what the cache did for each request to a deployment with a cache (for /metrics). */
  cacheOutcome?(outcome: CacheOutcome): void;
  /** Told of each cache read or write that failed (for /metrics). */
  cacheFailed?(): void;
}

/** Each runner's retrieval, read once from its bundle (or why it has none). */
const retrievals = new WeakMap<ModelRunner, Retrieval | { problem: string }>();

export function retrievalOfRunner(runner: ModelRunner): Retrieval | { problem: string } {
  let r = retrievals.get(runner);
  if (!r) {
    try {
      const bytes = readBundleRetrieval(runner);
      r = bytes
        ? Retrieval.deserialize(bytes)
        : {
            problem: `${runner.meta.model} version ${runner.version} has no user and item embeddings: /v1/recommend serves bpr, matrix_factorization and two_tower models`,
          };
    } catch (e) {
      r = {
        problem: `the retrieval file of version ${runner.version} cannot be read: ${(e as Error).message}`,
      };
    }
    retrievals.set(runner, r);
  }
  return r;
}

const json = (reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply =>
  reply.code(status).send(body);

export function registerRecommendRoute(app: FastifyInstance, ctx: RecommendContext): void {
  // one connection per cache setting the pointer has named; a changed setting opens a new one
  const caches = new Map<string, RecommendCache>();
  const cacheOf = (config: RecommendCache["config"]): RecommendCache => {
    const id = JSON.stringify(config);
    let c = caches.get(id);
    if (!c) {
      for (const old of caches.values()) old.close();
      caches.clear();
      c = new RecommendCache(config);
      caches.set(id, c);
    }
    return c;
  };
  app.addHook("onClose", async () => {
    for (const c of caches.values()) c.close();
    caches.clear();
  });
  app.post("/v1/recommend", async (req, reply) => {
    const received = Date.now();
    const routing = ctx.routing();
    if (!routing) return json(reply, 503, { error: "not_ready", message: "the model is still loading" });
    const q = parseRecommendQuery(req.body);
    if ("message" in q)
      return json(reply, 400, {
        error: "invalid_request",
        ...(q.field ? { field: q.field } : {}),
        message: q.message,
      });
    // a canary or an experiment arm answers the users its key sends to it, as /v1/predict does
    const group = recommendArm(routing, q.user);
    const runner = group.runner;
    const routed = routing.rollout?.kind === "canary" || routing.experiment !== undefined;
    const served = routed
      ? { ...(group.experiment !== undefined ? { experiment: group.experiment } : {}), arm: group.arm }
      : {};
    const retrieval = retrievalOfRunner(runner);
    if ("problem" in retrieval)
      return json(reply, 404, { error: "no_retrieval", message: retrieval.problem });
    const coldStart = routing.pointer.cold_start;
    // `rerank`: a known user's top candidates are re-ordered by the ranker (src/serve/recommend-rerank.ts)
    const reranker = routing.rerank;
    const kProblem = rerankKProblem(reranker, q.k);
    if (kProblem) return json(reply, 400, { error: "invalid_request", field: "k", message: kProblem });
    // two-tower cold start: a request's features or new items make it its own answer, never cached
    let problem: (QueryProblem & { status: number }) | undefined;
    let failure: RerankFailure | undefined;
    const compute = async (): Promise<CachedAnswer | undefined> => {
      let r;
      try {
        r = await recommendRanked(retrieval, coldStart, q, reranker);
      } catch (e) {
        if (!(e instanceof RerankFailure)) throw e;
        failure = e;
        return undefined;
      }
      if ("problem" in r) problem = r.problem;
      return "path" in r ? r : undefined;
    };
    const described = q.features !== undefined || q.newItems !== undefined;
    const config = described ? undefined : routing.pointer.cache;
    let out: CachedAnswer | undefined;
    let cache: CacheOutcome | undefined;
    if (config) {
      const key = cacheKey(config.store.prefix, {
        deployment: ctx.deployment,
        model: runner.meta.model,
        version: runner.version,
        coldStart,
        query: q,
        ...(reranker && routing.pointer.rerank
          ? {
              rerank: {
                model: routing.pointer.rerank.model,
                version: routing.pointer.rerank.version,
                candidates: reranker.candidates,
              },
            }
          : {}),
      });
      ({ answer: out, outcome: cache } = await cachedAnswer(cacheOf(config), key, compute, () =>
        ctx.cacheFailed?.(),
      ));
      ctx.cacheOutcome?.(cache);
    } else out = await compute();
    if (failure)
      return json(reply, 503, { error: "rerank_failed", code: failure.code, message: failure.message });
    if (problem)
      return json(reply, problem.status, {
        error: problem.status === 400 ? "invalid_request" : "no_towers",
        field: problem.field,
        message: problem.message,
      });
    if (!out)
      return json(reply, 404, {
        error: "unknown_user",
        field: "user",
        message: coldStart?.length
          ? `user ${q.user} has no training rows in ${runner.meta.model} version ${runner.version}, and no path of ${ctx.deployment}'s cold_start chain (${coldStart.join(", ")}) could answer`
          : `user ${q.user} has no training rows in ${runner.meta.model} version ${runner.version}, and ${ctx.deployment} declares no cold_start chain`,
        hint: coldStart?.length
          ? "two_tower needs the user's features in the request; end the chain with popularity"
          : "declare cold_start = [popularity] on the deploy block",
      });
    const body = {
      model: runner.meta.model,
      version: runner.version,
      user: q.user,
      path: out.path,
      items: out.items,
      ...(out.reranked ? { reranked: true } : {}),
      ...served,
      ...(cache ? { cache } : {}),
    };
    const log = ctx.log();
    if (log)
      log.append({
        ts: new Date(received).toISOString(),
        request_id: String(req.id),
        deployment: ctx.deployment,
        model_version: runner.version,
        arm: "recommend",
        latency_ms: Date.now() - received,
        index: 0,
        features: JSON.stringify({
          user: q.user,
          k: q.k,
          exclude_seen: q.excludeSeen,
          ...(q.features !== undefined ? { features: q.features } : {}),
          ...(q.newItems !== undefined ? { new_items: q.newItems.length } : {}),
          ...(q.filter !== undefined ? { filter: q.filter } : {}),
        }),
        output: JSON.stringify({
          path: out.path,
          items: out.items,
          ...(out.reranked ? { reranked: true } : {}),
          ...served,
          ...(cache ? { cached: cache === "hit" } : {}),
        }),
      });
    return body;
  });
}
