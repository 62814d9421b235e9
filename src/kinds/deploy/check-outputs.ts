// What plan checks of a deploy node's last run outside the artifact store: the version's bundle
// loads and matches its hash, and the deployment pointer exists and is valid (what `mlc serve` needs).
import { relative } from "node:path";
import { BUNDLE_JSON, BUNDLE_ONNX, BundleError, loadBundle } from "../../serve/bundle.js";
import { DeploymentError, pointerPath, readDeployment, resolveBundlePath } from "../../serve/deployment.js";
import type { NodeResult, OutputCheck } from "../../ir/executor.js";
import type { GraphNode } from "../../ir/graph-ir.js";

export function checkDeployOutputs(projectDir: string, node: GraphNode, result: NodeResult): OutputCheck {
  const problems: string[] = [];
  const files: string[] = [];
  const rel = (p: string) => relative(projectDir, p) || p;
  const bundle = result.summary?.bundle;
  if (typeof bundle === "string") {
    const dir = resolveBundlePath(projectDir, bundle);
    files.push(`${dir}/${BUNDLE_JSON}`, `${dir}/${BUNDLE_ONNX}`);
    try {
      loadBundle(dir);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      problems.push(`bundle ${rel(dir)} is missing or corrupt: ${e.message.replace(/^bundle \S+: /, "")}`);
    }
  }
  const pointer = pointerPath(projectDir, node.name);
  files.push(pointer);
  try {
    if (!readDeployment(projectDir, node.name))
      problems.push(`deployment pointer ${rel(pointer)} is missing: ${node.name} serves nothing`);
  } catch (e) {
    if (!(e instanceof DeploymentError)) throw e;
    problems.push(`deployment pointer ${rel(pointer)} is corrupt: ${e.message.replace(/^\S+ /, "")}`);
  }
  return { problems, files };
}
