// `init = champion` and `checkpoint { every = N }`: accepted where the algorithm can continue or
// checkpoint, refused at validate otherwise (MLC1240–MLC1242), with the plan note's wording.
import { describe, expect, it } from "vitest";
import { check, codes } from "../compiler/check-helpers.js";
import { modelPlanNote } from "../../src/kinds/model/warm-start-note.js";
import type { GraphNode } from "../../src/ir/graph-ir.js";

const project = (
  model: string,
  split = "method = stratified(churned)  train = 70%  valid = 15%  test = 15%",
) => `
source customers {
  file = "data/c.csv"
  schema { tenure = int  monthly = float  churned = bool }
}
features usage { from = customers  spend = monthly  months = tenure }
split holdout { from = usage  ${split} }
model churn {
  task     = classify(churned)
  data     = holdout
  features = usage.*
  ${model}
}
`;

const errors = (text: string) => check(text).diagnostics.filter((d) => d.severity === "error");

describe("warm start and checkpoint language", () => {
  it("accepts init = champion and checkpoints on a GBDT, and both on the neural learners", () => {
    expect(errors(project("init = champion\n checkpoint { every = 20 }"))).toEqual([]);
    expect(errors(project("algorithm = mlp\n init = champion"))).toEqual([]);
    for (const a of ["mlp", "autoencoder", "matrix_factorization", "two_tower"])
      expect(errors(project(`algorithm = ${a}\n checkpoint { every = 5 }`)).map((d) => d.code)).not.toContain(
        "MLC1242",
      );
    expect(errors(project("init = scratch"))).toEqual([]);
  });

  it("refuses a warm start where the algorithm cannot continue, naming the ones that can", () => {
    const forest = errors(project("algorithm = random_forest\n init = champion"));
    expect(codes(forest)).toEqual(["MLC1240"]);
    expect(forest[0]!.message).toMatch(/random_forest cannot warm start/);
    expect(forest[0]!.hint).toMatch(/autoencoder, bpr, gbdt, matrix_factorization, mlp/);
    const onnx = errors(project('algorithm = onnx("m.onnx")\n init = champion'));
    expect(codes(onnx)).toEqual(["MLC1240"]);
    expect(onnx[0]!.message).toMatch(/imported ONNX model cannot warm start/);
    expect(onnx[0]!.hint).toMatch(/set `algorithm = mlp` \(its layer sizes\) with `init = champion`/);
  });

  it("refuses a warm start beside a search or a kfold split", () => {
    const tuned = errors(
      project(
        "init = champion\n params { learning_rate = loguniform(0.01, 0.3) }\n tune { trials = 3  objective = maximize(valid.auc) }",
      ),
    );
    expect(codes(tuned)).toEqual(["MLC1241"]);
    const kfold = errors(project("init = champion", "method = kfold(3)  key = tenure  test = 20%"));
    expect(codes(kfold)).toContain("MLC1241");
  });

  it("refuses checkpoints on a learner that writes none", () => {
    const forest = errors(project("algorithm = random_forest\n checkpoint { every = 5 }"));
    expect(codes(forest)).toEqual(["MLC1242"]);
    expect(forest[0]!.message).toMatch(/random_forest does not write training checkpoints/);
    expect(forest[0]!.hint).toMatch(
      /checkpoints work with autoencoder, bpr, gbdt, matrix_factorization, mlp, two_tower/,
    );
    const onnx = errors(project('algorithm = onnx("m.onnx")\n checkpoint { every = 5 }'));
    expect(codes(onnx)).toEqual(["MLC1242"]);
    expect(onnx[0]!.message).toMatch(/imported ONNX model writes no training checkpoints/);
    expect(codes(errors(project("checkpoint { every = 0 }")))).not.toEqual([]);
  });

  it("notes in the plan where training starts", () => {
    const node = {
      id: "model.churn",
      kind: "model",
      name: "churn",
      config: { init: { $ref: ["champion"] } },
    } as unknown as GraphNode;
    expect(modelPlanNote(node, { champion: 3 })?.text).toBe("warm start from version 3");
    expect(modelPlanNote(node, { champion: null })?.text).toBe("no champion yet: trains from scratch");
    expect(modelPlanNote({ ...node, config: {} }, { champion: 3 })).toBeUndefined();
  });
});
