// `rerank = RANKER` and `candidates = 100` on a deploy block: /v1/recommend takes the top `candidates`
// items of the retrieval model and answers the best `k` of them by the ranker's scores (a model with
// a `history { … }` block, src/kinds/model/rerank-language.ts). The language checks: MLC1211 the ranker
// is not a re-ranker, MLC1212 `candidates` out of bounds (1–1000, at least the ranker's task k) or
// without `rerank`, MLC1213 `rerank` on a deployment that answers no /v1/recommend or whose package
// would not carry the ranker (container, serverless). The executor reads the settings into the
// pointer (`rerankSettingsOf`).
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { isRef } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure, type ExecContext, type NodeResult } from "../../ir/executor.js";
import { RerankHistory } from "../../ml/recommend/rerank-features.js";
import { Retrieval } from "../../ml/recommend/retrieval.js";
import { DEFAULT_CANDIDATES, MAX_CANDIDATES, type RerankConfig } from "../../serve/recommend-config.js";
import { publishModelBundle } from "./model-bundle.js";
import { rankTaskOf, rerankerProblem } from "../model/rerank-language.js";
import { modelAlgorithm, RETRIEVAL_ALGORITHMS } from "./cold-start.js";

export function checkRerank(ctx: KindCheckContext, model: string): void {
  const rerank = ctx.attribute("rerank");
  const candidates = ctx.attribute("candidates");
  if (!rerank) {
    if (candidates)
      ctx.report(
        CheckCode.rerankCandidates,
        candidates.span,
        `deployment \`${ctx.name}\` sets candidates, which only a re-ranking stage reads, and has no \`rerank\``,
        { hint: "add rerank = RANKER (a model with a history block), or remove candidates" },
      );
    return;
  }
  const serve = ctx.attribute("serve");
  const target = serve?.type === "call" ? serve.callee : serve?.type === "ref" ? serve.path[0] : undefined;
  // a container image or a serverless package carries the model's bundle alone: without the
  // ranker's, its /v1/recommend would answer unranked lists, so only `rest` re-ranks
  if (target !== undefined && target !== "rest") {
    const what: Record<string, string> = {
      stream: "a stream, which answers no /v1/recommend",
      batch: "a batch file, which answers no /v1/recommend",
      container: "a container, whose image carries the model's bundle but not the ranker's",
      serverless: "a serverless function, whose package carries the model's bundle but not the ranker's",
    };
    ctx.report(
      CheckCode.rerankWithoutRecommend,
      rerank.span,
      `deployment \`${ctx.name}\` serves ${what[target] ?? `over ${target}`}: its re-ranker would never run`,
      {
        hint: "remove rerank, or serve over rest (mlc serve)",
        related: [{ message: "the serving target", span: serve!.span }],
      },
    );
    return;
  }
  const { name, algorithm } = modelAlgorithm(ctx, model);
  if (name && !RETRIEVAL_ALGORITHMS.includes(name)) {
    ctx.report(
      CheckCode.rerankWithoutRecommend,
      rerank.span,
      `deployment \`${ctx.name}\` re-ranks the candidates of /v1/recommend, but model \`${model}\` (\`${name}\`) retrieves none: it has no user and item embeddings`,
      {
        hint: `the deployment's model must be a ${RETRIEVAL_ALGORITHMS.join(", ")} model; the ranker goes in rerank`,
        ...(algorithm ? { related: [{ message: "the model's algorithm", span: algorithm.span }] } : {}),
      },
    );
    return;
  }
  const rankerName = ctx.refName(rerank);
  const ranker = rankerName ? ctx.lookup(rankerName) : undefined;
  if (!ranker || ranker.kind !== "model") return; // an unknown name is the generic ref check's
  const problem = rerankerProblem(ranker);
  if (problem) {
    ctx.report(
      CheckCode.rerankNotRanker,
      rerank.span,
      `deployment \`${ctx.name}\` re-ranks with model \`${rankerName}\`, which is not a re-ranker: ${problem}`,
      {
        hint: "a re-ranker has task = rank(label, group = user, item = item) and a history { user = …, item = …, category = … } block",
        related: [{ message: "the ranker", span: ranker.nameSpan ?? ranker.kindSpan }],
      },
    );
    return;
  }
  if (rankerName === model)
    ctx.report(
      CheckCode.rerankNotRanker,
      rerank.span,
      `deployment \`${ctx.name}\` re-ranks with its own model \`${model}\``,
      {
        hint: "rerank names a second model, the ranker",
      },
    );
  if (!candidates) return;
  const k = rankTaskOf(ranker)?.k ?? 10;
  const value = candidates.type === "number" ? candidates.value : NaN;
  if (!Number.isInteger(value)) return; // not a whole number: the attribute's type check says so
  if (!(value >= 1 && value <= MAX_CANDIDATES))
    ctx.report(
      CheckCode.rerankCandidates,
      candidates.span,
      `candidates must be a whole number from 1 to ${MAX_CANDIDATES}`,
      {
        hint: `the default is ${DEFAULT_CANDIDATES}`,
      },
    );
  else if (value < k)
    ctx.report(
      CheckCode.rerankCandidates,
      candidates.span,
      `candidates = ${value} is below the k = ${k} model \`${rankerName}\` is evaluated at: the re-ranker would order fewer items than its metrics measure`,
      { hint: `set candidates to at least ${k}` },
    );
}

