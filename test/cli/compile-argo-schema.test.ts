// `mlc compile --target argo` output validates against Argo Workflows' published JSON schema
// (test/fixtures/argo/workflow.schema.json, trimmed from argoproj/argo-workflows, Apache-2.0). The
// Kubernetes schemas in it allow unknown fields (the API server prunes them silently), so the test
// also closes every object that lists its properties: a misspelled field fails here, not in a cluster.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { writeProject } from "./model-project.js";

type Schema = { [k: string]: unknown };

/** The schema with `additionalProperties: false` on every object schema that lists properties and allows no others. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === "properties" ? mapValues(v as Schema) : closed(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
const mapValues = (o: Schema): Schema =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, closed(v)]));

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/argo/workflow.schema.json"), "utf8"),
) as Schema;
const validate = new Ajv2020({ strict: false, validateFormats: false, allErrors: true }).compile(
  closed(schema) as Schema,
);

const valid = (doc: unknown): string[] =>
  validate(doc)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);

const TUNED_RESOURCES = (spec: string) =>
  spec
    .replace("model m {\n", 'model m {\n  resources = { cpu = "2", memory = "4Gi", gpu = "1" }\n')
    .replace("    trials    = 3\n", "    trials    = 3\n    parallel  = 2\n");

describe("mlc compile --target argo against Argo's published schema", () => {
  it("the schema is the published one, with its license beside it", () => {
    expect(String(schema.$comment)).toMatch(
      /Apache License, Version 2\.0.*argoproj\/argo-workflows\/blob\/[0-9a-f]{40}\//,
    );
    expect(readFileSync(join(import.meta.dirname, "../fixtures/argo/LICENSE"), "utf8")).toMatch(
      /Apache License\s+Version 2\.0/,
    );
  });

  it("a plan, with resources and with worker pods for distributed trials, is a valid Workflow", async () => {
    const dir = writeProject();
    const spec = readFileSync(join(dir, "synth.mlspec"), "utf8");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "synth.mlspec"), TUNED_RESOURCES(spec));
    for (const extra of [[], ["--trial-workers"]]) {
      const r = await runCli([
        "compile",
        dir,
        "--target",
        "argo",
        "--image",
        "registry.example/synth:1",
        ...extra,
      ]);
      expect(r.stderr).toBe("");
      const wf = JSON.parse(r.stdout) as unknown;
      expect(valid(wf)).toEqual([]);
    }
    // The validator is not vacuous: a misspelled field, a wrong type, a missing spec fail.
    const r = await runCli([
      "compile",
      dir,
      "--target",
      "argo",
      "--image",
      "registry.example/synth:1",
      "--trial-workers",
    ]);
    const wf = JSON.parse(r.stdout) as { spec: { templates: Schema[] } };
    // The tuned model's task: its worker pods (tune.parallel of them, with the model's resources) as
    // daemons, then its step with --trial-workers.
    const byName = new Map(wf.spec.templates.map((t) => [t.name as string, t]));
    const plan = byName.get("plan") as { dag: { tasks: { name: string; template: string }[] } };
    expect(plan.dag.tasks.find((t) => t.name === "model-m")!.template).toBe("tune-model-m");
    expect(byName.get("tune-model-m")).toMatchObject({
      dag: {
        tasks: [
          { name: "workers", withSequence: { count: "2" }, arguments: { parameters: [{ value: "m" }] } },
          { name: "fit", dependencies: ["workers"], arguments: { parameters: [{ value: "model.m" }] } },
        ],
      },
    });
    const tasks = (byName.get("tune-model-m") as { dag: { tasks: { template: string }[] } }).dag.tasks;
    const worker = byName.get(tasks[0]!.template) as { daemon: boolean; container: Schema };
    expect(worker.daemon).toBe(true);
    expect(worker.container).toMatchObject({
      command: ["mlc", "worker", "{{inputs.parameters.model}}", "--dir", "/project"],
      envFrom: [{ secretRef: { name: "mlc-shared" } }],
      resources: { requests: { cpu: "2", memory: "4Gi", "nvidia.com/gpu": "1" } },
    });
    const fit = byName.get(tasks[1]!.template) as { container: { command: string[]; resources: unknown } };
    expect(fit.container.command).toContain("--trial-workers");
    expect(fit.container.resources).toEqual(worker.container.resources);
    // The model without a tune block (lin) stays a plain step.
    expect(plan.dag.tasks.find((t) => t.name === "model-lin")!.template).toBe("exec");
    const broken = structuredClone(wf);
    broken.spec.templates[1]!.retryStrategy = { limt: "2" };
    expect(valid(broken).join("\n")).toMatch(/additional properties.*limt/);
    const typed = structuredClone(wf);
    typed.spec.templates[1]!.daemon = "yes";
    expect(valid(typed).join("\n")).toMatch(/daemon must be boolean/);
    expect(valid({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: {} })).not.toEqual([]);
  }, 60_000);
});
