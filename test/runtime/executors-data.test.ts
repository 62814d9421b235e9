import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExecutors } from "../../src/runtime/executor-loader.js";
import { executorFor } from "../../src/runtime/executor-registry.js";
import { NodeFailure, type NodeResult } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { loadTable } from "../../src/data/table-artifact.js";
import { columnValues } from "../../src/data/table-columns.js";
import { buildPipeline } from "../../src/data/pipeline.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { MemoryArtifacts, MemoryStatCache, context, node, tempProject } from "../data/fixtures.js";
import { call, op, pct, ref } from "../data/expr-helpers.js";

await loadExecutors();

// Nested blocks as lowering writes them (src/compiler/lower.ts).
const nested = (kind: string, attributes: Record<string, Json> = {}, assertions: Json[] = []): Json[] => [
  { $block: kind, attributes, blocks: {}, assertions },
];

function project(): string {
  const dir = tempProject();
  const rows = ["id,tenure,monthly,plan,churned,signup"];
  for (let i = 0; i < 200; i++)
    rows.push(
      `${i},${i % 50},${(20 + (i % 7) * 10.5).toFixed(2)},${["basic", "pro", "gold"][i % 3]},${i % 4 === 0 ? "yes" : "no"},2024-01-${String(1 + (i % 28)).padStart(2, "0")}`,
    );
  writeFileSync(join(dir, "customers.csv"), rows.join("\n") + "\n");
  return dir;
}

const sourceConfig = (expect: Json[], warn: Json[] = []): { [k: string]: Json } => ({
  file: "customers.csv",
  key: ref("id"),
  schema: nested("schema", {
    id: ref("int"),
    tenure: ref("int"),
    monthly: ref("float"),
    plan: ref("category"),
    churned: ref("bool"),
    signup: ref("timestamp"),
  }),
  expect: nested("expect", {}, expect),
  warn: nested("warn", {}, warn),
});

const features = {
  from: ref("customers"),
  spend_ratio: op("/", ref("monthly"), op("+", ref("tenure"), 1)),
  is_pro: op("==", ref("plan"), "pro"),
  plan_code: call("onehot", [ref("plan")]),
  monthly_z: call("standardize", [ref("monthly")]),
  signup_dow: call("dayofweek", [ref("signup")]),
};

describe("data executors", () => {
  it("source → features → split through the executors, tables as artifacts", async () => {
    const dir = project();
    const artifacts = new MemoryArtifacts();
    const source = executorFor("source")!;
    const srcNode = node(
      "source",
      "customers",
      sourceConfig(
        [op(">=", ref("rows"), 100), op(">=", ref("tenure"), 0)],
        [op("<", call("mean", [ref("monthly")]), 10)],
      ),
    );
    const fp = await source.dataFingerprint!(srcNode, dir, new MemoryStatCache());
    expect(fp.hash).toMatch(/^xxh64:/);
    const src = await source.run(context(dir, srcNode, artifacts));
    expect(src.metrics).toMatchObject({ rows: 200, columns: 6, warnings: 1 });
    expect((src.summary!.expectations as { passed: boolean }[]).map((e) => e.passed)).toEqual([
      true,
      true,
      false,
    ]);
    expect((src.summary!.schema as { name: string; type: string }[]).map((c) => c.type)).toEqual([
      "int",
      "int",
      "float",
      "category",
      "bool",
      "timestamp",
    ]);

    const featNode = node("features", "usage", features, ["source.customers"]);
    const feat = await executorFor("features")!.run(
      context(dir, featNode, artifacts, { "source.customers": src }),
    );
    const ft = await loadTable(artifacts, feat.artifacts.table!);
    expect(ft.columnNames()).toEqual([
      "id",
      "tenure",
      "monthly",
      "plan",
      "churned",
      "signup",
      "spend_ratio",
      "is_pro",
      "signup_dow",
    ]);
    expect((columnValues(ft, "spend_ratio") as Float32Array)[1]).toBeCloseTo(30.5 / 2, 5);
    expect(
      (feat.summary!.features as { name: string; kind: string }[]).map((f) => `${f.name}:${f.kind}`),
    ).toContain("monthly_z:fitted");

    const splitNode = node(
      "split",
      "holdout",
      {
        from: ref("usage"),
        method: call("stratified", [ref("churned")]),
        train: pct(70),
        valid: pct(15),
        test: pct(15),
        seed: 7,
      },
      ["features.usage"],
    );
    const split = await executorFor("split")!.run(
      context(dir, splitNode, artifacts, { "features.usage": feat }),
    );
    // Hash-placed rows: the shares hold up to sampling noise, and every row is in one part.
    const counts = split.metrics!;
    expect(counts.rows_train! + counts.rows_valid! + counts.rows_test!).toBe(200);
    expect(Math.abs(counts.rows_train! - 140)).toBeLessThan(30);
    const again = await executorFor("split")!.run(
      context(dir, splitNode, artifacts, { "features.usage": feat }),
    );
    expect(again.artifacts).toEqual(split.artifacts);

    // The model branch: fit the pipeline on train, transform test.
    const train = await loadTable(artifacts, split.artifacts.train!);
    const p = buildPipeline(featNode.config, tableColumns(train)).fit(train);
    expect(p.outputNames.filter((n) => !n.startsWith("plan_code"))).toEqual([
      "spend_ratio",
      "is_pro",
      "monthly_z",
      "signup_dow",
    ]);
    expect(p.outputNames.filter((n) => n.startsWith("plan_code")).sort()).toEqual([
      "plan_code:other",
      "plan_code=basic",
      "plan_code=gold",
      "plan_code=pro",
    ]);
    const m = p.transform(await loadTable(artifacts, split.artifacts.test!));
    expect(m.nRows).toBe(counts.rows_test);
  });

  it("a failed expectation fails the node, naming the column, failing rows and examples", async () => {
    const dir = project();
    const srcNode = node(
      "source",
      "customers",
      sourceConfig([op("<", ref("tenure"), 45), call("allowed", [ref("plan"), ["basic", "pro"]])]),
    );
    const err = await executorFor("source")!
      .run(context(dir, srcNode, new MemoryArtifacts()))
      .catch((e: unknown) => e as NodeFailure);
    expect(err).toBeInstanceOf(NodeFailure);
    expect(err.message).toBe(
      "source.customers: 2 expectations failed:\n" +
        "  tenure < 45: 20 of 200 rows fail in column `tenure` (examples: 45, 46, 47, 48, 49)\n" +
        '  allowed(plan, ["basic", "pro"]): 66 of 200 rows fail in column `plan` (examples: "gold", "gold", "gold", "gold", "gold")',
    );
  });

  it("a bad feature expression is a NodeFailure with a hint", async () => {
    const dir = project();
    const artifacts = new MemoryArtifacts();
    const src: NodeResult = await executorFor("source")!.run(
      context(dir, node("source", "customers", sourceConfig([])), artifacts),
    );
    const bad = node("features", "usage", { from: ref("customers"), x: op("*", ref("montly"), 2) }, [
      "source.customers",
    ]);
    await expect(
      executorFor("features")!.run(context(dir, bad, artifacts, { "source.customers": src })),
    ).rejects.toThrow("feature `x`: unknown column or feature `montly` (did you mean `monthly`?)");
  });
});