/** The pointer's `rerank` settings of a deploy node: the ranker's name and the candidates, or undefined. */
export function rerankSettingsOf(
  attributes: { [k: string]: Json },
  deployment: string,
): { model: string; candidates: number } | undefined {
  const r = attributes.rerank;
  if (r === undefined || r === null) return undefined;
  if (!isRef(r)) throw new NodeFailure(`deploy ${deployment}: rerank must name a model`, { code: "MLC2482" });
  const c = attributes.candidates ?? DEFAULT_CANDIDATES;
  if (typeof c !== "number" || !Number.isInteger(c) || c < 1 || c > MAX_CANDIDATES)
    throw new NodeFailure(
      `deploy ${deployment}: candidates must be a whole number from 1 to ${MAX_CANDIDATES}`,
      {
        code: "MLC2482",
      },
    );
  return { model: r.$ref[0]!, candidates: c };
}

/**
 * Publishes the ranker's version beside the deployment's model (`<ranker>-v<N>`, as an experiment
 * arm's bundle is) and returns the pointer's `rerank`. MLC2482: the ranker has no result, its version
 * no history file, or its history knows none of the retrieval model's catalogue (other keys).
 */
export async function publishReranker(
  ctx: ExecContext,
  deployment: string,
  settings: { model: string; candidates: number },
  retrieval: NodeResult,
): Promise<RerankConfig> {
  const fail = (message: string, hint?: string): never => {
    throw new NodeFailure(`deploy ${deployment}: ${message}`, { code: "MLC2482", ...(hint ? { hint } : {}) });
  };
  const ranker = ctx.inputs.get(`model.${settings.model}`);
  if (!ranker) return fail(`rerank model ${settings.model} has no result to deploy`);
  if (!ranker.artifacts.history)
    fail(
      `rerank model ${settings.model} has no history file: it is not a re-ranker (a model with a history { … } block)`,
      `re-train it (mlc apply --replace model.${settings.model})`,
    );
  const published = await publishModelBundle(ctx, deployment, settings.model, ranker, true);
  const history = RerankHistory.deserialize(await ctx.artifacts.get(ranker.artifacts.history!));
  if (retrieval.artifacts.retrieval) {
    const catalogue = Retrieval.deserialize(await ctx.artifacts.get(retrieval.artifacts.retrieval)).catalogue;
    if (catalogue.length > 0 && !catalogue.some((item) => history.knowsItem(item)))
      fail(
        `the history of ${settings.model} version ${published.version} knows none of the ${catalogue.length} items the retrieval model recommends: its history.item column (${history.columns.item}) does not hold the retrieval model's item index values`,
        "name the column the retrieval model's item feature is computed from in history.item",
      );
  }
  return {
    model: settings.model,
    version: published.version,
    bundle: published.bundle,
    candidates: settings.candidates,
  };
}
