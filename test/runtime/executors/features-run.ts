// Runs one features node in memory from spec text: compile and lower the project, run the sources
// it reads, then the features executor. For the join tests and the tests of what reads its tables.
import type { ColumnTable } from "arquero";
import { expect } from "vitest";
import { compileProject } from "../../../src/compiler/compile.js";
import { lower } from "../../../src/compiler/lower.js";
import { loadTable } from "../../../src/data/table-artifact.js";
import { loadExecutors } from "../../../src/runtime/executor-loader.js";
import { executorFor } from "../../../src/runtime/executor-registry.js";
import type { NodeResult } from "../../../src/ir/executor.js";
import type { Graph, GraphNode } from "../../../src/ir/graph-ir.js";
import { MemoryArtifacts, context } from "../../data/fixtures.js";
import { makeProject } from "../fixtures.js";

await loadExecutors();

export interface FeaturesRun {
  dir: string;
  graph: Graph;
  byId(id: string): GraphNode;
  /** The features node as lowered. */
  node: GraphNode;
  artifacts: MemoryArtifacts;
  /** The results of the sources that were run and of the features node, by node id. */
  results: Record<string, NodeResult>;
  /** What the features executor logged. */
  logs: string[];
  /** The stored table of a node that was run. */
  table(id: string): Promise<ColumnTable>;
}

/** `files` is the project (main.mlspec and its data); the spec must check without errors. */
export async function runFeatures(
  files: Record<string, string>,
  featuresId = "features.daily",
): Promise<FeaturesRun> {
  const dir = makeProject(files);
  const c = compileProject(dir);
  expect(c.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  const graph = lower(c.checked!);
  const byId = (id: string): GraphNode => graph.nodes.find((n) => n.id === id)!;
  const node = byId(featuresId);
  const artifacts = new MemoryArtifacts();
  const results: Record<string, NodeResult> = {};
  for (const i of node.inputs)
    results[i.node] = await executorFor("source")!.run(context(dir, byId(i.node), artifacts));
  const ctx = context(
    dir,
    node,
    artifacts,
    Object.fromEntries(node.inputs.map((i) => [i.node, results[i.node]!])),
  );
  results[node.id] = await executorFor("features")!.run(ctx);
  return {
    dir,
    graph,
    byId,
    node,
    artifacts,
    results,
    logs: ctx.logs,
    table: (id) => loadTable(artifacts, results[id]!.artifacts.table!),
  };
}
