// `mlc trials MODEL` for a search with two objectives: a column per objective, the Pareto front and
// the picked trial marked (table and --json); raising the trials plans "N more trials" and keeps
// the recorded ones; changing the objective list plans a retrain.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planProject } from "../../src/runtime/project.js";
import { appliedProject, applyQuiet } from "./model-project.js";
import { runCli } from "./run-cli.js";

interface JsonTrial {
  study: string;
  index: number;
  status: string;
  values: Record<string, number>;
  front?: boolean;
  picked?: boolean;
}

describe("mlc trials with two objectives", () => {
  const project = appliedProject({
    edit: () =>
      edit(
        /trials\s*=\s*3\n\s*objective = maximize\(valid\.auc\)/,
        "trials    = 6\n    objective = [maximize(valid.auc), minimize(model.bytes)]\n    pick      = first",
      ),
    timeoutMs: 120_000,
  });
  const spec = () => join(project.dir, "synth.mlspec");
  const edit = (from: RegExp, to: string) => {
    const text = readFileSync(spec(), "utf8");
    if (!from.test(text)) throw new Error(`no ${from} in the spec`);
    writeFileSync(spec(), text.replace(from, to));
  };
  const json = async (): Promise<JsonTrial[]> =>
    JSON.parse((await runCli(["trials", "m", "--dir", project.dir, "--json"])).stdout) as JsonTrial[];

  it("shows a column per objective and marks the front and the picked trial", async () => {
    const r = await runCli(["trials", "m", "--dir", project.dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TRIAL\s+STATUS\s+AUC\s+MODEL\.BYTES\s+PARETO\s+DURATION\s+PARAMS$/);
    const rows = lines.slice(1, 7);
    for (const [i, line] of rows.entries())
      expect(line).toMatch(
        new RegExp(
          `^${i}\\s+complete\\s+0\\.\\d{5}\\s+\\d+\\s+(front\\s+|picked\\s+)?\\d+\\.\\d\\ds\\s+learning_rate=\\S+ max_depth=[2-4]$`,
        ),
      );
    expect(rows.filter((l) => /\spicked\s/.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(
      /^Pareto front of \d+ trials? over maximize\(auc\), minimize\(model\.bytes\); picked trial \d+ by first$/,
    );
  });

  it("marks the same trials in --json, the picked one being the front's best AUC (pick = first)", async () => {
    const trials = await json();
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const front = trials.filter((t) => t.front);
    expect(front.length).toBeGreaterThan(0);
    // No front member is dominated by any trial.
    for (const a of front)
      for (const b of trials)
        expect(
          b.values.auc! >= a.values.auc! &&
            b.values["model.bytes"]! <= a.values["model.bytes"]! &&
            (b.values.auc! > a.values.auc! || b.values["model.bytes"]! < a.values["model.bytes"]!),
        ).toBe(false);
    const picked = trials.filter((t) => t.picked);
    expect(picked).toHaveLength(1);
    expect(picked[0]!.front).toBe(true);
    expect(picked[0]!.values.auc).toBe(Math.max(...trials.map((t) => t.values.auc!)));
  });

  it("raising the trials plans 2 more trials and keeps the recorded ones", async () => {
    const before = await json();
    edit(/trials\s*=\s*6/, "trials    = 8");
    const planned = await planProject(project.dir);
    if (!planned.ok) throw new Error("plan failed");
    const change = planned.plan.changes.find((c) => c.id === "model.m")!;
    expect(change.action).toBe("update");
    expect(change.reasons).toEqual([{ type: "incremental", text: "2 more trials" }]);
    await applyQuiet(project.dir);
    const after = await json();
    expect(after).toHaveLength(8);
    expect(after.slice(0, 6).map(({ index, values, study }) => ({ index, values, study }))).toEqual(
      before.map(({ index, values, study }) => ({ index, values, study })),
    );
  }, 120_000);

  it("changing the objective list plans a retrain, not more trials", async () => {
    edit(
      /objective = \[maximize\(valid\.auc\), minimize\(model\.bytes\)\]/,
      "objective = [maximize(valid.auc), minimize(valid.logloss)]",
    );
    const planned = await planProject(project.dir);
    if (!planned.ok) throw new Error("plan failed");
    const change = planned.plan.changes.find((c) => c.id === "model.m")!;
    expect(change.action).toBe("replace");
    expect(change.reasons.some((r) => r.type === "incremental")).toBe(false);
  });
});
