// The port a deployment's spec gives `mlc serve` and the container export: `serve = rest { port = … }`.
import { SyntaxCode } from "../compiler/diagnostic-codes.js";
import { renderDiagnostics } from "../compiler/diagnostic-render.js";
import { nodeIdOf } from "../ir/graph-ir.js";
import { DEFAULT_REST_PORT, restPortOf } from "../kinds/deploy/config.js";
import { compileGraph, ProjectError } from "../runtime/project.js";
import { CliExit } from "./exit.js";

/**
 * The port the spec gives the deployment (`serve = rest { port = … }`), or 8080. A project directory
 * without a spec (a container's copy of the bundle and pointer) serves on 8080; a spec with errors
 * is reported and refused, since its port cannot be known.
 */
export function specPort(dir: string, deployment: string, command: string): number {
  let compiled;
  try {
    compiled = compileGraph(dir);
  } catch (e) {
    if (e instanceof ProjectError) return DEFAULT_REST_PORT;
    throw e;
  }
  // a folder without any spec (the container's project: a bundle and its pointer) has no port of its own
  if (!compiled.ok && compiled.diagnostics.every((d) => d.code === SyntaxCode.noSpecFiles))
    return DEFAULT_REST_PORT;
  if (!compiled.ok)
    throw new CliExit(
      1,
      renderDiagnostics(compiled.diagnostics, compiled.sources, { color: false }) +
        `mlc ${command}: the spec has errors, so its port is unknown; fix them or give --port`,
    );
  const node = compiled.graph.nodes.find((n) => n.id === nodeIdOf("deploy", deployment));
  return (node && restPortOf(node)) ?? DEFAULT_REST_PORT;
}
