// `source … { review = DEPLOYMENT }`: checked at validate (unknown deployment with a suggestion,
// conflicting attributes, no dependency on the deployment), loaded from the review queue at apply
// (one row per labelled event), and fingerprinted so a new label is a data change in the plan.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadTable } from "../../src/data/table-artifact.js";
import { ReviewQueue, type FlaggedEvent } from "../../src/registry/review-queue.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { check } from "../compiler/check-helpers.js";

const MODEL = `
source sensors {
  file = "data/s.csv"
  schema { V1 = int  V2 = int }
}
features readings {
  from = sensors
  v1   = V1
  v2   = V2
}
split parts {
  from   = readings
  method = random
  train  = 60%
  valid  = 20%
  test   = 20%
}
model detector {
  task      = detect_anomalies()
  data      = parts
  features  = readings.*
  algorithm = isolation_forest
  params { trees = 10 }
}
deploy anomaly_api {
  model = detector
}
`;

const flagged = (id: string, v1: number): FlaggedEvent => ({
  event_id: id,
  deployment: "anomaly_api",
  model: "detector",
  model_version: 1,
  time: "2026-12-01T10:00:00.000Z",
  origin: "rest",
  features: { V1: v1, V2: 3 },
  score: 0.7,
  threshold: 0.6,
});

describe("review sources at validate", () => {
  it("suggests the deployment meant by an unknown name", () => {
    const r = check(MODEL + `source reviews {\n  review = anomaly_ap\n}\n`);
    const d = r.diagnostics.find((x) => x.message === "unknown deploy `anomaly_ap`");
    expect(d?.code).toBe("MLC1105");
    expect(d?.hint).toBe("did you mean `anomaly_api`?");
  });

  it("refuses a review source that also reads a file or sets file-only attributes", () => {
    const both = check(MODEL + `source reviews {\n  review = anomaly_api\n  file = "data/s.csv"\n}\n`);
    expect(both.diagnostics.map((d) => [d.code, d.message])).toContainEqual([
      "MLC1126",
      "a source reads a `file`, a `connection` or a deployment's `review` labels, only one of them",
    ]);
    const delim = check(MODEL + `source reviews {\n  review = anomaly_api\n  delimiter = ";"\n}\n`);
    expect(delim.diagnostics.map((d) => d.message)).toContain(
      "`delimiter` does not apply to a review source (its rows come from the review queue)",
    );
    const model = check(MODEL + `source reviews {\n  review = detector\n}\n`);
    expect(model.diagnostics.map((d) => d.message)).toContain(
      "`detector` is a model block; expected a deploy",
    );
  });

  it("refuses the reviews of a deployment whose model is not an anomaly model", () => {
    const r = check(
      MODEL.replace("task      = detect_anomalies()", "task      = regress(V2)") +
        `source reviews {\n  review = anomaly_api\n}\n`,
    );
    expect(r.diagnostics.map((d) => [d.code, d.message])).toContainEqual([
      "MLC1130",
      "deploy `anomaly_api` serves `detector`, a `regress` model: only anomaly deployments (`detect_anomalies`) flag events for review",
    ]);
  });

  it("lets the deployed model's own pipeline read its reviews: naming the deployment adds no dependency", () => {
    const r = check(
      MODEL.replace("features readings {\n  from = sensors", "features readings {\n  from = reviews") +
        `source reviews {\n  review = anomaly_api\n  schema { V1 = int  V2 = int }\n}\n`,
    );
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("review sources at plan and apply", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "mlc-review-source-"));
    mkdirSync(join(dir, "data"));
    const rows = Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 11}`);
    writeFileSync(join(dir, "data/s.csv"), `V1,V2\n${rows.join("\n")}\n`);
    writeFileSync(
      join(dir, "main.mlspec"),
      MODEL + `source reviews {\n  review = anomaly_api\n  schema { V1 = int  V2 = int }\n}\n`,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const applyReviews = async () => {
    const logs: string[] = [];
    const out = await applyProject(dir, { log: (m) => logs.push(m), targets: ["source.reviews"] });
    expect(out.ok).toBe(true);
    if (out.ok)
      expect(out.result.outcomes.map((o) => [o.id, o.status, o.error])).toEqual([
        ["source.reviews", "ok", undefined],
      ]);
    return logs;
  };

  const reviewTable = async () => {
    const state = await openState(dir);
    try {
      const rec = await state.getNode("source.reviews");
      return await loadTable(openArtifacts(dir), rec!.result!.artifacts.table!);
    } finally {
      await state.close();
    }
  };

  it("reads the labelled events (latest label each) and shows a new label as a data change", async () => {
    await applyReviews();
    expect((await reviewTable()).numRows()).toBe(0);

    const state = await openState(dir);
    const q = new ReviewQueue(state.records);
    await q.add(flagged("ev-1", 40));
    await q.add(flagged("ev-2", 41));
    await q.add(flagged("ev-3", 42));
    await q.label("ev-1", "anomaly_api", {
      label: "normal",
      note: "first",
      reviewer: "ana",
      at: "2026-12-02T09:00:00.000Z",
    });
    await q.label("ev-1", "anomaly_api", {
      label: "anomaly",
      note: "valve stuck",
      reviewer: "bo",
      at: "2026-12-02T10:00:00.000Z",
    });
    await q.label("ev-3", "anomaly_api", {
      label: "normal",
      note: "",
      reviewer: "ana",
      at: "2026-12-02T11:00:00.000Z",
    });
    await state.close();

    const plan = await planProject(dir);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    const change = plan.plan.changes.find((c) => c.id === "source.reviews")!;
    expect(change.action).not.toBe("noop");
    expect(change.reasons).toContainEqual(
      expect.objectContaining({
        type: "data_changed",
        description: "reviews of anomaly_api",
        after: expect.objectContaining({ rows: 2 }),
      }),
    );

    await applyReviews();
    const t = await reviewTable();
    expect(t.columnNames()).toEqual([
      "event_id",
      "label",
      "anomaly",
      "note",
      "reviewer",
      "reviewed_at",
      "model_version",
      "score",
      "threshold",
      "flagged_at",
      "V1",
      "V2",
    ]);
    expect(t.objects().map((r) => [r.event_id, r.label, r.anomaly, r.note, r.reviewer, r.V1])).toEqual([
      ["ev-1", "anomaly", true, "valve stuck", "bo", 40],
      ["ev-3", "normal", false, null, "ana", 42],
    ]);

    const again = await planProject(dir);
    if (!again.ok) throw new Error("plan failed");
    expect(again.plan.changes.find((c) => c.id === "source.reviews")!.action).toBe("noop");

    // an event field named like a review column fails the node, naming the event and the column
    const st = await openState(dir);
    const queue = new ReviewQueue(st.records);
    await queue.add({ ...flagged("ev-9", 1), features: { V1: 1, V2: 2, label: "x" } });
    await queue.label("ev-9", "anomaly_api", { label: "anomaly", at: "2026-12-02T12:00:00.000Z" });
    await st.close();
    const bad = await applyProject(dir, { log: () => undefined, targets: ["source.reviews"] });
    if (!bad.ok) throw new Error("apply did not run");
    const failed = bad.result.outcomes.find((o) => o.id === "source.reviews")!;
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe(
      "reviews of anomaly_api: event 'ev-9' has a field `label`, the name of a review column",
    );
    expect(failed.diagnostic?.code).toBe("MLC2101");
  });
});
