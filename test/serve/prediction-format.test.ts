import { describe, expect, it } from "vitest";
import { predictionFormatter } from "../../src/serve/prediction-format.js";
import { fixtureMeta } from "./fixtures.js";

describe("prediction format", () => {
  const scores = Float32Array.from([0.25, 0.5, 0.9, NaN, 0.1, 0.2, 0.7, 0.3, 0.3, 0.4]);
  it.each(["binary", "multiclass", "regression", "anomaly"] as const)(
    "%s: the JSON text equals JSON.stringify of the object",
    (task) => {
      const f = predictionFormatter(fixtureMeta({ task }));
      const rows = task === "multiclass" ? 3 : scores.length;
      for (let r = 0; r < rows; r++)
        expect(f.formatJson(scores, r)).toBe(JSON.stringify(f.format(scores, r)));
    },
  );

  it("labels binary rows by threshold and multiclass rows by argmax", () => {
    const b = predictionFormatter(fixtureMeta({ task: "binary" }));
    expect(b.format(scores, 0)).toEqual({ label: "stay", probabilities: { stay: 0.75, churn: 0.25 } });
    expect(b.label(scores, 1)).toBe("churn"); // p == threshold counts as positive
    const m = predictionFormatter(fixtureMeta({ task: "multiclass" }));
    expect(m.label(scores, 2)).toBe("a"); // [0.7, 0.3, 0.3]
    expect(predictionFormatter(fixtureMeta({ task: "regression" })).format(scores, 2)).toEqual({
      value: scores[2],
    });
  });
});
