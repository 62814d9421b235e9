// Reads an ensemble model's `algorithm = stack([a, b], meta = logistic, folds = 5)` or
// `vote([a, b], weights = [2, 1])` from its node config (the built-ins of
// src/compiler/builtins/ensembles.ts): the members by name and how they are combined.
import { isCall, isRef } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";

export type EnsembleSpec =
  | { kind: "stack"; members: string[]; meta?: "logistic" | "linear"; folds: number }
  | { kind: "vote"; members: string[]; weights?: number[] };

/** The ensemble an `algorithm` value describes, or undefined when it names a single learner. */
export function readEnsembleSpec(algorithm: Json | undefined, model: string): EnsembleSpec | undefined {
  if (algorithm === undefined || !isCall(algorithm)) return undefined;
  if (algorithm.$call !== "stack" && algorithm.$call !== "vote") return undefined;
  const list = algorithm.named.members ?? algorithm.args[0];
  const members = Array.isArray(list)
    ? list.flatMap((j) => (isRef(j) && j.$ref.length === 1 ? [j.$ref[0]!] : []))
    : [];
  if (!Array.isArray(list) || members.length !== list.length || members.length < 2)
    throw new NodeFailure(`model ${model}: ${algorithm.$call}(…) needs a list of at least two model names`, {
      code: "MLC2450",
    });
  if (algorithm.$call === "vote") {
    const w = algorithm.named.weights ?? algorithm.args[1];
    if (w === undefined) return { kind: "vote", members };
    if (
      !Array.isArray(w) ||
      w.length !== members.length ||
      !w.every((x) => typeof x === "number" && x >= 0) ||
      !w.some((x) => (x as number) > 0)
    )
      throw new NodeFailure(
        `model ${model}: vote(…) weights must be ${members.length} non-negative numbers, not all zero`,
        { code: "MLC2450" },
      );
    return { kind: "vote", members, weights: w as number[] };
  }
  const meta = algorithm.named.meta ?? algorithm.args[1];
  const metaName = meta !== undefined && isRef(meta) ? meta.$ref.join(".") : meta;
  if (metaName !== undefined && metaName !== "logistic" && metaName !== "linear")
    throw new NodeFailure(`model ${model}: stack(…) meta must be logistic or linear`, { code: "MLC2450" });
  const folds = algorithm.named.folds ?? algorithm.args[2] ?? 5;
  if (typeof folds !== "number" || !Number.isInteger(folds) || folds < 2)
    throw new NodeFailure(`model ${model}: stack(…) folds must be an integer of at least 2`, {
      code: "MLC2450",
    });
  return { kind: "stack", members, ...(metaName ? { meta: metaName } : {}), folds };
}
