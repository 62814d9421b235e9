// Ensembles of other models: `algorithm = stack([a, b], meta = logistic)` and
// `vote([a, b], weights = [2, 1])`. The members are model blocks of the project (graph edges: the
// ensemble retrains when a member changes); the model kind's checks (src/kinds/model/ensemble-language.ts)
// hold them to one task, one split and the ensemble's features; src/ml/ensemble/ fits and exports them.
import { d, t } from "../schema/type-builders.js";
import { registerBuiltin } from "./registry.js";
import type { FunctionBuiltin } from "./types.js";

/** The algorithms that combine model blocks rather than fit an estimator of their own. */
export const ENSEMBLE_ALGORITHMS: readonly string[] = ["stack", "vote"];

const members = {
  name: "members",
  type: t.list(t.ref("model"), 2),
  required: true,
  doc: "the model blocks combined (at least two), each with the ensemble's task, split and features block",
} as const;

for (const b of [
  {
    family: "algorithm",
    name: "stack",
    returns: "any",
    doc: "A stacked ensemble: each member is fitted out of fold on the training rows (`folds` folds, seeded) and a meta learner (`logistic` for classify, `linear` for regress) learns from those predictions; served, the members' full fits feed the meta learner. One ONNX graph holds the shared preprocessing, the members and the meta learner. It takes no `params`: they are its members' (MLC1236). See specs/ensembles.md.",
    params: [
      members,
      {
        name: "meta",
        type: t.enum("logistic", "linear"),
        required: false,
        doc: "the meta learner: `logistic` for a classify task (binary or multiclass), `linear` for regress; default the one that suits the task",
      },
      {
        name: "folds",
        type: t.int(2, 20),
        required: false,
        default: d.number(5),
        doc: "the out-of-fold folds over the training rows that make the meta learner's inputs",
      },
    ],
  },
  {
    family: "algorithm",
    name: "vote",
    returns: "any",
    doc: "A voting ensemble: a classify task averages the members' probabilities (soft vote), a regress task their predictions, each weighted by `weights` (default equal). One ONNX graph holds the shared preprocessing and the members. It takes no `params`: they are its members' (MLC1236). See specs/ensembles.md.",
    params: [
      members,
      {
        name: "weights",
        type: t.list(t.number(0)),
        required: false,
        doc: "one non-negative weight per member, in order, not all zero (normalised to sum to 1); default equal",
      },
    ],
  },
] satisfies FunctionBuiltin[])
  registerBuiltin(b);
