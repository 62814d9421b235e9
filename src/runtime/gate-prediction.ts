// What a plan can say about a gate before anything runs. A gate re-evaluated against a model that
// does not retrain reads the metrics that model's recorded result already holds, so each assertion
// is decided now: `would FAIL (test.auc = 0.9186 < 0.93)`. An assertion that needs more than the
// recorded metrics (a champion comparison on paired rows, a fairness measure, latency) is left to
// the run. A gate whose model retrains is decided after it; the plan shows the current numbers.
import type { GraphNode, Json } from "../ir/graph-ir.js";
import type { NodeRecord } from "../ir/state-store.js";
import { readBlock } from "../ir/node-config.js";
import { isRef } from "../ir/expr-json.js";
import { evaluateAssertion, type GateMeasurements } from "../kinds/gate/assertions.js";
import type { Change, Plan } from "./plan.js";

/** Thrown by the recorded measurements for what they do not hold. */
class Unpredictable extends Error {}

/** The recorded metrics as gate measurements; anything else stops the prediction of that assertion. */
function recorded(metrics: Record<string, number>): GateMeasurements {
  return {
    lookup(path) {
      if (path[0] === "champion") throw new Unpredictable();
      const v = metrics[path.join(".")];
      if (v === undefined) throw new Unpredictable();
      return v;
    },
    known: () => Object.keys(metrics),
    call() {
      throw new Unpredictable();
    },
  };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4));

/** The metric paths an assertion reads (for the current numbers of a model that retrains). */
function paths(j: Json, out: Set<string>): void {
  const stack: Json[] = [j];
  while (stack.length) {
    const x = stack.pop()!;
    if (isRef(x)) {
      if (x.$ref[0] !== "champion") out.add(x.$ref.join("."));
    } else if (Array.isArray(x)) stack.push(...x);
    else if (x && typeof x === "object") stack.push(...Object.values(x));
  }
}

const NEGATION: Record<string, string> = {
  ">=": "<",
  ">": "<=",
  "<=": ">",
  "<": ">=",
  "==": "!=",
  "!=": "==",
};

/** `test.auc = 0.9186 < 0.93` for a metric compared with a number; undefined for anything else. */
function describe(a: Json, values: Record<string, number>, passed: boolean): string | undefined {
  if (!a || typeof a !== "object" || Array.isArray(a) || typeof a.$op !== "string") return undefined;
  const [left, right] = (a.args ?? []) as Json[];
  if (left === undefined || !isRef(left) || typeof right !== "number") return undefined;
  const path = left.$ref.join(".");
  const v = values[path];
  const op = passed ? a.$op : NEGATION[a.$op];
  return v === undefined || !op ? undefined : `${path} = ${fmt(v)} ${op} ${right}`;
}

/** The plan's line about a stale gate, or undefined when there is nothing to say. */
export function predictGate(
  gateNode: GraphNode,
  changes: ReadonlyMap<string, Change>,
  nodes: Readonly<Record<string, NodeRecord>>,
): string | undefined {
  const gate = readBlock(gateNode.config, "gate");
  const ref = gate.attributes.model;
  const model = ref !== undefined && isRef(ref) ? ref.$ref[0] : undefined;
  if (!model) return undefined;
  const modelId = `model.${model}`;
  const metrics = nodes[modelId]?.status === "ok" ? nodes[modelId]?.result?.metrics : undefined;
  const modelChange = changes.get(modelId);
  if (modelChange && modelChange.action !== "noop") {
    const read = new Set<string>();
    for (const a of gate.assertions) paths(a, read);
    const now = [...read].filter((p) => metrics?.[p] !== undefined).map((p) => `${p} = ${fmt(metrics![p]!)}`);
    return `decided after ${model} retrains${now.length ? `; the current version has ${now.join(", ")}` : ""}`;
  }
  if (!metrics) return undefined;
  const firstRun = gate.attributes.first_run === "fail" ? "fail" : "pass";
  const failed: string[] = [];
  const passed: string[] = [];
  let unknown = 0;
  for (const a of gate.assertions) {
    try {
      const r = evaluateAssertion(a, recorded(metrics), firstRun);
      (r.passed ? passed : failed).push(describe(a, r.values, r.passed) ?? r.text);
    } catch {
      // needs more than the recorded metrics, or fails as the gate would when it runs: not the plan's to decide
      unknown++;
    }
  }
  const rest = unknown ? `; ${unknown} assertion${unknown === 1 ? "" : "s"} decided when it runs` : "";
  if (failed.length) return `would FAIL (${failed.join("; ")})${rest}`;
  if (passed.length) return `would pass (${passed.join("; ")})${rest}`;
  return undefined;
}

/** The predictions of every stale gate of a plan, by node id. */
export function predictStale(p: Plan, nodes: Readonly<Record<string, NodeRecord>>): Record<string, string> {
  const changes = new Map(p.changes.map((c) => [c.id, c]));
  const out: Record<string, string> = {};
  for (const n of p.graph.nodes) {
    const c = changes.get(n.id);
    if (n.kind !== "gate" || !c || c.action === "noop" || c.action === "delete") continue;
    const line = predictGate(n, changes, nodes);
    if (line) out[n.id] = line;
  }
  return out;
}
