// The anomaly example's isolation forest through apply with a batch deployment: the decision threshold
// is the validation scores' (1 − contamination) quantile, recorded with the version and the bundle, and
// every scored row carries `anomaly` = score ≥ threshold.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { contaminationThreshold } from "../../src/ml/anomaly-threshold.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";

describe("anomaly decisions", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-anomaly-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("calibrates the threshold on validation scores at the task's contamination and decides every scored row", async () => {
    cpSync(resolve(__dirname, "../../examples/anomaly"), dir, {
      recursive: true,
      filter: (s) => !s.includes(".mlc"),
    });
    const spec = join(dir, "shuttle.mlspec");
    // the forest only (the autoencoder is not needed here), with a 5% contamination
    writeFileSync(
      spec,
      readFileSync(spec, "utf8")
        .replace(/model reconstruction \{[\s\S]*?\n\}\n/, "")
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
    expect(head).toBe("score,anomaly");
    expect(rows).toHaveLength(3000);
    let flagged = 0;
    for (const r of rows) {
      const [score, anomaly] = r.split(",");
      expect(anomaly).toBe(String(Number(score) >= threshold));
      if (anomaly === "true") flagged++;
    }
    // about the contamination share of all rows (calibrated on the validation fifth)
    expect(flagged / rows.length).toBeGreaterThan(0.02);
    expect(flagged / rows.length).toBeLessThan(0.1);
  }, 120_000);
});
