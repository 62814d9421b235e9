import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compiler/compile.js";
import { lower } from "../../src/compiler/lower.js";
import { computeFingerprints } from "../../src/runtime/fingerprint.js";
import type { Graph } from "../../src/ir/graph-ir.js";
import { CHURN_CSV, makeProject, TWO_MODELS } from "../runtime/fixtures.js";

function lowerText(spec: string): Graph {
  const dir = makeProject({ "main.mlspec": spec, "data/customers.csv": CHURN_CSV });
  const c = compileProject(dir);
  const errors = c.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => d.message)).toEqual([]);
  return lower(c.checked!);
}

const fps = (g: Graph) => computeFingerprints(g, () => ({ version: "1" }), {});

describe("lowering", () => {
  it("makes one node per block with stable ids, canonical config and inputs", () => {
    const g = lowerText(TWO_MODELS);
    expect(g.nodes.map((n) => n.id)).toEqual([
      "source.customers",
      "features.usage",
      "split.holdout",
      "model.a",
      "model.b",
      "gate.ship_a",
      "gate.ship_b",
    ]);
    const gate = g.nodes.find((n) => n.id === "gate.ship_a")!;
    expect(gate.config.assertions).toEqual([{ $op: ">=", args: [{ $ref: ["test", "auc"] }, 0.8] }]);
    expect(gate.inputs.map((i) => i.node)).toEqual(["model.a"]);
    const src = g.nodes.find((n) => n.id === "source.customers")!;
    expect(src.config.schema).toEqual([
      {
        $block: "schema",
        attributes: {
          id: { $ref: ["int"] },
          tenure: { $ref: ["int"] },
          monthly: { $ref: ["float"] },
          plan: { $ref: ["category"] },
          churned: { $ref: ["bool"] },
        },
        blocks: {},
        assertions: [],
      },
    ]);
    expect(src.config.file).toBe("data/customers.csv");
  });

  it("carries the project's allow_outside_paths to sources only, and only when set", () => {
    const plain = lowerText(TWO_MODELS);
    expect(plain.nodes.find((n) => n.id === "source.customers")!.config.allow_outside_paths).toBeUndefined();
    const g = lowerText(`project p {\n  allow_outside_paths = true\n}\n\n${TWO_MODELS}`);
    expect(g.nodes.find((n) => n.id === "source.customers")!.config.allow_outside_paths).toBe(true);
    expect(g.nodes.find((n) => n.id === "model.a")!.config.allow_outside_paths).toBeUndefined();
  });

  it("records which columns each input contributes", () => {
    const g = lowerText(TWO_MODELS);
    const a = g.nodes.find((n) => n.id === "model.a")!;
    expect(a.inputs.find((i) => i.node === "split.holdout")!.columns).toEqual(["churned", "spend_ratio"]);
    const usage = g.nodes.find((n) => n.id === "features.usage")!;
    expect(usage.columns!.defined.spend_ratio!.inputs).toEqual([
      { node: "source.customers", columns: ["monthly", "tenure"] },
    ]);
    expect(usage.columns!.passThrough).toBe("source.customers");
  });

  it("a comment or formatting change leaves the graph and every fingerprint unchanged", () => {
    const before = lowerText(TWO_MODELS);
    const reformatted = TWO_MODELS.replace("# two models", "// a different comment\n# two models")
      .replace("spend_ratio = monthly / (tenure + 1)", "spend_ratio = monthly/(tenure+1)   # ratio")
      .replace(/\n\n/g, "\n\n\n");
    const after = lowerText(reformatted);
    const strip = (g: Graph) => g.nodes.map(({ span: _s, ...n }) => n);
    expect(strip(after)).toEqual(strip(before));
    expect(fps(after)).toEqual(fps(before));
  });

  it("a feature used by one model changes only that model's input fingerprints", () => {
    const before = fps(lowerText(TWO_MODELS));
    const after = fps(
      lowerText(TWO_MODELS.replace("tenure_z    = standardize(tenure)", "tenure_z    = minmax(tenure)")),
    );
    expect(after["features.usage"]!.whole).not.toBe(before["features.usage"]!.whole);
    expect(after["model.b"]!.whole).not.toBe(before["model.b"]!.whole);
    expect(after["model.a"]!.whole).toBe(before["model.a"]!.whole);
    expect(after["gate.ship_a"]!.whole).toBe(before["gate.ship_a"]!.whole);
  });

  it("per-kind lowering hooks can expand a block into several nodes", async () => {
    const { registerBlockKind, t } = await import("../../src/compiler/schema/index.js");
    registerBlockKind({
      kind: "probe",
      doc: "A test kind: probes a deployment.",
      name: "required",
      attributes: [{ name: "deployment", type: t.ref("deploy"), required: true, doc: "the deployment" }],
      nested: [],
      lower: (b, ctx) => {
        const main = ctx.defaultNode(b);
        return [
          { ...main, id: `${main.id}/probe.1`, inputs: [] },
          { ...main, inputs: [...main.inputs, { node: `${main.id}/probe.1`, columns: "*" }] },
        ];
      },
    });
    const g = lowerText(
      TWO_MODELS +
        "\ndeploy api {\n  model = a\n  when  = ship_a\n  serve = rest { port = 8080 }\n}\n\nprobe watch {\n  deployment = api\n}\n",
    );
    expect(g.nodes.map((n) => n.id)).toContain("probe.watch/probe.1");
    expect(g.nodes.find((n) => n.id === "probe.watch")!.inputs.map((i) => i.node)).toContain(
      "probe.watch/probe.1",
    );
  });
});
