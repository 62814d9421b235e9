// The `gate` executor: evaluates a gate's assertions against its model's measurements and the
// champion, records the outcome on the model version, and fails the branch when any fails.
import { hasRef, isRef } from "../../ir/expr-json.js";
import { readBlock } from "../../ir/node-config.js";
import { NodeFailure, type ExecContext, type Executor, type NodeResult } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { ModelRegistry, type ModelVersion } from "../../registry/model-registry.js";
import { readModelSpec } from "../model/model-spec.js";
import { evaluateAssertion, renderGateResults } from "./assertions.js";
import { GateData } from "./measurements.js";
import { encodeGateResults } from "./results.js";

export const GATE_EXECUTOR_VERSION = "1";

function usesLatency(j: Json): boolean {
  return hasRef(j, (path) => path[0] === "latency");
}

async function run(ctx: ExecContext): Promise<NodeResult> {
  const gate = readBlock(ctx.node.config, "gate");
  const modelRef = gate.attributes.model;
  const modelName =
    modelRef !== undefined && isRef(modelRef)
      ? modelRef.$ref[0]!
      : typeof modelRef === "string"
        ? modelRef
        : undefined;
  if (!modelName)
    throw new NodeFailure(`gate ${ctx.node.name}: model must name a model block`, { code: "MLC2301" });
  const modelId = `model.${modelName}`;
  const modelNode = ctx.inputNodes?.get(modelId);
  const modelResult = ctx.inputs.get(modelId);
  if (!modelNode || !modelResult)
    throw new NodeFailure(`gate ${ctx.node.name}: model ${modelName} has no result to gate`, {
      code: "MLC2007",
      hint: `apply the model first (\`mlc apply --target ${modelName}\`)`,
    });
  const spec = readModelSpec(modelName, modelNode.config);
  const firstRunAttr = gate.attributes.first_run;
  const firstRun =
    (isRef(firstRunAttr ?? null) ? (firstRunAttr as { $ref: string[] }).$ref[0] : firstRunAttr) === "fail"
      ? "fail"
      : "pass";
  const version = typeof modelResult.summary?.version === "number" ? modelResult.summary.version : undefined;

  let champion: ModelVersion | undefined;
  const registry = ctx.state ? new ModelRegistry(ctx.state) : undefined;
  if (registry) champion = await registry.alias(modelName, "champion");

  const data = await GateData.load(
    { artifacts: ctx.artifacts, spec, model: modelResult, ...(champion ? { champion } : {}), seed: ctx.seed },
    { latency: gate.assertions.some(usesLatency), parts: new Set(["valid", "test"]) },
  );
  const results = gate.assertions.map((a) => {
    const r = evaluateAssertion(a, data, firstRun);
    const fairness = data.takeFairness();
    return fairness.length ? { ...r, fairness } : r;
  });
  const passed = results.every((r) => r.passed);
  const report =
    renderGateResults(ctx.node.name, results) +
    (data.notes.length ? `\n  ${data.notes.join("\n  ")}` : "") +
    (champion
      ? `\n  champion: ${modelName} version ${champion.version}`
      : `\n  no champion yet (first_run = ${firstRun})`);
  const resultsJson = encodeGateResults(results);
  if (registry && version !== undefined)
    await registry.recordGate(modelName, version, ctx.node.name, passed, resultsJson);
  if (!passed)
    throw new NodeFailure(report, {
      code: "MLC2300",
      hint: "the model version is recorded but not promoted; improve the model or change the gate's conditions",
      details: { results: resultsJson },
    });
  ctx.log(report);
  const metrics: Record<string, number> = { passed: 1, assertions: results.length };
  for (const r of results) for (const [k, v] of Object.entries(r.values)) metrics[k] = v;
  return {
    artifacts: {},
    metrics,
    summary: {
      model: modelName,
      version: version ?? null,
      champion_version: champion?.version ?? null,
      results: resultsJson,
      notes: data.notes,
      champion_rows: data.championRows as { [part: string]: Json },
    },
  };
}

export const gateExecutor: Executor = { kind: "gate", version: GATE_EXECUTOR_VERSION, run };
