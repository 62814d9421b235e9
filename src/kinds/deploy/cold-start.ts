// `cold_start = [two_tower, popularity]` on a deploy block: the chain /v1/recommend tries for a user
// the model's retrieval file does not know. The language accepts it only for a model with a retrieval
// file (MLC1185), and its `two_tower` path only for a two_tower model, the one whose file keeps
// towers to compute a vector from features (MLC1200); the executor reads it into the deployment pointer.
import type { BodyItem } from "../../compiler/ast.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { nameArg } from "../../data/transforms/support.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import { COLD_START_PATHS, type ColdStartPath } from "../../serve/recommend-config.js";

/** The algorithms whose versions carry a retrieval file (src/kinds/model/retrieval-artifact.ts). */
export const RETRIEVAL_ALGORITHMS: readonly string[] = ["bpr", "matrix_factorization", "two_tower"];

/** The algorithm a model block names (undefined when it cannot be told) and its attribute. */
export function modelAlgorithm(
  ctx: KindCheckContext,
  model: string,
): { name: string | undefined; algorithm: BodyItem | undefined } {
  const block = ctx.lookup(model);
  if (!block) return { name: undefined, algorithm: undefined };
  const algorithm = block.body.find((i) => i.type === "attribute" && i.name === "algorithm");
  const value = algorithm?.type === "attribute" ? algorithm.value : undefined;
  // without the attribute a model is a gbdt (the schema's default)
  const name = !value
    ? "gbdt"
    : value.type === "call"
      ? value.callee
      : value.type === "ref" && value.path.length === 1
        ? value.path[0]
        : undefined;
  return { name, algorithm };
}

/**
 * MLC1185: a cold-start chain on a deployment whose model has no retrieval (not a factorisation
 * model); MLC1200: its `two_tower` path for a model that is not a two_tower model.
 */
export function checkColdStart(ctx: KindCheckContext, model: string): void {
  const coldStart = ctx.attribute("cold_start");
  if (!coldStart) return;
  const { name, algorithm } = modelAlgorithm(ctx, model);
  if (!name) return;
  const related = algorithm ? { related: [{ message: "the model's algorithm", span: algorithm.span }] } : {};
  if (RETRIEVAL_ALGORITHMS.includes(name)) {
    const items = coldStart.type === "list" ? coldStart.items : [coldStart];
    const tower = items.find((i) => i.type === "ref" && i.path.length === 1 && i.path[0] === "two_tower");
    if (tower && name !== "two_tower")
      ctx.report(
        CheckCode.twoTowerColdStartWithoutTowers,
        tower.span,
        `deployment \`${ctx.name}\`'s cold_start chain names \`two_tower\`, but model \`${model}\` is a \`${name}\` model: it has no towers to compute a user's or item's vector from features`,
        {
          hint: "use `algorithm = two_tower` with user_features and item_features, or remove two_tower from the chain",
          ...related,
        },
      );
    return;
  }
  ctx.report(
    CheckCode.coldStartWithoutRetrieval,
    coldStart.span,
    `deployment \`${ctx.name}\` declares a cold-start chain, but model \`${model}\` (\`${name}\`) has no user and item embeddings to recommend from`,
    {
      hint: `cold_start applies to ${RETRIEVAL_ALGORITHMS.join(", ")} models; remove it or change the model's algorithm`,
      ...related,
    },
  );
}

/** The chain of a deploy node's `cold_start`, or undefined without one. */
export function coldStartOf(value: Json | undefined, deployment: string): ColdStartPath[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => {
    const name = nameArg(v);
    if (!name || !(COLD_START_PATHS as readonly string[]).includes(name))
      throw new NodeFailure(
        `deploy ${deployment}: cold_start has an unknown path ${JSON.stringify(v)} (known: ${COLD_START_PATHS.join(", ")})`,
        { code: "MLC2302" },
      );
    return name as ColdStartPath;
  });
}
