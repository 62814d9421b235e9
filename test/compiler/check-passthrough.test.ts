// `passthrough = all` / `except = […]` in a features block: the expansion into features, the
// explicit feature that wins over a passthrough one, and the diagnostics (MLC1115, 1154, 1155).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/run-cli.js";
import { repoRoot } from "./corpus.js";
import { FEATURE_SETTINGS } from "../../src/data/compile-features.js";
import { featuresLanguage } from "../../src/kinds/features/language.js";
import { lower } from "../../src/compiler/lower.js";
import { check, codes } from "./check-helpers.js";

const spec = (
  features: string,
  schema = "schema { id = int  x1 = float  x2 = float  plan = category  y = bool }",
) => `
source rows {
  file = "data/rows.csv"
  ${schema}
}
features f {
  from = rows
  ${features}
}
split s { from = f  method = stratified(y)  train = 60%  valid = 20%  test = 20% }
model m { task = classify(y)  data = s  features = f.* }
`;

describe("passthrough features", () => {
  it("makes every input column but the excepted ones a feature of the schema's type", () => {
    const r = check(spec("passthrough = all\n  except = [id, y]"));
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    const f = r.value.byName.get("f")!;
    expect([...f.attributes.keys()].filter((k) => !["from", "passthrough", "except"].includes(k))).toEqual([
      "x1",
      "x2",
      "plan",
    ]);
    const deps = Object.fromEntries(f.dependencies.map((d) => [d.target, d.members]));
    expect(deps["rows"]).toEqual(["id", "plan", "x1", "x2", "y"]);
    // the schema's types: a category passthrough is a string, so arithmetic on it is an error
    const typed = check(spec("passthrough = all\n  except = [id, y]\n  z = f.plan + 1"));
    expect(codes(typed.diagnostics)).toEqual(["MLC1104"]);
  });

  it("lets a feature written out win over the passthrough one of the same name", () => {
    const r = check(spec("passthrough = all\n  except = [id, y]\n  x1 = log(x1 + 1)"));
    expect(r.diagnostics).toEqual([]);
    const x1 = r.value.byName.get("f")!.attributes.get("x1")!;
    expect(x1.type).toBe("call");
  });

  it("does not pass through a column named like a setting of the block", () => {
    const r = check(
      spec("passthrough = all\n  except = [id, y]", "schema { id = int  x1 = float  key = int  y = bool }"),
    );
    expect(r.diagnostics).toEqual([]);
    const f = r.value.byName.get("f")!;
    expect(f.attributes.has("x1")).toBe(true);
    expect(f.attributes.has("key")).toBe(false);
  });

  it("reports an unknown name in except with a did-you-mean, at the name", () => {
    const r = check(spec("passthrough = all\n  except = [idd, y]"));
    expect(codes(r.diagnostics)).toEqual(["MLC1115"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toContain("unknown column `idd`");
    expect(d.hint).toContain("`id`");
    expect(d.span.start).toMatchObject({ line: 9, column: 13 });
  });

  it("catches the label passed through as a feature (leakage)", () => {
    const r = check(spec("passthrough = all\n  except = [id]"));
    expect(codes(r.diagnostics)).toEqual(["MLC1116"]);
  });

  it("renders the except typo at validate with file:line:col, a caret and the hint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-passthrough-"));
    const text = readFileSync(join(repoRoot, "specs", "cases", "passthrough-except-unknown.mlspec"), "utf8");
    writeFileSync(join(dir, "main.mlspec"), text);
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "churn.csv"), "id,tenure,churned\n1,2,true\n");
    const r = await runCli(["validate", dir]);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain("main.mlspec:13:18");
    expect(out).toContain("MLC1115");
    expect(out).toMatch(/\| {18}\^~~\n/);
    expect(out).toMatch(/did you mean `id`/);
  });

  it("reports except without passthrough", () => {
    const r = check(spec("except = [id]\n  a = x1"));
    expect(codes(r.diagnostics)).toEqual(["MLC1155"]);
    expect(r.diagnostics[0]!.hint).toContain("passthrough = all");
  });

  it("reports passthrough over a source without a schema, which it cannot expand", () => {
    const r = check(spec("passthrough = all", ""));
    expect(codes(r.diagnostics)).toEqual(["MLC1154"]);
    expect(r.diagnostics[0]!.message).toContain("needs the columns of `rows`");
    expect(r.diagnostics[0]!.hint).toContain("schema");
  });

  it("rejects any other passthrough value", () => {
    const r = check(spec("passthrough = some"));
    expect(codes(r.diagnostics)).toEqual(["MLC1130"]);
  });

  it("has the data layer treat the same attributes as settings as the language does", () => {
    expect([...FEATURE_SETTINGS].sort()).toEqual(featuresLanguage.attributes.map((a) => a.name).sort());
  });

  it("lowers passthrough features into the graph: usage.* of the model names them", () => {
    const r = check(spec("passthrough = all\n  except = [id, y]"));
    const g = lower(r.value);
    const model = g.nodes.find((n) => n.id === "model.m")!;
    expect(model.config.features).toEqual({ $ref: ["f"], star: true });
    const f = g.nodes.find((n) => n.id === "features.f")!;
    expect(f.config).toMatchObject({ x1: { $ref: ["x1"] }, x2: { $ref: ["x2"] }, plan: { $ref: ["plan"] } });
    expect(f.config).not.toHaveProperty("id");
    expect(f.config).not.toHaveProperty("y");
  });
});
