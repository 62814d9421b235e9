// The plan: a pure function of (Graph IR, state snapshot, data fingerprints, artifact health)
// returning a serialisable Plan. Renderers format it; apply executes it and never re-decides.
import type { DataFingerprint } from "../ir/executor.js";
import { type Graph, type GraphNode, type Json, isObj, type JsonObject as Obj } from "../ir/graph-ir.js";
import { computeFingerprints, UNREGISTERED, type ExecutorInfo, type NodeFingerprint } from "./fingerprint.js";
import { topoOrder, withAncestors } from "./graph-order.js";
import { jsonText } from "../ir/json-text.js";
import type { ArtifactHealth } from "./artifacts/store.js";
import type { NodeRecord, StateSnapshot } from "../ir/state-store.js";

export type Action = "create" | "update" | "replace" | "delete" | "noop";

export type Reason =
  | { type: "new_node" }
  /** `old`/`new` are canonical JSON values; absent on the side where the attribute does not exist. */
  | { type: "attribute_changed"; path: string; old?: Json; new?: Json }
  | { type: "upstream_changed"; node: string }
  | {
      type: "data_changed";
      description: string;
      before: { hash: string; rows?: number };
      after: { hash: string; rows?: number };
    }
  | { type: "artifact_missing"; role: string; hash: string }
  | { type: "artifact_corrupt"; role: string; hash: string }
  /** Something the node wrote outside the artifact store (a bundle, a deployment pointer) is missing or damaged. */
  | { type: "output_damaged"; problem: string }
  | { type: "executor_version_changed"; old: string; new: string }
  | { type: "removed_from_spec" }
  | { type: "previously_failed"; error: string }
  | { type: "replace_requested" }
  /** An executor recognised the change as a continuation of the last run (e.g. "20 more trials"). */
  | { type: "incremental"; text: string }
  /** An executor recognised the changed inputs as a re-evaluation of the same result ("re-evaluated; same version"). */
  | { type: "reevaluated"; text: string }
  /** The fingerprint changed for a reason none of the above explains (e.g. a new fingerprint scheme). */
  | { type: "fingerprint_changed"; old: string; new: string };

export interface Change {
  id: string;
  kind: string;
  action: Action;
  reasons: Reason[];
  /** The fingerprint the node will have once applied (absent for delete). */
  fingerprint?: string;
  previousFingerprint?: string;
}

interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  noop: number;
}

export interface Plan {
  formatVersion: 1;
  graph: Graph;
  /** The state serial the plan was made against (a saved plan is refused once it moved). */
  stateSerial: number;
  /** The data fingerprints of sources the plan was made against. */
  data: Record<string, DataFingerprint>;
  fingerprints: Record<string, NodeFingerprint>;
  /** Executor version per kind at plan time. */
  executors: Record<string, string>;
  /** Every planned node in topological order (noop included), then deletes. */
  changes: Change[];
  summary: PlanSummary;
  /** Set when the plan was restricted with --target. */
  targets?: string[];
  /** The project's seed, passed to executors as ctx.seed. */
  seed?: number;
  /** The recorded objects the plan verified (for the no-op plan shortcut). */
  objects?: string[];
  /** Files outside the object store the plan verified (bundles, pointers), for the no-op plan shortcut. */
  files?: string[];
  /** What kinds read for their nodes' notes beyond the spec and the state (an experiment's baseline from the log), by node id. */
  evidence?: Record<string, Json>;
  /** What the plan already knows of a stale node's outcome, by id (a gate: `would FAIL (…)`). */
  predictions?: Record<string, string>;
}

interface PlanInput {
  graph: Graph;
  state: StateSnapshot;
  data: Readonly<Record<string, DataFingerprint>>;
  executorOf: (kind: string) => ExecutorInfo | undefined;
  /** Health of the artifacts recorded for the nodes in state, by hash (missing entries count as ok). */
  artifacts: Readonly<Record<string, ArtifactHealth>>;
  /** Problems with what nodes wrote outside the artifact store, by node id (Executor.checkOutputs). */
  outputs?: Readonly<Record<string, readonly string[]>>;
  /** Node ids to replace even if unchanged (--replace). */
  replace?: readonly string[];
  /** Node ids to plan, with their ancestors (--target). */
  targets?: readonly string[];
}

const MAX_ATTRIBUTE_REASONS = 12;

const isBlockList = (j: Json | undefined): j is Obj[] =>
  Array.isArray(j) && j.length > 0 && j.every((x) => isObj(x) && typeof x.$block === "string");
const same = (a: Json | undefined, b: Json | undefined) => jsonText(a) === jsonText(b);

/** Paths of changed values: `threshold`, `params.trees`, `assertions[1]`. Nested `$block` wrappers are folded away. */
function diffConfig(oldC: Json | undefined, newC: Json | undefined, path = "", out: Reason[] = []): Reason[] {
  if (same(oldC, newC)) return out;
  const push = (p: string, o: Json | undefined, n: Json | undefined) =>
    out.push({
      type: "attribute_changed",
      path: p || "(config)",
      ...(o === undefined ? {} : { old: o }),
      ...(n === undefined ? {} : { new: n }),
    });
  if (isObj(oldC) && isObj(newC) && !("$op" in oldC) && !("$call" in oldC) && !("$ref" in oldC)) {
    const block = typeof oldC.$block === "string" && oldC.$block === newC.$block;
    for (const k of [...new Set([...Object.keys(oldC), ...Object.keys(newC)])].sort()) {
      if (k === "$block") continue;
      const sub = block && (k === "attributes" || k === "blocks") ? path : path ? `${path}.${k}` : k;
      diffConfig(oldC[k], newC[k], sub, out);
    }
    return out;
  }
  if (isBlockList(oldC) && isBlockList(newC) && oldC.length === 1 && newC.length === 1)
    return diffConfig(oldC[0], newC[0], path, out);
  if (
    Array.isArray(oldC) &&
    Array.isArray(newC) &&
    (isBlockList(oldC) || isBlockList(newC) || path.endsWith("assertions"))
  ) {
    for (let i = 0; i < Math.max(oldC.length, newC.length); i++)
      diffConfig(oldC[i], newC[i], `${path}[${i}]`, out);
    return out;
  }
  push(path, oldC, newC);
  return out;
}

