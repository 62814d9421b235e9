// `mlc explain MODEL --row N`: exact TreeSHAP contributions of one test row that add up to the
// model's margin; models without trees get a clear message instead.
import { describe, expect, it } from "vitest";
import type { RowExplanation } from "../../src/cli/commands/explain.js";
import { appliedProject } from "./model-project.js";
import { runCli } from "./run-cli.js";

describe("mlc explain", () => {
  const project = appliedProject();

  it("gives per-feature contributions that sum to the row's log-odds margin", async () => {
    const r = await runCli(["explain", "m", "--row", "2", "--dir", project.dir, "--json", "--all"]);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as RowExplanation;
    expect(e).toMatchObject({ model: "m", version: 1, row: 2, space: "log-odds", calibrated: true });
    const o = e.outputs[0]!;
    expect(
      o.contributions
        .map((c) => c.feature)
        .filter((f) => !f.startsWith("g"))
        .sort(),
    ).toEqual(["a", "b", "c"]);
    expect(o.contributions.length).toBeGreaterThan(3);
    const sum = o.base + o.contributions.reduce((s, c) => s + c.contribution, 0);
    expect(sum).toBeCloseTo(o.margin, 9);
    // The raw model's P(yes) is the sigmoid of the margin.
    expect(1 / (1 + Math.exp(-o.margin))).toBeCloseTo(o.prediction, 5);
    const abs = o.contributions.map((c) => Math.abs(c.contribution));
    expect(abs).toEqual([...abs].sort((a, b) => b - a));
  });

  it("prints a table limited by --top", async () => {
    const r = await runCli(["explain", "m@1", "--row", "1", "--top", "2", "--dir", project.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("m version 1, test row 1: contributions to the log-odds (exact TreeSHAP)");
    expect(r.stdout).toMatch(
      /FEATURE\s+VALUE\s+CONTRIBUTION\n\s+\S+\s+\S+\s+[+-]\d\.\d{4}\n\s+\S+\s+\S+\s+[+-]\d\.\d{4}\n\s+… \d+ more/,
    );
  });

  it("honours --top in JSON, counting what it leaves out, and shows the top 10 by default", async () => {
    const all = JSON.parse(
      (await runCli(["explain", "m", "--row", "2", "--dir", project.dir, "--json", "--all"])).stdout,
    ) as RowExplanation;
    const n = all.outputs[0]!.contributions.length;
    const r = await runCli(["explain", "m", "--row", "2", "--top", "2", "--dir", project.dir, "--json"]);
    const e = JSON.parse(r.stdout) as RowExplanation & { outputs: { more: number }[] };
    expect(e.outputs[0]!.contributions).toEqual(all.outputs[0]!.contributions.slice(0, 2));
    expect(e.outputs[0]!.more).toBe(n - 2);
    const text = await runCli(["explain", "m", "--row", "2", "--dir", project.dir]);
    const rows = text.stdout.split("\n").filter((l) => /^\s+\S+\s+\S+\s+[+-]\d\.\d{4}$/.test(l));
    expect(rows).toHaveLength(Math.min(10, n));
    const both = await runCli(["explain", "m", "--row", "2", "--top", "2", "--all", "--dir", project.dir]);
    expect(both.code).toBe(2);
  });

  it("rejects bad rows and non-tree models with clear messages", async () => {
    const zero = await runCli(["explain", "m", "--row", "0", "--dir", project.dir]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("--row must be a positive whole number");
    const past = await runCli(["explain", "m", "--row", "100000", "--dir", project.dir]);
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/past the last test row \(\d+ rows\)/);
    const lin = await runCli(["explain", "lin", "--row", "1", "--dir", project.dir]);
    expect(lin.code).toBe(1);
    expect(lin.stderr).toContain("per-row SHAP values are available for tree models only");
    expect(lin.stderr).not.toContain("    at ");
  });
});
