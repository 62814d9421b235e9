// The model result other kinds read: what the model executor encodes, every reader decodes the same.
import { describe, expect, it } from "vitest";
import { NodeFailure } from "../../src/ir/executor.js";
import { decodeModelResult, inputsJson, taskJson } from "../../src/kinds/model/results.js";

describe("the model result", () => {
  it("round-trips task, inputs, output width, threshold and version", () => {
    const summary = {
      task: taskJson({ kind: "binary", classes: ["no", "yes"] }),
      inputs: inputsJson([
        { name: "plan", type: "category", nullable: false, values: ["a", "b"] },
        { name: "age", type: "float", nullable: true },
      ]),
      output_width: 1,
      threshold: 0.4,
      version: 3,
    };
    expect(decodeModelResult("churn", summary)).toEqual({
      task: { kind: "binary", classes: ["no", "yes"] },
      inputs: [
        { name: "plan", type: "category", nullable: false, values: ["a", "b"] },
        { name: "age", type: "float", nullable: true },
      ],
      outputWidth: 1,
      threshold: 0.4,
      version: 3,
    });
    expect(decodeModelResult("r", { task: taskJson({ kind: "regression" }) })).toEqual({
      task: { kind: "regression" },
      inputs: [],
      outputWidth: 1,
    });
  });

  it("names the model when its result lacks a task or has malformed inputs", () => {
    expect(() => decodeModelResult("churn", {})).toThrow(
      new NodeFailure("model churn recorded no task; re-apply the model"),
    );
    expect(() => decodeModelResult("churn", { task: { kind: "binary", classes: ["x"] } })).toThrow(/no task/);
    expect(() =>
      decodeModelResult("churn", {
        task: { kind: "regression" },
        inputs: [{ name: "a", type: "blob", nullable: true }],
      }),
    ).toThrow("model churn recorded malformed input columns; re-apply the model");
  });
});
