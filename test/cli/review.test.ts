import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReviewQueue, type FlaggedEvent } from "../../src/registry/review-queue.js";
import { openState } from "../../src/runtime/state/open.js";
import { runCli } from "./run-cli.js";

const event = (id: string, time: string): FlaggedEvent => ({
  event_id: id,
  deployment: "anomaly_api",
  model: "detector",
  model_version: 2,
  time,
  origin: "rest",
  features: { rad_flow: 81, fpv_close: -6 },
  score: 0.7123,
  threshold: 0.65,
  reason_kind: "isolation path bits",
  reasons: [
    { feature: "fpv_close", value: -6, contribution: 3.25 },
    { feature: "rad_flow", value: 81, contribution: 0.5 },
  ],
});

describe("mlc review", () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlc-review-cli-"));
    const state = await openState(dir);
    const q = new ReviewQueue(state.records);
    await q.add(event("ev-1", "2026-12-01T10:00:00.000Z"));
    await q.add(event("ev-2", "2026-12-01T11:00:00.000Z"));
    await state.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists flagged events with their top features", async () => {
    const r = await runCli(["review", "list", "--dir", dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^EVENT\s+DEPLOYMENT\s+VERSION\s+SCORE\s+THRESHOLD\s+LABEL\s+TOP FEATURES\s+TIME$/,
    );
    expect(lines[1]).toMatch(
      /^ev-2\s+anomaly_api\s+2\s+0\.7123\s+0\.65\s+-\s+fpv_close, rad_flow\s+2026-12-01T11/,
    );
    expect(lines).toHaveLength(3);
  });

  it("shows an event's features and reasons, labels it, and filters unlabelled ones", async () => {
    const show = await runCli(["review", "show", "ev-1", "--dir", dir]);
    expect(show.stdout).toContain("score 0.7123 ≥ threshold 0.65");
    expect(show.stdout).toMatch(/fpv_close\s+3\.25\s+value -6/);
    expect(show.stdout).toContain("label: not reviewed yet");
    const label = await runCli([
      "review",
      "label",
      "ev-1",
      "normal",
      "--note",
      "valve test",
      "--reviewer",
      "ana",
      "--dir",
      dir,
    ]);
    expect(label.code).toBe(0);
    expect(label.stdout).toBe("labelled ev-1 of anomaly_api normal (valve test)\n");
    const json = await runCli(["review", "show", "ev-1", "--json", "--dir", dir]);
    const item = JSON.parse(json.stdout) as { label: { label: string; note: string; reviewer: string } };
    expect(item.label).toMatchObject({ label: "normal", note: "valve test", reviewer: "ana" });
    const open = await runCli(["review", "list", "--unlabelled", "--json", "--dir", dir]);
    expect((JSON.parse(open.stdout) as { event_id: string }[]).map((i) => i.event_id)).toEqual(["ev-2"]);
  });

  it("says clearly what is wrong with an unknown id, deployment or label", async () => {
    const unknown = await runCli(["review", "show", "ev-3", "--dir", dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      "mlc review show: no flagged event 'ev-3' in the review queue (did you mean 'ev-1'?)\n",
    );
    const dep = await runCli(["review", "list", "--deployment", "anomaly_ap", "--dir", dir]);
    expect(dep.code).toBe(1);
    expect(dep.stderr).toMatch(
      /deployment 'anomaly_ap' has no flagged events \(deployments with events: anomaly_api\)/,
    );
    const bad = await runCli(["review", "label", "ev-1", "fraud", "--dir", dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the label must be anomaly or normal, got 'fraud'/);
    expect(unknown.stderr + dep.stderr + bad.stderr).not.toMatch(/\n\s+at /);
  });
});
