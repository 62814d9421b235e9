// The ensemble's runtime half (src/kinds/model/ensemble.ts) refuses, with its codes, members it
// cannot serve: a calibrated one (MLC2451), one of another class order (MLC2451), one reading a
// feature the ensemble does not make (MLC2452), and one whose predictions through the shared
// features differ from the ones it stored (MLC2452).
import { describe, expect, it } from "vitest";
import type { NodeResult } from "../../src/ir/executor.js";
import type { Json } from "../../src/ir/graph-ir.js";
import { loadEstimator } from "../../src/ml/algorithms.js";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { ensembleOf } from "../../src/kinds/model/ensemble.js";
import { readModelSpec } from "../../src/kinds/model/model-spec.js";
import { taskJson } from "../../src/kinds/model/results.js";
import { context, MemoryArtifacts, node } from "../data/fixtures.js";

const TASK: Task = { kind: "binary", classes: ["no", "yes"] };
const ref = (...path: string[]): Json => ({ $ref: path });
const config = (algorithm: Json, features: Json = { $ref: ["f"], star: true }): { [k: string]: Json } => ({
  task: { $call: "classify", args: [ref("y")], named: {} },
  data: ref("parts"),
  features,
  algorithm,
});

function data(n: number, names: string[], shift = 0): Dataset {
  const columns = names.map((_, j) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1) + shift)),
  );
  const y = Float64Array.from({ length: n }, (_, i) =>
    columns[0]![i]! + 0.3 * (columns[1]?.[i] ?? 0) > 0 ? 1 : 0,
  );
  return { X: { nRows: n, names, columns }, y };
}

const f64 = (a: Float64Array): Uint8Array => new Uint8Array(a.buffer.slice(0));

interface MemberOptions {
  names?: string[];
  calibrated?: boolean;
  task?: Task;
  validShift?: number;
}

async function setUp(members: Record<string, MemberOptions>) {
  const artifacts = new MemoryArtifacts();
  const logistic = (await loadEstimator("logistic"))!;
  const inputs: Record<string, NodeResult> = {};
  const nodes = [];
  const valid = data(20, ["a", "b", "c"], 1);
  for (const [name, o] of Object.entries(members)) {
    const names = o.names ?? ["a", "b"];
    const model = await logistic.fit(data(60, names), undefined, {}, TASK, { seed: 1 });
    const validX = {
      nRows: 20,
      names,
      columns: names.map((n) => valid.X.columns[Math.max(0, ["a", "b", "c"].indexOf(n))]!),
    };
    const stored = model.predict(validX);
    if (o.validShift) stored[3] = stored[3]! + o.validShift;
    inputs[`model.${name}`] = {
      artifacts: {
        model: await artifacts.put(model.serialize()),
        valid_predictions: await artifacts.put(f64(stored)),
        ...(o.calibrated ? { calibrator: await artifacts.put(new Uint8Array([1])) } : {}),
      },
      summary: { algorithm: "logistic", params: {}, task: taskJson(o.task ?? TASK), version: 1 },
    };
    nodes.push(node("model", name, config(ref("logistic"))));
  }
  const spec = readModelSpec(
    "blend",
    config({ $call: "vote", args: [Object.keys(members).map((m) => ref(m))], named: {} }),
  );
  const ctx = context("/tmp", node("model", "blend", {}), artifacts, inputs);
  ctx.inputNodes = new Map(nodes.map((n) => [n.id, n]));
  return { ctx, spec, valid };
}

describe("ensemble members at run time", () => {
  it("votes over members that read their own columns of the shared features", async () => {
    const { ctx, spec, valid } = await setUp({ one: {}, two: { names: ["c", "a"] } });
    const e = await ensembleOf(ctx, spec);
    const model = await e.estimator.fit(data(60, ["a", "b", "c"]), valid, {}, TASK, { seed: 1 });
    expect(model.predict(valid.X)).toHaveLength(20);
    expect(e.summary.ensemble).toMatchObject({ kind: "vote", weights: [1, 1] });
  });

  it("refuses a calibrated member (MLC2451)", async () => {
    const { ctx, spec } = await setUp({ one: {}, two: { calibrated: true } });
    await expect(ensembleOf(ctx, spec)).rejects.toMatchObject({
      code: "MLC2451",
      message: expect.stringMatching(/member two is calibrated/),
    });
  });

  it("refuses a member of another class order (MLC2451)", async () => {
    const { ctx, spec, valid } = await setUp({
      one: {},
      two: { task: { kind: "binary", classes: ["yes", "no"] } },
    });
    const e = await ensembleOf(ctx, spec);
    await expect(
      e.estimator.fit(data(60, ["a", "b", "c"]), valid, {}, TASK, { seed: 1 }),
    ).rejects.toMatchObject({
      code: "MLC2451",
    });
  });

  it("refuses a member reading a feature the ensemble does not make (MLC2452)", async () => {
    const { ctx, spec } = await setUp({ one: {}, two: { names: ["a", "z"] } });
    const e = await ensembleOf(ctx, spec);
    await expect(
      e.estimator.fit(data(60, ["a", "b", "c"]), undefined, {}, TASK, { seed: 1 }),
    ).rejects.toMatchObject({
      code: "MLC2452",
      message: expect.stringMatching(/member two reads z/),
    });
  });

  it("refuses a member whose predictions through the shared features differ from its own (MLC2452)", async () => {
    const { ctx, spec, valid } = await setUp({ one: {}, two: { validShift: 0.01 } });
    const e = await ensembleOf(ctx, spec);
    await expect(
      e.estimator.fit(data(60, ["a", "b", "c"]), valid, {}, TASK, { seed: 1 }),
    ).rejects.toMatchObject({
      code: "MLC2452",
      message: expect.stringMatching(/for valid row 3/),
    });
  });
});
