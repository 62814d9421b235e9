// The anomaly example's isolation forest through apply with a batch deployment: the decision threshold
// is the validation scores' (1 − contamination) quantile, recorded with the version and the bundle, and
// every scored row carries `anomaly` = score ≥ threshold; a precision target on the labelled validation rows,
// and precision_at_k at the task's k, read by a gate.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contaminationThreshold, precisionThreshold } from "../../src/ml/anomaly-threshold.js";
import { precisionAtK } from "../../src/ml/metrics/index.js";
import { loadTable } from "../../src/data/table-artifact.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";

/** The example's threshold line, with the comment above it. */
const THRESHOLD = /\n(?: {2}#.*\n)* {2}threshold = precision\(0\.9, on = reviews\)/;
/** The example's review source, with the comment above it. */
const REVIEWS = /\n(?:#.*\n)*source reviews \{[\s\S]*?\n\}\n/;

describe("anomaly decisions", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-anomaly-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("calibrates the threshold on validation scores at the task's contamination and decides every scored row", async () => {
    cpSync(resolve(__dirname, "../../examples/anomaly"), dir, {
      recursive: true,
      filter: (s) => !s.includes(".mlc"),
    });
    const spec = join(dir, "shuttle.mlspec");
    // the forest only (the autoencoder is not needed here), with a 5% contamination instead of the
    // example's threshold on reviewed labels
    writeFileSync(
      spec,
      readFileSync(spec, "utf8")
        .replace(/model reconstruction \{[\s\S]*?\n\}\n/, "")
        .replace(THRESHOLD, "")
        .replace(
          "model isolation {\n  task      = detect_anomalies(label = anomaly)",
          "model isolation {\n  task      = detect_anomalies(label = anomaly, contamination = 0.05)",
        ),
    );
    appendFileSync(
      spec,
      `
deploy shuttle_scores {
  model = isolation
  when  = usable
  serve = batch { input = sensors, output = "out/scores.csv" }
}
`,
    );
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);

    const state = await openState(dir);
    let threshold: number;
    try {
      const model = (await state.getNode("model.isolation"))!.result!;
      const bytes = await openArtifacts(dir).get(model.artifacts.valid_predictions!);
      const valid = new Float64Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      threshold = contaminationThreshold(valid, 0.05)!;
      expect(model.summary!.anomaly_threshold).toBe(threshold);
      expect(model.metrics!.anomaly_threshold).toBe(threshold);
    } finally {
      await state.close();
    }
    const pointer = readDeployment(dir, "shuttle_scores")!;
    expect(loadBundle(resolveBundlePath(dir, pointer.bundle)).meta.task).toEqual({
      kind: "anomaly",
      threshold,
    });

    const [head, ...rows] = readFileSync(join(dir, "out/scores.csv"), "utf8").trim().split("\n");
    expect(head).toBe("score,anomaly,threshold");
    expect(rows).toHaveLength(3000);
    let flagged = 0;
    for (const r of rows) {
      const [score, anomaly, t] = r.split(",");
      expect(Number(t)).toBe(threshold);
      expect(anomaly).toBe(String(Number(score) >= threshold));
      if (anomaly === "true") flagged++;
    }
    // about the contamination share of all rows (calibrated on the validation fifth)
    expect(flagged / rows.length).toBeGreaterThan(0.02);
    expect(flagged / rows.length).toBeLessThan(0.1);
  }, 120_000);

  it("calibrates threshold = precision(0.9) on the labelled validation rows, and gates on precision_at_k", async () => {
    const d2 = mkdtempSync(join(tmpdir(), "mlc-anomaly-precision-"));
    try {
      cpSync(resolve(__dirname, "../../examples/anomaly"), d2, {
        recursive: true,
        filter: (s) => !s.includes(".mlc"),
      });
      const spec = join(d2, "shuttle.mlspec");
      writeFileSync(
        spec,
        readFileSync(spec, "utf8")
          .replace(/model reconstruction \{[\s\S]*?\n\}\n/, "")
          .replace(THRESHOLD, "")
          // no deployment, so no reviews of it
          .replace(REVIEWS, "")
          .replace(/\ndeploy[\s\S]*$/, "\n")
          .replace(
            "model isolation {\n  task      = detect_anomalies(label = anomaly)",
            "model isolation {\n  task      = detect_anomalies(label = anomaly, k = 20)\n  threshold = precision(0.9)",
          )
          .replace("test.auc >= 0.75", "test.auc >= 0.75\n  test.precision_at_k >= 0.5"),
      );
      const out = await applyProject(d2, { log: () => undefined, parallel: 2 });
      expect(out.ok).toBe(true);
      if (out.ok) expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
      const state = await openState(d2);
      try {
        const model = (await state.getNode("model.isolation"))!.result!;
        const artifacts = openArtifacts(d2);
        const bytes = await artifacts.get(model.artifacts.valid_predictions!);
        const valid = new Float64Array(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        );
        const table = await loadTable(artifacts, model.artifacts.valid_table!);
        const y = (table.array("anomaly") as string[]).map((v) => (v === "yes" ? 1 : 0));
        const expected = precisionThreshold(valid, y, 0.9);
        expect("threshold" in expected).toBe(true);
        if ("threshold" in expected) expect(model.summary!.anomaly_threshold).toBe(expected.threshold);
        // the flagged validation rows reach the target
        const t = model.summary!.anomaly_threshold as number;
        const flagged = [...valid.keys()].filter((i) => valid[i]! >= t);
        expect(flagged.filter((i) => y[i] === 1).length / flagged.length).toBeGreaterThanOrEqual(0.9);
        // precision_at_k is produced at the task's k and the gate read it
        const testPred = await artifacts.get(model.artifacts.test_predictions!);
        const tp = new Float64Array(
          testPred.buffer.slice(testPred.byteOffset, testPred.byteOffset + testPred.byteLength),
        );
        const testTable = await loadTable(artifacts, model.artifacts.test_table!);
        const ty = Float64Array.from(testTable.array("anomaly") as string[], (v) => (v === "yes" ? 1 : 0));
        expect(model.metrics!["test.precision_at_k"]).toBe(precisionAtK(ty, tp, 20));
        const gate = (await state.getNode("gate.usable"))!.result!;
        expect(JSON.stringify(gate)).toContain("precision_at_k");
      } finally {
        await state.close();
      }
    } finally {
      rmSync(d2, { recursive: true, force: true });
    }
  }, 120_000);
  it("fails with MLC2207 when no threshold reaches the precision target on the validation rows", async () => {
    const d3 = mkdtempSync(join(tmpdir(), "mlc-anomaly-unreachable-"));
    try {
      // the labelled anomalies are the most typical rows (the middle), so the highest scores are never they
      const rows = Array.from(
        { length: 400 },
        (_, i) => `${i % 200},${i % 200 >= 90 && i % 200 < 110 ? "yes" : "no"}`,
      );
      mkdirSync(join(d3, "data"));
      writeFileSync(join(d3, "data/points.csv"), ["x,odd", ...rows].join("\n") + "\n");
      writeFileSync(
        join(d3, "points.mlspec"),
        `source points {
  file = "data/points.csv"
  schema {
    x   = int
    odd = category
  }
}

features f {
  from = points
  x2   = x * 1.0
}

split parts {
  from   = f
  method = random
  train  = 60%
  valid  = 20%
  test   = 20%
}

model iso {
  task      = detect_anomalies(label = odd)
  data      = parts
  features  = f.*
  algorithm = isolation_forest
  threshold = precision(0.9)
}
`,
      );
      const out = await applyProject(d3, { log: () => undefined, parallel: 1 });
      expect(out.ok).toBe(true);
      if (!out.ok) return;
      const failed = out.result.outcomes.find((o) => o.id === "model.iso")!;
      expect(failed.status).toBe("failed");
      expect(failed.diagnostic?.code).toBe("MLC2207");
      expect(failed.error).toMatch(
        /^model iso: threshold = precision\(0\.9\) on the \d+ valid rows: no threshold reaches precision 90\.0% \(the best is \d+\.\d%, over \d+ distinct scores\)$/,
      );
    } finally {
      rmSync(d3, { recursive: true, force: true });
    }
  }, 120_000);
});
