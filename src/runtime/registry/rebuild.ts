// `mlc state rebuild`: re-registers model versions from the bundles on disk and the champion and
// challenger aliases from the deployment pointers, after the state was lost. Never overwrites a version.
import { resolve } from "node:path";
import type { StateStore } from "../../ir/state-store.js";
import { resolveBundlePath, type BundleRef } from "../../serve/deployment.js";
import { highestVersions, scanDisk } from "./disk-evidence.js";
import { ModelRegistry, type ModelVersion } from "../../registry/model-registry.js";

export interface RebuildReport {
  /** "model@version" registered from a bundle. */
  registered: string[];
  /** "model@version" already recorded with the same ONNX graph. */
  alreadyKnown: string[];
  /** Alias changes made from the pointers: "model champion → 3 (deployment churn_api)". */
  aliases: string[];
  /** What could not be used, with the reason (damaged bundle, unreadable pointer, conflict). */
  skipped: string[];
}

/** Rebuilds the registry from the project's bundles and pointers; idempotent. */
export async function rebuildRegistry(projectDir: string, store: StateStore): Promise<RebuildReport> {
  const evidence = scanDisk(projectDir);
  const registry = new ModelRegistry(store);
  const report: RebuildReport = { registered: [], alreadyKnown: [], aliases: [], skipped: [] };
  const seen = new Map<string, string>();
  for (const b of evidence.bundles) {
    if (!b.meta) {
      report.skipped.push(`${b.dir}: ${b.problem}`);
      continue;
    }
    const m = b.meta;
    const id = `${m.model}@${m.version}`;
    const onnx = m.onnx_sha256 ?? m.lineage.artifact;
    if (seen.has(id)) {
      if (seen.get(id) !== onnx)
        report.skipped.push(`${b.dir}: ${id} has a different ONNX graph in another deployment's bundle`);
      continue;
    }
    seen.set(id, onnx);
    const v: ModelVersion = {
      model: m.model,
      version: m.version,
      artifacts: { onnx },
      metrics: m.metrics,
      algorithm: "unknown (rebuilt from its bundle)",
      params: {},
      // Not the model node's fingerprint (unknown now): the next apply records a new version rather than reuse this one.
      fingerprint: "",
      runId: m.lineage.run_id,
      gates: {},
      created: m.created,
    };
    try {
      if (await registry.importVersion(v)) report.registered.push(id);
      else report.alreadyKnown.push(id);
    } catch (e) {
      report.skipped.push(`${b.dir}: ${(e as Error).message}`);
    }
  }
  for (const [model, version] of highestVersions(evidence))
    await store.records.raiseSequence(`model.${model}`, version);
  // by the bundle the pointer names, not by its version: two models' versions share numbers in one deployment
  const modelOf = (ref: BundleRef): string | undefined => {
    const dir = resolveBundlePath(projectDir, ref.bundle);
    const b = evidence.bundles.find((x) => resolve(x.dir) === dir);
    return b?.meta?.version === ref.version ? b.meta.model : undefined;
  };
  for (const d of evidence.deployments) {
    if (d.problem) {
      report.skipped.push(`deployment ${d.name}: ${d.problem}`);
      continue;
    }
    if (!d.pointer) continue;
    const reason = `rebuilt from .mlc/deployments/${d.name}/current.json by mlc state rebuild`;
    const arms: ["champion" | "challenger", BundleRef][] = [["champion", d.pointer]];
    if (d.pointer.rollout) arms.push(["challenger", d.pointer.rollout.candidate]);
    for (const [alias, ref] of arms) {
      const version = ref.version;
      const model = modelOf(ref);
      if (!model || !(await registry.version(model, version))) {
        report.skipped.push(`deployment ${d.name}: its ${alias} version ${version} has no readable bundle`);
        continue;
      }
      if ((await registry.alias(model, alias))?.version === version) continue;
      await registry.setAlias(model, alias, version, reason);
      report.aliases.push(`${model} ${alias} → ${version} (deployment ${d.name})`);
    }
  }
  return report;
}
