// What the deploy block's `serve = rest { port = … }` asks of `mlc serve` and of the container
// export: read from the lowered node, shared by the CLI and the runtime.
import { isCall, isRef } from "../../ir/expr-json.js";
import type { GraphNode } from "../../ir/graph-ir.js";
import { readBlock } from "../../ir/node-config.js";

/** The port the language gives `rest` when the spec names none (the builtin's default). */
export const DEFAULT_REST_PORT = 8080;

/**
 * The HTTP port of a deployment node: the `port` of its `rest { … }` target, the default port for a
 * bare `rest` (or no `serve`), undefined for a target that is not served over HTTP (batch, stream…).
 */
export function restPortOf(node: GraphNode): number | undefined {
  const serve = readBlock(node.config, "deploy").attributes.serve;
  if (serve === undefined) return DEFAULT_REST_PORT;
  if (isRef(serve)) return serve.$ref[0] === "rest" ? DEFAULT_REST_PORT : undefined;
  if (!isCall(serve) || serve.$call !== "rest") return undefined;
  const port = serve.named.port ?? serve.args[0];
  return typeof port === "number" ? port : DEFAULT_REST_PORT;
}
