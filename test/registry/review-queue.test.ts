import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import type { StateStore } from "../../src/ir/state-store.js";
import { ReviewError, ReviewQueue, type FlaggedEvent } from "../../src/registry/review-queue.js";

const flagged = (
  id: string,
  deployment = "anomaly_api",
  time = "2026-12-01T10:00:00.000Z",
): FlaggedEvent => ({
  event_id: id,
  deployment,
  model: "detector",
  model_version: 1,
  time,
  origin: "stream",
  features: { a: 1, b: 40 },
  score: 0.71,
  threshold: 0.6,
  reason_kind: "isolation path bits",
  reasons: [
    { feature: "b", value: 40, contribution: 2.5 },
    { feature: "a", value: 1, contribution: 0.4 },
  ],
});

describe("review queue", () => {
  let store: StateStore;
  let queue: ReviewQueue;
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-review-"));
    store = await openState(dir, { url: join(dir, "state.db") });
    queue = new ReviewQueue(store.records);
  });
  afterEach(() => store.close());

  it("queues a flagged event once per event id", async () => {
    expect(await queue.add(flagged("ev-1"))).toBe(true);
    expect(await queue.add({ ...flagged("ev-1"), score: 0.99 })).toBe(false);
    const items = await queue.list();
    expect(items.map((i) => [i.event_id, i.score])).toEqual([["ev-1", 0.71]]);
    expect(items[0]!.reasons![0]!.feature).toBe("b");
  });

  it("lists newest first, by deployment and unlabelled only", async () => {
    await queue.add(flagged("ev-1", "anomaly_api", "2026-12-01T10:00:00.000Z"));
    await queue.add(flagged("ev-2", "anomaly_api", "2026-12-01T11:00:00.000Z"));
    await queue.add(flagged("ev-3", "other", "2026-12-01T12:00:00.000Z"));
    expect((await queue.list()).map((i) => i.event_id)).toEqual(["ev-3", "ev-2", "ev-1"]);
    expect((await queue.list({ deployment: "anomaly_api" })).map((i) => i.event_id)).toEqual([
      "ev-2",
      "ev-1",
    ]);
    await queue.label("ev-2", undefined, { label: "normal", note: "maintenance window", reviewer: "ana" });
    expect((await queue.list({ unlabelled: true })).map((i) => i.event_id)).toEqual(["ev-3", "ev-1"]);
    expect(await queue.deployments()).toEqual(["anomaly_api", "other"]);
  });

  it("keeps every label and counts the latest", async () => {
    await queue.add(flagged("ev-1"));
    await queue.label("ev-1", "anomaly_api", {
      label: "normal",
      note: "first look",
      at: "2026-12-02T09:00:00.000Z",
    });
    const item = await queue.label("ev-1", "anomaly_api", { label: "anomaly", note: "sensor fault" });
    expect(item.label?.label).toBe("anomaly");
    const again = await queue.get("ev-1");
    expect(again.labels.map((l) => [l.label, l.note])).toEqual([
      ["normal", "first look"],
      ["anomaly", "sensor fault"],
    ]);
    expect(again.label).toEqual(again.labels[1]);
    // by deployment (one record read): the same, and an id that extends this one keeps its own labels
    await queue.add(flagged("ev-1#0"));
    await queue.label("ev-1#0", "anomaly_api", { label: "normal", note: "other event" });
    expect(await queue.get("ev-1", "anomaly_api")).toEqual(again);
    expect((await queue.get("ev-1#0", "anomaly_api")).labels.map((l) => l.note)).toEqual(["other event"]);
  });

  it("refuses unknown ids (with a near id), bad labels, and ambiguous ids", async () => {
    await queue.add(flagged("ev-10"));
    await queue.add(flagged("ev-10", "other"));
    const unknown = await queue.get("ev-11", "anomaly_api").catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ReviewError);
    expect((unknown as ReviewError).message).toBe(
      "no flagged event 'ev-11' in the review queue of deployment 'anomaly_api'",
    );
    expect((unknown as ReviewError).hint).toBe("did you mean 'ev-10'?");
    expect((unknown as ReviewError).status).toBe(404);
    const bad = await queue.label("ev-10", "other", { label: "weird" }).catch((e: unknown) => e);
    expect((bad as ReviewError).status).toBe(400);
    expect((bad as ReviewError).message).toMatch(/label must be anomaly or normal, got 'weird'/);
    const ambiguous = await queue.get("ev-10").catch((e: unknown) => e);
    expect((ambiguous as ReviewError).message).toMatch(/several deployments \(anomaly_api, other\)/);
  });
});
