// Issue 19: an expression of 5,000 terms, or nested 5,000 deep, passes validate and must also
// apply (features, parity, ONNX bundle) and serve: every runtime walk of an expression is a loop
// or chain-aware, none recurses once per term. (A features block of 200,000 attributes at validate:
// test/compiler/large-input.test.ts.)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileProject } from "../../src/compiler/compile.js";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { planToJson, renderPlanMarkdown, renderPlanText } from "../../src/runtime/plan-render.js";
import { readFileSync } from "node:fs";
import { createPredictionServer } from "../../src/serve/server.js";
import { deepJsonText, jsonText } from "../../src/ir/json-text.js";
import { seededRowsCsv } from "../fixtures/seeded-rows.js";

const N = 5000;

// brackets nested as deep as the parser allows (MLC1013 past 200 levels), continued as a chain of
// N terms mixing every arithmetic operator, inside a fitted transform; a second chain of N terms
// over the other column, and a plain column. (Several chains this long once took onnxruntime
// minutes to load; the graph's size is asserted in test/data/sum-chains.test.ts.)
const nested = "(".repeat(190) + "b" + " + 1)".repeat(190);
const terms = Array.from({ length: N - 191 }, (_, i) => [" + a", " - b * 2", " + a / 3", " - 1"][i % 4]).join(
  "",
);
const long = `standardize(${nested}${terms})`;
const long2 = `b${Array.from({ length: N }, (_, i) => [" - a", " + b * 3", " - b / 7", " + 2"][i % 4]).join("")}`;

const SPEC = `project big { seed = 5 }

source rows {
  file = "data/rows.csv"
  schema {
    a = float
    b = float
    y = category
  }
  expect {
    mean(a)${" + 0".repeat(N)} < 10
  }
}

features f {
  from   = rows
  long   = ${long}
  long2  = ${long2}
  plain  = a
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
  algorithm = gbdt
  params {
    trees     = 5
    max_depth = 2
  }
}

gate ok {
  model = m
  test.auc${" - 0".repeat(N)} >= 0.5
}

deploy api {
  model = m
  when  = ok
}
`;

describe("expressions of 5,000 terms at run time", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mlc-big-"));
    mkdirSync(join(dir, "data"));
    writeFileSync(
      join(dir, "data/rows.csv"),
      seededRowsCsv(200, { seed: 7, names: ["a", "b"], id: false, decimals: 3, weight: 0.3 }),
    );
    writeFileSync(join(dir, "big.mlspec"), SPEC);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("validates, applies and serves a prediction", async () => {
    expect(compileProject(dir).diagnostics).toEqual([]);
    const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status !== "ok").map((o) => `${o.id}: ${o.error}`)).toEqual(
      [],
    );
    const server = createPredictionServer({ projectDir: dir, deployment: "api", predictionLog: false });
    try {
      await server.loaded;
      const res = await server.app.inject({
        method: "POST",
        url: "/v1/predict",
        payload: { a: 0.5, b: -1.25 },
      });
      expect(res.statusCode, res.body).toBe(200);
      const p = res.json().predictions[0].probabilities.yes as number;
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    } finally {
      await server.close();
    }
    // an edit deep inside the chain plans as an update of that feature, in every rendering
    const file = join(dir, "big.mlspec");
    writeFileSync(file, readFileSync(file, "utf8").replace(" + a / 3", " + a / 4"));
    const planned = await planProject(dir);
    if (!planned.ok) throw new Error(JSON.stringify(planned.diagnostics.map((d) => d.message)));
    expect(planned.plan.changes.find((c) => c.id === "features.f")!.action).toBe("update");
    expect(renderPlanText(planned.plan)).toContain("a / 4");
    expect(renderPlanMarkdown(planned.plan)).toContain("features.f");
    expect(jsonText(planToJson(planned.plan), 2)).toContain('"action":"update"');
  }, 180_000);

  it("writes JSON nested 10,000 deep as JSON.stringify writes shallower values", () => {
    const samples: unknown[] = [
      { $op: "+", args: [{ $ref: ["a"] }, 1.5] },
      { a: [1, null, "x\n", true, NaN, undefined, { b: {} }], c: undefined, d: [], e: new Date(0), f: -0 },
      [[[]], {}, "é\u0000"],
    ];
    for (const v of samples)
      for (const space of [0, 2])
        expect(deepJsonText(v, space)).toBe(JSON.stringify(v, null, space || undefined));
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { $op: "-", args: [deep, i] };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = jsonText(deep);
    expect(text.startsWith('{"$op":"-","args":[{"$op":"-","args":[')).toBe(true);
    expect(text.endsWith(",9998]},9999]}")).toBe(true);
    expect(JSON.parse(text)).toBeTypeOf("object");
  });
});
