// A project with a deployed control and the experiment executor's context for a churn/retention test.
import { createHash } from "node:crypto";
import type { ExecContext, NodeResult } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { fixtureMeta, fixtureOnnx } from "../serve/fixtures.js";

function modelResult(version: number, store: Map<string, Uint8Array>, bytes?: Uint8Array): NodeResult {
  const onnx = bytes ?? fixtureOnnx({ version, scale: version });
  const hash = "sha256:" + createHash("sha256").update(onnx).digest("hex");
  store.set(hash, onnx);
  const meta = fixtureMeta({ version });
  return {
    artifacts: { onnx: hash },
    summary: {
      version,
      task: { kind: "binary", classes: ["stay", "churn"] },
      threshold: 0.5,
      inputs: JSON.parse(JSON.stringify(meta.inputs)) as Json,
      output_width: 1,
    },
  };
}

/**
 * The executor's context for experiment offer_test on deployment api (control = churn, offer = retention);
 * `attributes` adds or replaces attributes, `onnx` gives a model's graph (default: the fixture's).
 */
export function context(
  p: string,
  versions: Record<string, number>,
  opts: { attributes?: { [k: string]: Json }; onnx?: Record<string, Uint8Array> } = {},
): ExecContext {
  const store = new Map<string, Uint8Array>();
  const attributes: { [k: string]: Json } = {
    deployment: { $ref: ["api"] },
    variants: { $object: { control: { $ref: ["churn"] }, offer: { $ref: ["retention"] } } },
    allocation: { $object: { control: { $percent: 50 }, offer: { $percent: 50 } } },
    key: "customer_id",
    metrics: { $object: { converted: { $ref: ["binary"] } } },
    primary: "converted",
    mde: { $percent: 10 },
    baseline: { $percent: 12 },
    ...opts.attributes,
  };
  return {
    projectDir: p,
    node: {
      id: "experiment.offer_test",
      kind: "experiment",
      name: "offer_test",
      config: { attributes },
      inputs: [],
    },
    inputs: new Map([
      ["model.churn", modelResult(versions.churn!, store, opts.onnx?.churn)],
      ["model.retention", modelResult(versions.retention!, store, opts.onnx?.retention)],
    ]),
    artifacts: {
      put: async () => "",
      get: async (h) => store.get(h)!,
      has: async (h) => store.has(h),
    },
    seed: 0,
    signal: new AbortController().signal,
    log: () => undefined,
    progress: () => undefined,
  };
}
