// `mlc init DIR --from data.csv [--target COL]`: a first project for a data file of one's own (its
// inferred schema, a features block, a split and a gbdt model whose task follows the target's
// type) that validates and applies as written; quoted column names, NA values, an identifier column
// and a semicolon-separated file included.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

function rows(n: number, sep: string): string {
  let s = 3;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const lines = [
    ["customerID", "tenure", "Monthly Charges", "Contract", "Paperless", "Charges.Total", "Churn"].join(sep),
  ];
  for (let i = 0; i < n; i++) {
    const tenure = Math.floor(rnd() * 72);
    const monthly = 20 + rnd() * 90;
    const contract = ["Month-to-month", "One year", "Two year"][Math.floor(rnd() * 3)]!;
    const churn =
      monthly / 110 - tenure / 100 + (contract === "Month-to-month" ? 0.3 : 0) + rnd() * 0.4 > 0.5;
    const total = i % 23 === 0 ? "NA" : (monthly * tenure).toFixed(1);
    lines.push(
      [
        `C${1000 + i}`,
        tenure,
        monthly.toFixed(2),
        contract,
        rnd() < 0.5 ? "true" : "false",
        total,
        churn ? "Yes" : "No",
      ].join(sep),
    );
  }
  return lines.join("\n") + "\n";
}

describe("mlc init --from", () => {
  it("writes a classification project from a CSV that validates and applies", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "mlc-init-from-"));
    const csv = join(tmp, "telco.csv");
    writeFileSync(csv, rows(400, ";"));
    const dir = join(tmp, "proj");
    const r = await runCli(["init", dir, "--from", csv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('target Churn: two classes: binary classification, positive class "Yes"');
    expect(r.stdout).toMatch(/Next: (npx )?mlc validate /);
    expect(readFileSync(join(dir, "data", "telco.csv"), "utf8")).toBe(readFileSync(csv, "utf8"));
    const spec = readFileSync(join(dir, "telco.mlspec"), "utf8");
    expect(spec).toContain('delimiter = ";"');
    expect(spec).toContain("`Monthly Charges` = float");
    expect(spec).toContain("`Charges.Total`   = nullable(float)");
    expect(spec).toContain("monthly_charges = `Monthly Charges`");
    expect(spec).toContain("charges_total   = impute(`Charges.Total`, method = median)");
    expect(spec).toContain("Contract        = onehot(Contract)");
    expect(spec).toContain("# customerID: every value is distinct (an identifier), left out");
    expect(spec).toContain("method = stratified(Churn)");
    expect(spec).toContain('task      = classify(Churn, positive = "Yes")');
    // canonical: fmt has nothing to change
    expect((await runCli(["fmt", "--check", dir])).code).toBe(0);
    const v = await runCli(["validate", dir]);
    expect(v.code, v.stderr).toBe(0);
    const a = await runCli(["apply", dir]);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    expect(a.stdout).toContain("model.churn_model: done");
    // never overwrites
    const again = await runCli(["init", dir, "--from", csv]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already holds .mlspec files");
  }, 180_000);

  it("a float target is a regression with a random split; --target picks the column", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "mlc-init-from-"));
    const csv = join(tmp, "telco.csv");
    writeFileSync(csv, rows(300, ","));
    const dir = join(tmp, "reg");
    const r = await runCli(["init", dir, "--from", csv, "--target", "Monthly Charges"]);
    expect(r.code, r.stderr).toBe(0);
    const spec = readFileSync(join(dir, "telco.mlspec"), "utf8");
    expect(spec).toContain("task      = regress(`Monthly Charges`)");
    expect(spec).toContain("method = random");
    expect(spec).toMatch(/^ {2}Churn += onehot\(Churn\)$/m);
    expect(spec).not.toContain("delimiter");
    const v = await runCli(["validate", dir]);
    expect(v.code, v.stderr).toBe(0);
    const a = await runCli(["apply", dir]);
    expect(a.code, a.stderr + a.stdout).toBe(0);
  }, 180_000);

  it("an unknown target is a usage error with a did-you-mean; --target needs --from", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "mlc-init-from-"));
    const csv = join(tmp, "telco.csv");
    writeFileSync(csv, rows(50, ","));
    const r = await runCli(["init", join(tmp, "p"), "--from", csv, "--target", "churn"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--target churn: no such column in");
    expect(r.stderr).toContain("did you mean `Churn`?");
    expect((await runCli(["init", join(tmp, "q"), "--target", "Churn"])).code).toBe(2);
    expect((await runCli(["init", join(tmp, "q"), "--from", join(tmp, "nope.csv")])).code).toBe(1);
  });
});
