import { describe, expect, it } from "vitest";
import { predictionColumns } from "../../src/serve/batch-score.js";
import { validateBundleMeta } from "../../src/serve/bundle.js";
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

  it("writes every score with String's digits (the response's bytes), for values never seen before", () => {
    const f = predictionFormatter(fixtureMeta({ task: "regression" }));
    const b = predictionFormatter(fixtureMeta({ task: "binary" }));
    let seed = 11;
    const s = new Float32Array(1);
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      s[0] = (seed / 2 ** 32) * 10 ** ((seed % 17) - 8);
      expect(f.formatJson(s, 0)).toBe(`{"value":${String(s[0])}}`);
      if (i % 10 === 0) expect(b.formatJson(s, 0)).toContain(`:${String(1 - s[0]!)},`);
    }
  });

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

  it("anomaly with a calibrated threshold: the decision and the threshold beside the score, in JSON, batch columns and the bundle", () => {
    const meta = { ...fixtureMeta({ task: "anomaly" }), task: { kind: "anomaly" as const, threshold: 0.5 } };
    expect(validateBundleMeta(meta)).toEqual([]);
    const f = predictionFormatter(meta);
    expect(f.format(scores, 0)).toEqual({ score: 0.25, anomaly: false, threshold: 0.5 });
    expect(f.format(scores, 1)).toEqual({ score: 0.5, anomaly: true, threshold: 0.5 }); // at the threshold
    expect(f.formatJson(scores, 2)).toBe(`{"score":${scores[2]},"anomaly":true,"threshold":0.5}`);
    expect(f.formatJson(scores, 3)).toBe('{"score":null,"anomaly":false,"threshold":0.5}'); // NaN: no evidence
    for (let r = 0; r < scores.length; r++)
      if (r !== 3) expect(f.formatJson(scores, r)).toBe(JSON.stringify(f.format(scores, r)));
    const cols = predictionColumns({ n: scores.length, width: 1, scores, meta });
    expect(cols.anomaly).toEqual([
      "false",
      "true",
      "true",
      "false",
      "false",
      "false",
      "true",
      "false",
      "false",
      "false",
    ]);
    // without a threshold (a version trained before calibration): the score only
    expect(predictionFormatter(fixtureMeta({ task: "anomaly" })).format(scores, 2)).toEqual({
      score: scores[2],
    });
    expect(validateBundleMeta({ ...meta, task: { kind: "anomaly", threshold: "high" } })).toEqual([
      "task.threshold: expected a finite number",
    ]);
  });
});