function explain(
  node: GraphNode,
  fp: NodeFingerprint,
  rec: NodeRecord,
  data: DataFingerprint | undefined,
  version: string,
): Reason[] {
  const reasons: Reason[] = [];
  if (rec.executorVersion !== version)
    reasons.push({ type: "executor_version_changed", old: rec.executorVersion, new: version });
  if (data && rec.data?.hash !== data.hash) {
    const beforeRows = rec.data?.rows ?? rec.result?.metrics?.rows;
    reasons.push({
      type: "data_changed",
      description: data.description,
      // Sources that do not count rows while hashing still recorded the row count of their last run.
      before: { hash: rec.data?.hash ?? "", ...(beforeRows === undefined ? {} : { rows: beforeRows }) },
      after: { hash: data.hash, ...(data.rows === undefined ? {} : { rows: data.rows }) },
    });
  }
  const attrs = diffConfig(rec.node.config, node.config);
  reasons.push(...attrs.slice(0, MAX_ATTRIBUTE_REASONS));
  for (const [id, f] of Object.entries(fp.inputs))
    if (rec.inputFingerprints[id] !== f) reasons.push({ type: "upstream_changed", node: id });
  if (!reasons.length) reasons.push({ type: "fingerprint_changed", old: rec.fingerprint, new: fp.whole });
  return reasons;
}

export function plan(input: PlanInput): Plan {
  const { graph, state } = input;
  const fingerprints = computeFingerprints(graph, input.executorOf, input.data);
  const scope = input.targets?.length ? withAncestors(graph, input.targets) : undefined;
  const replace = new Set(input.replace ?? []);
  const executors: Record<string, string> = {};
  const changes: Change[] = [];
  for (const node of topoOrder(graph)) {
    if (scope && !scope.has(node.id)) continue;
    const info = input.executorOf(node.kind);
    const version = info?.version ?? UNREGISTERED;
    executors[node.kind] = version;
    const fp = fingerprints[node.id]!;
    const rec = state.nodes[node.id];
    const base = { id: node.id, kind: node.kind, fingerprint: fp.whole };
    if (!rec || !rec.fingerprint) {
      const reasons: Reason[] = [{ type: "new_node" }];
      if (rec?.status === "failed") reasons.push({ type: "previously_failed", error: rec.error ?? "" });
      changes.push({ ...base, action: "create", reasons });
      continue;
    }
    const prev = { previousFingerprint: rec.fingerprint };
    const artifactReasons: Reason[] = [];
    for (const [role, hash] of Object.entries(rec.result?.artifacts ?? {}).sort()) {
      const h = input.artifacts[hash];
      if (h === "missing") artifactReasons.push({ type: "artifact_missing", role, hash });
      if (h === "corrupt") artifactReasons.push({ type: "artifact_corrupt", role, hash });
    }
    for (const problem of input.outputs?.[node.id] ?? [])
      artifactReasons.push({ type: "output_damaged", problem });
    const changed = rec.fingerprint !== fp.whole;
    const reasons: Reason[] = changed ? explain(node, fp, rec, input.data[node.id], version) : [];
    if (rec.status === "failed") reasons.push({ type: "previously_failed", error: rec.error ?? "" });
    if (replace.has(node.id) || artifactReasons.length) {
      if (replace.has(node.id)) reasons.unshift({ type: "replace_requested" });
      changes.push({ ...base, ...prev, action: "replace", reasons: [...reasons, ...artifactReasons] });
    } else if (reasons.length) {
      const incremental = reasons.every((r) => r.type === "attribute_changed")
        ? info?.incrementalChange?.(rec.node.config, node.config)
        : undefined;
      const reevaluated =
        !incremental && reasons.every((r) => r.type === "upstream_changed")
          ? info?.upstreamChange?.(reasons.map((r) => (r.type === "upstream_changed" ? r.node : "")))
          : undefined;
      if (incremental)
        changes.push({
          ...base,
          ...prev,
          action: "update",
          reasons: [{ type: "incremental", text: incremental }],
        });
      else if (reevaluated)
        changes.push({
          ...base,
          ...prev,
          action: "update",
          reasons: [...reasons, { type: "reevaluated", text: reevaluated }],
        });
      else changes.push({ ...base, ...prev, action: info?.changeAction ?? "update", reasons });
    } else {
      changes.push({ ...base, ...prev, action: "noop", reasons: [] });
    }
  }
  if (!scope) {
    const live = new Set(graph.nodes.map((n) => n.id));
    for (const rec of Object.values(state.nodes).sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (live.has(rec.id) || rec.status === "retired") continue;
      changes.push({
        id: rec.id,
        kind: rec.kind,
        action: "delete",
        reasons: [{ type: "removed_from_spec" }],
        previousFingerprint: rec.fingerprint,
      });
    }
  }
  const summary: PlanSummary = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) summary[c.action]++;
  return {
    formatVersion: 1,
    graph,
    stateSerial: state.serial,
    data: { ...input.data },
    fingerprints,
    executors,
    changes,
    summary,
    ...(input.targets?.length ? { targets: [...input.targets] } : {}),
  };
}

export const hasChanges = (p: Plan): boolean => p.changes.some((c) => c.action !== "noop");
