// `init = champion` and `checkpoint { every = N }` inside a model: the schema and the checks the
// language makes of them (the algorithm can warm start or checkpoint; no search or kfold beside a
// warm start). The runtime half is warm-start.ts; the learners read `FitContext.init` / `.checkpoint`.
import { algorithmName } from "../../compiler/checker/params.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { t } from "../../compiler/schema/type-builders.js";
import type { AttributeSchema, NestedBlockSchema } from "../../compiler/schema/types.js";
import { algorithmParams, algorithmsWithParams } from "../../ir/params/index.js";

export const initAttribute: AttributeSchema = {
  name: "init",
  type: t.enum("scratch", "champion"),
  required: false,
  doc: "where training starts: `scratch` (the default) or `champion`, a warm start from the model's champion version: a GBDT boosts on from its trees, an MLP, autoencoder, matrix factorisation or BPR model fine-tunes its weights; an MLP also continues an imported ONNX champion whose graph is a plain MLP of its layer sizes. Without a champion yet the model trains from scratch; the plan says which (`warm start from version N`), the version records its `parent`, and a champion of other features, classes or layers fails with MLC2460",
};

export const checkpointBlock: NestedBlockSchema = {
  kind: "checkpoint",
  doc: "Checkpoints of the final fit: every `every` iterations (GBDT rounds; epochs of BPR and of the neural learners mlp, autoencoder, matrix_factorization and two_tower) the training state (trees, tables or weights with Adam's moments, margins, the random generator) is written to the artifact store; an apply that was killed resumes from the last one and gives the same model bytes. The checkpoints are removed when the version is stored (and `mlc gc` removes any left behind).",
  multiple: false,
  attributes: [
    {
      name: "every",
      type: t.int(1),
      required: true,
      doc: "iterations (boosting rounds, epochs) between two checkpoints",
    },
  ],
  nested: [],
};

const CODES = {
  notWarmStartable: "MLC1240",
  warmStartConflict: "MLC1241",
  noCheckpoints: "MLC1242",
} as const;

const able = (f: "warmStart" | "checkpoints"): string =>
  algorithmsWithParams()
    .filter((a) => a[f])
    .map((a) => a.algorithm)
    .join(", ");

/** `init = champion` needs an algorithm that can continue, and neither a search nor kfold folds beside it. */
export function checkWarmStart(ctx: KindCheckContext, kfold: { split?: string; kfold: boolean }): void {
  const init = ctx.attribute("init");
  const algorithm = algorithmName(ctx.attribute("algorithm"));
  const specs = algorithm === undefined ? undefined : algorithmParams(algorithm);
  if (init?.type === "ref" && init.path[0] === "champion") {
    if (specs && !specs.warmStart)
      ctx.report(
        CODES.notWarmStartable,
        init.span,
        algorithm === "onnx"
          ? "an imported ONNX model cannot warm start: mlc evaluates and serves it, it does not train it"
          : `${algorithm} cannot warm start from its champion`,
        {
          hint:
            algorithm === "onnx"
              ? "to fine-tune an imported MLP, make this import the champion, then set `algorithm = mlp` (its layer sizes) with `init = champion`"
              : `warm starts work with ${able("warmStart")}; remove \`init = champion\``,
        },
      );
    const tune = ctx.nested("tune")[0];
    if (tune)
      ctx.report(
        CODES.warmStartConflict,
        tune.kindSpan,
        "a search fits its trials from scratch, so it cannot sit beside `init = champion`",
        { hint: "fix the params found by an earlier search, or remove `init = champion`" },
      );
    if (kfold.kfold)
      ctx.report(
        CODES.warmStartConflict,
        init.span,
        `\`init = champion\` with kfold split \`${kfold.split}\`: the folds would be cross-validated from scratch and the model warm`,
        { hint: "use a split with valid and test parts" },
      );
  }
  const checkpoint = ctx.nested("checkpoint")[0];
  if (checkpoint && specs && !specs.checkpoints)
    ctx.report(
      CODES.noCheckpoints,
      checkpoint.kindSpan,
      algorithm === "onnx"
        ? "an imported ONNX model writes no training checkpoints: mlc does not train it"
        : `${algorithm} does not write training checkpoints (only boosting rounds and training epochs are checkpointed)`,
      { hint: `checkpoints work with ${able("checkpoints")}; remove the checkpoint block` },
    );
}
