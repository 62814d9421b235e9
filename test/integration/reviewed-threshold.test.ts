// Closing the review loop in the anomaly example as it is: the Shuttle forest's `threshold =
// precision(0.9, on = reviews)` is calibrated on the labelled validation rows plus the events reviewers
// labelled (`source reviews { review = radiator_watch }`). Labels added to the review queue show in
// `mlc plan` as a data change of the review source that re-runs the model, and the next apply lowers the
// threshold exactly as the confirmed anomalies, scored by the new model, say; the deployment ships that
// version with the new threshold.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { precisionThreshold } from "../../src/ml/anomaly-threshold.js";
import { ReviewQueue } from "../../src/registry/review-queue.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { loadTable } from "../../src/data/table-artifact.js";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { scoreTable } from "../../src/serve/batch-score.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";

const COLS = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9"] as const;

describe("threshold calibrated on reviewed labels", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-reviewed-threshold-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const modelResult = async () => {
    const state = await openState(dir);
    try {
      return (await state.getNode("model.isolation"))!.result!;
    } finally {
      await state.close();
    }
  };

  it("re-runs the model when labels arrive and calibrates precision(0.9) on them", async () => {
    cpSync(resolve(__dirname, "../../examples/anomaly"), dir, {
      recursive: true,
      filter: (s) => !s.includes(".mlc"),
    });
    // the example as it is, without the autoencoder (which does not read the reviews)
    const spec = join(dir, "shuttle.mlspec");
    const text = readFileSync(spec, "utf8");
    expect(text).toContain("threshold = precision(0.9, on = reviews)");
    expect(text).toMatch(/source reviews \{\n {2}review = radiator_watch\n/);
    writeFileSync(spec, text.replace(/model reconstruction \{[\s\S]*?\n\}\n/, ""));
    const first = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(first.ok && first.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const before = await modelResult();
    const t1 = before.summary!.anomaly_threshold as number;
    const artifacts = openArtifacts(dir);
    const bytes = await artifacts.get(before.artifacts.valid_predictions!);
    const valid = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const validTable = await loadTable(artifacts, before.artifacts.valid_table!);
    const validY = (validTable.array("anomaly") as string[]).map((v) => (v === "yes" ? 1 : 0));
    // no reviews yet: the validation rows alone
    expect(precisionThreshold(valid, validY, 0.9)).toEqual({ threshold: t1 });

    // the deployed version flagged events; reviewers confirm 80 known anomalies the model scores highest
    const pointer = readDeployment(dir, "radiator_watch")!;
    const bundle = loadBundle(resolveBundlePath(dir, pointer.bundle));
    const [head, ...lines] = readFileSync(join(dir, "data/shuttle.csv"), "utf8").trim().split(/\r?\n/);
    const names = head!.split(",");
    const rows = lines.map((l) => {
      const v = l.split(",");
      return Object.fromEntries(names.map((n, i) => [n, n === "anomaly" ? v[i] : Number(v[i])]));
    });
    expect(rows.length).toBe(3000);
    const anomalies = rows
      .filter((r) => r.anomaly === "yes")
      .map((r) => Object.fromEntries(COLS.map((c) => [c, r[c]])));
    const scored = await scoreTable(bundle, anomalies);
    const scores = scored.scores;
    const top = [...anomalies.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, 80);
    const state = await openState(dir);
    try {
      const q = new ReviewQueue(state.records);
      for (const i of top) {
        await q.add({
          event_id: `ev-${i}`,
          deployment: "radiator_watch",
          model: "isolation",
          model_version: pointer.version,
          time: "2026-12-03T10:00:00.000Z",
          origin: "stream",
          features: anomalies[i]!,
          score: scores[i]!,
          threshold: t1,
        });
        await q.label(`ev-${i}`, "radiator_watch", { label: "anomaly", at: "2026-12-03T11:00:00.000Z" });
      }
    } finally {
      await state.close();
    }

    // the plan says why: the reviews changed, and the model reading them runs again
    const plan = await planProject(dir);
    if (!plan.ok) throw new Error("plan failed");
    const reviews = plan.plan.changes.find((c) => c.id === "source.reviews")!;
    expect(reviews.reasons).toContainEqual(
      expect.objectContaining({
        type: "data_changed",
        description: "reviews of radiator_watch",
        after: expect.objectContaining({ rows: 80 }),
      }),
    );
    const model = plan.plan.changes.find((c) => c.id === "model.isolation")!;
    expect(model.action).not.toBe("noop");
    expect(JSON.stringify(model.reasons)).toContain("source.reviews");

    const second = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(second.ok && second.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const after = await modelResult();
    const t2 = after.summary!.anomaly_threshold as number;
    // the confirmed anomalies, scored by the new model, join the validation rows
    const v2 = readDeployment(dir, "radiator_watch")!;
    const bundle2 = loadBundle(resolveBundlePath(dir, v2.bundle));
    const rescored = (
      await scoreTable(
        bundle2,
        top.map((i) => anomalies[i]!),
      )
    ).scores;
    const expected = precisionThreshold(
      [...valid, ...Array.from(rescored, Number)],
      [...validY, ...top.map(() => 1)],
      0.9,
    );
    expect(expected).toEqual({ threshold: t2 });
    expect(t2).toBeLessThan(t1);
    expect(v2.version).toBeGreaterThan(pointer.version);
    expect(bundle2.meta.task).toEqual({ kind: "anomaly", threshold: t2 });
  }, 180_000);
});
