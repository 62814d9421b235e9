// The Pareto section of report.html: present only for several objectives, a table of the front with
// the picked trial starred, and a scatter of the trials for two objectives.
import { describe, expect, it } from "vitest";
import { buildReportJson, renderReportHtml } from "../../src/ml/report/index.js";
import { bestTrial, paretoFront, type ObjectiveSpec, type TrialRecord } from "../../src/ml/tune/index.js";

const t = (index: number, auc: number, bytes: number): TrialRecord => ({
  index,
  params: { max_depth: index + 2 },
  status: "complete",
  values: { auc, "model.bytes": bytes },
  intermediate: [],
});
const trials = [t(0, 0.9, 30000), t(1, 0.85, 4000), t(2, 0.8, 9000), t(3, 0.88, 8000)];
const space = [{ name: "max_depth", dist: { kind: "int" as const, low: 2, high: 6 } }];

function html(objective: ObjectiveSpec): Promise<string> {
  const best = bestTrial(trials, objective)!;
  return renderReportHtml(
    buildReportJson({
      model: { name: "m", algorithm: "gbdt", task: "binary" },
      splits: {},
      tuning: { method: "random", objective, space, trials, best, pareto: paretoFront(trials, objective) },
    }),
  );
}

describe("report: Pareto front", () => {
  const two: ObjectiveSpec = {
    targets: [
      { metric: "auc", direction: "maximize" },
      { metric: "model.bytes", direction: "minimize" },
    ],
    pick: { kind: "closest_to_ideal" },
  };

  it("lists the front, stars the picked trial and draws the trials against the two objectives", async () => {
    const page = await html(two);
    const section = page.slice(page.indexOf("<h3>Pareto front</h3>"));
    expect(section).toContain("3 of 4 trials are not beaten on every objective at once");
    expect(section).toContain("pick closest to ideal");
    expect(section).toContain('aria-label="Trials: auc against model.bytes"');
    const table = section.slice(section.indexOf("<table>"), section.indexOf("</table>"));
    // Front: trials 0, 1, 3 (trial 2 is beaten by 3 on both); closest to the ideal point is 3.
    expect([...table.matchAll(/<tr><td>(\d+)( ★)?<\/td>/g)].map((m) => m[1] + (m[2] ?? ""))).toEqual([
      "0",
      "1",
      "3 ★",
    ]);
    expect(table).toContain("model.bytes ↓");
    expect(table).toContain("30,000");
  });

  it("is absent with one objective", async () => {
    expect(await html({ targets: [{ metric: "auc", direction: "maximize" }] })).not.toContain("Pareto front");
  });
});
