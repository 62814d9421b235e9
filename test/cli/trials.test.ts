// `mlc trials MODEL`: the tuning trials recorded while applying a tuned model, as a table and JSON.
import { describe, expect, it } from "vitest";
import { appliedProject } from "./model-project.js";
import { applyOk, setSpec, tinyProject } from "../runtime/deploy-project.js";
import { runCli } from "./run-cli.js";

describe("mlc trials", () => {
  const project = appliedProject();

  it("lists each trial with its status, value, duration and params", async () => {
    const r = await runCli(["trials", "m", "--dir", project.dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TRIAL\s+STATUS\s+VALUE\s+BEST\s+DURATION\s+PARAMS$/);
    expect(lines).toHaveLength(4);
    for (const [i, line] of lines.slice(1).entries())
      expect(line).toMatch(
        new RegExp(
          `^${i}\\s+complete\\s+0\\.\\d{5}\\s+(\\*\\s+)?\\d+\\.\\d\\ds\\s+learning_rate=\\S+ max_depth=[2-4]$`,
        ),
      );
    // exactly one trial is marked best
    expect(lines.slice(1).filter((l) => /\s\*\s/.test(l))).toHaveLength(1);
  });

  it("prints the recorded trials as JSON", async () => {
    const r = await runCli(["trials", "m", "--dir", project.dir, "--json"]);
    const trials = JSON.parse(r.stdout) as {
      index: number;
      status: string;
      params: Record<string, number>;
      values: Record<string, number>;
    }[];
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2]);
    for (const t of trials) {
      expect(t.params.learning_rate).toBeGreaterThanOrEqual(0.05);
      expect(t.params.learning_rate).toBeLessThanOrEqual(0.3);
      expect(t.values.auc).toBeGreaterThan(0.5);
    }
  });

  it("explains a model without trials, without a stack trace", async () => {
    const r = await runCli(["trials", "lin", "--dir", project.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no trials recorded for model 'lin'");
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("mlc trials after the configuration changed", () => {
  it("shows the current study only, and every study with --all", async () => {
    const dir = tinyProject(5);
    setSpec(dir, 5, { tuneTrials: 2 });
    await applyOk(dir);
    setSpec(dir, 6, { tuneTrials: 2 });
    await applyOk(dir);
    const r = await runCli(["trials", "m", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^STUDY/);
    expect(r.stdout).toContain("(1 earlier study of other configurations hidden; --all shows them)");
    const all = await runCli(["trials", "m", "--dir", dir, "--all"]);
    expect(all.stdout).toMatch(/^STUDY\s+TRIAL/);
    expect(all.stdout.trim().split("\n")).toHaveLength(5);
  });
});
