// Lineage: the tree of runs and artifacts that produced a node's result or an artifact, walked
// from the state store (runs, their inputs, the runs that produced those), with text rendering.
import type { DataFingerprint } from "../ir/executor.js";
import type { Json } from "../ir/graph-ir.js";
import type { RunRecord, StateStore } from "../ir/state-store.js";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";

export interface LineageNode {
  node: string;
  kind: string;
  runId: string;
  status: RunRecord["status"];
  started: string;
  ended?: string;
  fingerprint: string;
  executorVersion: string;
  config: { [key: string]: Json };
  data?: DataFingerprint;
  metrics: Record<string, number>;
  outputs: { role: string; hash: string }[];
  /** Each input node with the artifacts read and the run that produced them (absent when seen earlier in the tree). */
  inputs: {
    node: string;
    artifacts: { role: string; hash: string }[];
    producedBy?: LineageNode;
    seenAbove?: boolean;
  }[];
}

export class LineageNotFound extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2004", message, opts);
  }
}

/** Resolves NODE (id or unique name) or HASH (or a prefix of at least 6 hex digits) to the run to start from. */
async function startRun(store: StateStore, target: string): Promise<string> {
  const exact = await store.getNode(target);
  if (exact?.runId) return exact.runId;
  if (exact) throw new LineageNotFound(`${target} has no successful run recorded yet`);
  const nodes = await store.listNodes({ includeRetired: true });
  const byName = nodes.filter((n) => n.id.split("/")[0]!.slice(n.id.indexOf(".") + 1) === target);
  if (byName.length === 1 && byName[0]!.runId) return byName[0]!.runId;
  if (byName.length > 1)
    throw new LineageNotFound(`'${target}' is ambiguous: ${byName.map((n) => n.id).join(", ")}`);
  if (/^[0-9a-f]{6,64}$/.test(target)) {
    const arts = await store.artifactsByPrefix(target);
    const hashes = [...new Set(arts.map((a) => a.hash))];
    if (hashes.length > 1)
      throw new LineageNotFound(
        `hash prefix ${target} matches several artifacts: ${hashes.map((h) => h.slice(0, 16)).join(", ")}`,
      );
    if (hashes.length === 1) {
      const producers = await store.producersOf(hashes[0]!);
      if (producers[0]) return producers[0];
      return arts[0]!.runId;
    }
  }
  throw new LineageNotFound(`no node or artifact '${target}' in the state (try \`mlc state list\`)`);
}

export async function lineageOf(store: StateStore, target: string): Promise<LineageNode> {
  const seen = new Set<string>();
  const build = async (runId: string): Promise<LineageNode> => {
    seen.add(runId);
    const run = await store.getRun(runId);
    if (!run) throw new LineageNotFound(`run ${runId} is not in the state`);
    const edges = await store.edgesOfRun(runId);
    const inputs: LineageNode["inputs"] = [];
    for (const i of run.inputs) {
      const artifacts = Object.entries(i.artifacts).map(([role, hash]) => ({ role, hash }));
      let producer: string | undefined;
      for (const a of artifacts) {
        producer = (await store.producersOf(a.hash)).find((r) => r !== runId);
        if (producer) break;
      }
      if (!producer) inputs.push({ node: i.node, artifacts });
      else if (seen.has(producer)) inputs.push({ node: i.node, artifacts, seenAbove: true });
      else inputs.push({ node: i.node, artifacts, producedBy: await build(producer) });
    }
    return {
      node: run.node,
      kind: run.kind,
      runId: run.id,
      status: run.status,
      started: run.started,
      ...(run.ended ? { ended: run.ended } : {}),
      fingerprint: run.fingerprint,
      executorVersion: run.executorVersion,
      config: run.config,
      ...(run.data ? { data: run.data } : {}),
      metrics: await store.metricsOfRun(runId),
      outputs: edges.filter((e) => e.direction === "output").map((e) => ({ role: e.role, hash: e.artifact })),
      inputs,
    };
  };
  return build(await startRun(store, target));
}

const short = (h: string) => h.replace(/^[a-z0-9]+:/, "").slice(0, 12);

function elapsed(a: string, b?: string): string {
  if (!b) return "";
  const ms = Date.parse(b) - Date.parse(a);
  return ms < 1000 ? ` (${ms}ms)` : ` (${(ms / 1000).toFixed(1)}s)`;
}

export function renderLineage(root: LineageNode): string {
  const lines: string[] = [];
  const walk = (n: LineageNode, indent: string) => {
    lines.push(
      `${indent}${n.node}  run ${n.runId.slice(0, 8)}  ${n.status}  ${n.started}${elapsed(n.started, n.ended)}  executor ${n.executorVersion}  fingerprint ${short(n.fingerprint)}`,
    );
    const pad = indent + "    ";
    if (n.data)
      lines.push(
        `${pad}data ${n.data.description}  ${n.data.hash}${n.data.rows !== undefined ? `  ${n.data.rows} rows` : ""}`,
      );
    if (n.outputs.length)
      lines.push(`${pad}outputs ${n.outputs.map((o) => `${o.role} ${short(o.hash)}`).join(", ")}`);
    const metrics = Object.entries(n.metrics);
    if (metrics.length)
      lines.push(
        `${pad}metrics ${metrics
          .slice(0, 8)
          .map(([k, v]) => `${k}=${+v.toPrecision(6)}`)
          .join(" ")}${metrics.length > 8 ? " …" : ""}`,
      );
    for (const i of n.inputs) {
      if (i.producedBy) walk(i.producedBy, indent + "  ← ");
      else lines.push(`${indent}  ← ${i.node}${i.seenAbove ? "  (shown above)" : "  (no recorded run)"}`);
    }
  };
  walk(root, "");
  return lines.join("\n") + "\n";
}
