// `mlc apply` reports a failing block as a coded run-time diagnostic: `file:line:col`, the source
// line with a caret, the code MLC2xxx and a hint; `--json` carries the same diagnostic.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(spec: string, csv: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-rtdiag-"));
  dirs.push(dir);
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/rows.csv"), csv);
  writeFileSync(join(dir, "main.mlspec"), spec);
  return dir;
}

const SOURCE = `source rows {
  file = "data/rows.csv"
  schema {
    x = float
    y = category
  }
  expect {
    rows >= 10
  }
}
`;

/** 80 rows where y follows x with some noise, so a model learns it but not perfectly. */
function rows(n: number): string {
  const lines = ["x,y"];
  for (let i = 0; i < n; i++) {
    const x = ((i * 37) % 100) / 10;
    lines.push(`${x},${x > 5 !== (i % 7 === 0) ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

const GATED = `source rows {
  file = "data/rows.csv"
  schema {
    x = float
    y = category
  }
}

features f {
  from = rows
  a    = x
}

split s {
  from   = f
  method = stratified(y)
  train  = 60%
  valid  = 20%
  test   = 20%
}

model m {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = logistic
}

gate strict {
  model = m
  test.accuracy >= 0.999
}
`;

describe("run-time diagnostics in mlc apply", () => {
  it("a failed expectation shows the source block's file:line:col, a caret, MLC2105 and a hint", async () => {
    const dir = project(SOURCE, "x,y\n1,yes\n2,no\n");
    const r = await runCli(["apply", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${join(dir, "main.mlspec")}:1:1: error MLC2105: source.rows: 1 expectation failed`,
    );
    expect(r.stdout).toMatch(/ 1 \| source rows \{\n {3}\| \^~+\n/);
    expect(r.stdout).toContain("hint: fix the data, or move the expectation into `warn { … }`");
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--json carries the diagnostic of the failed node with position, hint and details", async () => {
    const dir = project(SOURCE, "x,y\n1,yes\n2,no\n");
    const r = await runCli(["apply", dir, "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      outcomes: { id: string; status: string; diagnostic?: Record<string, unknown> }[];
    };
    expect(out.ok).toBe(false);
    const failed = out.outcomes.find((o) => o.id === "source.rows")!;
    expect(failed.status).toBe("failed");
    expect(failed.diagnostic).toMatchObject({
      code: "MLC2105",
      severity: "error",
      node: "source.rows",
      file: join(dir, "main.mlspec"),
      line: 1,
      column: 1,
      hint: expect.stringContaining("warn { … }"),
    });
    const details = failed.diagnostic!["details"] as { expectations: { passed: boolean }[] };
    expect(details.expectations.some((e) => !e.passed)).toBe(true);
  });

  it("a value that does not fit its column names row, column and value (MLC2101)", async () => {
    const dir = project(SOURCE, "x,y\n1,yes\nabc,no\n");
    const r = await runCli(["apply", dir, "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { outcomes: { diagnostic?: Record<string, unknown> }[] };
    const d = out.outcomes[0]!.diagnostic!;
    expect(d).toMatchObject({ code: "MLC2101", line: 1, column: 1 });
    expect(d["details"]).toMatchObject({ row: 2, column: "x", value: "abc" });
  });

  it("a gate that fails shows the gate block, MLC2300 and a hint", async () => {
    const dir = project(GATED, rows(80));
    const r = await runCli(["apply", dir, "--parallel", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(dir, "main.mlspec")}:29:1: error MLC2300: `);
    expect(r.stdout).toMatch(/ 29 \| gate strict \{\n {4}\| \^~+\n/);
    expect(r.stdout).toContain("hint: the model version is recorded but not promoted");
  });

  it("with --json, a spec error is the compiler's diagnostics in the same envelope", async () => {
    const dir = project(SOURCE.replace("file =", "fiel ="), "x,y\n1,yes\n");
    for (const cmd of ["plan", "apply"]) {
      const r = await runCli([cmd, dir, "--json"]);
      expect(r.code).toBe(1);
      const body = JSON.parse(r.stdout) as { ok: boolean; diagnostics: { code: string; line: number }[] };
      expect(body.ok).toBe(false);
      expect(body.diagnostics).toContainEqual(expect.objectContaining({ code: "MLC1102", line: 2 }));
    }
  });

  it("an error before any node runs is a diagnostic too, and JSON with --json", async () => {
    const dir = project(SOURCE, "x,y\n1,yes\n");
    rmSync(join(dir, "data/rows.csv"));
    const text = await runCli(["plan", dir]);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`${join(dir, "main.mlspec")}:1:1: error MLC2100: `);
    expect(text.stderr).toContain(" 1 | source rows {");
    const json = await runCli(["plan", dir, "--json"]);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout) as { ok: boolean; diagnostics: { code: string; node: string }[] };
    expect(body.ok).toBe(false);
    expect(body.diagnostics).toMatchObject([{ code: "MLC2100", node: "source.rows" }]);
  });
});
