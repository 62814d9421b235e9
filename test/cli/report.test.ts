// `mlc report MODEL[@VERSION]`: materialises a version's stored report under .mlc/reports and
// prints where it is; --json prints report.json; --out writes elsewhere.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReportJson } from "../../src/ml/report/index.js";
import { upgradeReport } from "../../src/cli/commands/report.js";
import { appliedProject } from "./model-project.js";
import { runCli } from "./run-cli.js";

describe("mlc report", () => {
  const project = appliedProject();

  it("writes the newest version's report.html and report.json and prints the path", async () => {
    const r = await runCli(["report", "m", "--dir", project.dir]);
    expect(r.code).toBe(0);
    const path = r.stdout.trim();
    expect(path).toBe(join(project.dir, ".mlc", "reports", "m", "v1", "report.html"));
    expect(readFileSync(path, "utf8")).toMatch(/^<!DOCTYPE html>[\s\S]*<svg/);
    const json = JSON.parse(
      readFileSync(join(project.dir, ".mlc", "reports", "m", "v1", "report.json"), "utf8"),
    ) as ReportJson;
    // The version number and the gate results come from the registry (the gate ran after the model).
    expect(json.model).toMatchObject({ name: "m", version: 1 });
    expect(json.gates).toEqual([
      {
        name: "ok",
        pass: true,
        assertions: [
          { text: "test.auc >= 0.6", measured: expect.any(Number), pass: true },
          { text: "parity(test, by = region) <= 1", measured: null, pass: true },
        ],
      },
    ]);
    expect(json.gates![0]!.assertions[0]!.measured).toBeGreaterThan(0.6);
    expect(readFileSync(path, "utf8")).toContain("test.auc &gt;= 0.6");
  });

  it("shows the fairness table of the gate's own `by` column first, then the report's pick", async () => {
    const r = await runCli(["report", "m", "--dir", project.dir, "--json"]);
    const json = JSON.parse(r.stdout) as ReportJson;
    expect(json.fairness!.map((f) => [f.by, f.source])).toEqual([
      ["region", "gate ok"],
      ["grp", expect.stringMatching(/largest parity difference/)],
    ]);
    const region = json.fairness![0]!.report;
    expect(region.groups.map((g) => g.group).sort()).toEqual(["north", "south"]);
    expect(region.groups.reduce((s, g) => s + g.n, 0)).toBe(json.splits.test!.rows);
    const html = readFileSync((await runCli(["report", "m", "--dir", project.dir])).stdout.trim(), "utf8");
    expect(html.indexOf("Fairness by region")).toBeGreaterThan(-1);
    expect(html.indexOf("Fairness by region")).toBeLessThan(html.indexOf("Fairness by grp"));
  });

  it("prints report.json with --json and writes the HTML to --out", async () => {
    const j = await runCli(["report", "lin@1", "--dir", project.dir, "--json"]);
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout) as {
      model: { algorithm: string };
      importance: { method: string; metric: string };
    };
    expect(report.model.algorithm).toBe("logistic");
    // A linear model has no trees: its importance is by permutation with the task's headline metric.
    expect(report.importance).toMatchObject({ method: "permutation", metric: "auc" });
    const out = join(project.dir, "out", "lin.html");
    expect((await runCli(["report", "lin", "--dir", project.dir, "--out", out])).stdout.trim()).toBe(out);
    expect(existsSync(out)).toBe(true);
  });

  it("reads a version-1 report (one fairness table) as a list with its source", () => {
    const report = {
      threshold: 0.5,
      groups: [],
      demographicParityDifference: 0,
      equalOpportunityDifference: 0,
      equalizedOddsDifference: 0,
      disparateImpactRatio: 1,
    };
    const v1 = {
      version: 1 as const,
      model: { name: "m", algorithm: "gbdt", task: "binary" as const },
      splits: {},
      fairness: { split: "test", by: "grp", report },
    };
    const r = upgradeReport(v1);
    expect(r.version).toBe(2);
    expect(r.fairness).toEqual([
      { split: "test", by: "grp", source: expect.stringMatching(/largest parity difference/), report },
    ]);
  });

  it("names an unknown version without a stack trace", async () => {
    const r = await runCli(["report", "m@7", "--dir", project.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no such model version 'm@7'");
    expect(r.stderr).not.toContain("    at ");
  });
});
