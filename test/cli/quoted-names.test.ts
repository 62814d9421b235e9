// Columns whose names are not identifiers (`Monthly Charges`, `x.1`): written in backticks in the
// schema and in expressions, they parse, format back as written, catch a typo at validate, and flow
// through features into the ONNX bundle's inputs and the serving JSON under their own names;
// `mlc schema infer` writes them so. A block's name stays an identifier (MLC1153).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatText } from "../../src/compiler/format.js";
import { lex, nameText } from "../../src/compiler/lexer.js";
import { parseFile } from "../../src/compiler/parse.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { runCli } from "./run-cli.js";

const SPEC = `project telco {
  seed = 1
}

source customers {
  file = "data/telco.csv"
  key  = \`customer id\`
  schema {
    \`customer id\`     = int
    \`Monthly Charges\` = float
    \`x.1\`             = nullable(float)
    \`Contract Type\`   = category
    Churn             = category
  }
}

features usage {
  from              = customers
  \`Monthly Charges\` = \`Monthly Charges\`
  x1                = impute(\`x.1\`, method = median)
  contract          = onehot(\`Contract Type\`)
}

split holdout {
  from   = usage
  method = stratified(Churn)
  train  = 70%
  valid  = 15%
  test   = 15%
}

model churn {
  task      = classify(Churn, positive = "Yes")
  data      = holdout
  features  = usage.*
  algorithm = gbdt
  params {
    trees = 20
  }
}

gate ok {
  model = churn
  test.auc >= 0.5
}

deploy api {
  model = churn
  when  = ok
}
`;

function telcoCsv(rows: number): string {
  let s = 5;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const lines = ["customer id,Monthly Charges,x.1,Contract Type,Churn"];
  for (let i = 0; i < rows; i++) {
    const m = 20 + rnd() * 80;
    const x = rnd();
    const c = rnd() < 0.5 ? "month-to-month" : "two year";
    const churn = m / 100 + x * 0.5 + (c === "two year" ? -0.4 : 0) + rnd() * 0.5 > 0.8;
    lines.push(`${i},${m.toFixed(2)},${i % 17 === 0 ? "NA" : x.toFixed(3)},${c},${churn ? "Yes" : "No"}`);
  }
  return lines.join("\n") + "\n";
}

function project(spec = SPEC): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-quoted-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data", "telco.csv"), telcoCsv(400));
  writeFileSync(join(dir, "telco.mlspec"), spec);
  return dir;
}

describe("names in backticks", () => {
  it("lex as names, parse, and format back as written (bare when they need no backticks)", () => {
    const t = lex("x = `Monthly Charges` + `a`").tokens;
    expect(t.map((k) => [k.tokenType.name, k.image])).toEqual([
      ["Ident", "x"],
      ["Eq", "="],
      ["Ident", "Monthly Charges"],
      ["Plus", "+"],
      ["Ident", "a"],
    ]);
    // the span keeps the backticks
    expect([t[2]!.startOffset, t[2]!.endOffset]).toEqual([4, 20]);
    expect(nameText("x.1")).toBe("`x.1`");
    expect(nameText("not")).toBe("`not`");
    expect(nameText("tenure")).toBe("tenure");
    expect(formatText("telco.mlspec", SPEC).value).toBe(SPEC);
    expect(formatText("f.mlspec", "features f {\n  from = s\n  a = `b`\n}\n").value).toBe(
      "features f {\n  from = s\n  a    = b\n}\n",
    );
    const parsed = parseFile("telco.mlspec", SPEC);
    expect(parsed.diagnostics).toEqual([]);
  });

  it("a typo in a quoted name is caught at validate with a did-you-mean", async () => {
    const dir = project(SPEC.replace("x1                = impute(`x.1`", "x1                = impute(`x 1`"));
    const r = await runCli(["validate", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/x 1[\s\S]*did you mean[\s\S]*x\.1/);
  });

  it("a block named in backticks is MLC1153", async () => {
    const dir = project(
      SPEC.replace("deploy api {", "deploy `my api` {").replace("deployment", "deployment"),
    );
    const r = await runCli(["validate", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("MLC1153");
    expect(r.stderr).toContain("`my_api`");
  });

  it("flows through features, the ONNX bundle's inputs and the serving JSON", async () => {
    const dir = project();
    const apply = await runCli(["apply", dir]);
    expect(apply.code, apply.stderr).toBe(0);
    const bundle = JSON.parse(
      readFileSync(join(dir, ".mlc", "bundles", "api", "v1", "bundle.json"), "utf8"),
    ) as {
      inputs: { name: string; type: string; nullable: boolean }[];
    };
    expect(bundle.inputs.map((i) => [i.name, i.type, i.nullable])).toEqual([
      ["Monthly Charges", "float", false],
      ["x.1", "float", true],
      ["Contract Type", "category", false],
    ]);
    const server = createPredictionServer({ projectDir: dir, deployment: "api", predictionLog: false });
    try {
      await server.loaded;
      const ok = await server.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { "Monthly Charges": 95.5, "x.1": null, "Contract Type": "month-to-month" },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const p = (JSON.parse(ok.body) as { predictions: { probabilities: Record<string, number> }[] })
        .predictions[0]!;
      expect(p.probabilities.Yes).toBeGreaterThan(0);
      expect(p.probabilities.Yes).toBeLessThan(1);
      // the request must use the column's own name
      const bad = await server.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { Monthly_Charges: 95.5, "x.1": 0.2, "Contract Type": "two year" },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain("Monthly Charges");
    } finally {
      await server.close();
    }
  }, 120_000);

  it("schema infer writes such names in backticks, which the parser reads", async () => {
    const dir = project();
    const r = await runCli(["schema", "infer", "data/telco.csv", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("`Monthly Charges` = float");
    expect(r.stdout).toContain("`x.1`             = nullable(float)");
    const spec = `source s {\n  file = "data/telco.csv"\n${r.stdout.replace(/^/gm, "  ").trimEnd()}\n}\n`;
    writeFileSync(join(dir, "telco.mlspec"), spec);
    const v = await runCli(["validate", dir]);
    expect(v.code, v.stderr).toBe(0);
  });
});
