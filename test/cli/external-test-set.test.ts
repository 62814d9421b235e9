// An external test set: `method = column(part)` takes each row's part from the data (`train`,
// `valid`, `test`), so rows marked test are exactly the model's test set; a bad value fails the
// split with its row and value.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const SPEC = `source rows {
  file = "data/rows.csv"
  schema {
    x    = float
    y    = category
    part = category
  }
}

features f {
  from = rows
  a    = x
}

split given {
  from   = f
  method = column(part)
}

model m {
  task      = classify(y, positive = "yes")
  data      = given
  features  = f.*
  algorithm = gbdt
  params {
    trees = 5
  }
}
`;

function project(bad = false): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-column-split-"));
  mkdirSync(join(dir, "data"));
  const lines = ["x,y,part"];
  for (let i = 0; i < 200; i++) {
    const x = ((i * 37) % 100) / 50 - 1;
    const part = i < 140 ? "train" : i < 170 ? "valid" : bad && i === 183 ? "holdout" : "test";
    lines.push(`${x.toFixed(3)},${x + ((i * 13) % 7) / 10 - 0.3 > 0 ? "yes" : "no"},${part}`);
  }
  writeFileSync(join(dir, "data", "rows.csv"), lines.join("\n") + "\n");
  writeFileSync(join(dir, "p.mlspec"), SPEC);
  return dir;
}

describe("split method column(col)", () => {
  it("puts each row in the part its column names", async () => {
    const dir = project();
    const a = await runCli(["apply", dir]);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    expect(a.stdout).toContain("split.given: column: train 140, valid 30, test 30 rows");
    const state = JSON.parse((await runCli(["state", "show", "split.given", dir, "--json"])).stdout) as {
      node: { result: { summary: { method: string; rows: Record<string, number> } } };
    };
    expect(state.node.result.summary).toMatchObject({
      method: "column",
      rows: { train: 140, valid: 30, test: 30 },
    });
  }, 120_000);

  it("a value that is not train, valid or test fails the split with its row and value", async () => {
    const dir = project(true);
    const a = await runCli(["apply", dir]);
    expect(a.code).toBe(1);
    expect(a.stdout + a.stderr).toContain(
      'column(part): row 184 has "holdout" in `part`; each row says train, valid or test',
    );
  }, 120_000);
});
