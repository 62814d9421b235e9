// What the project directory says was deployed, read without the state: the bundles under
// .mlc/bundles/<deployment>/v<N>/ (the deploy block's model) and <model>-v<N>/ (an experiment's variant
// of another model, whose version numbers are its own), and the pointers under .mlc/deployments/. Lost-state checks and rebuild use it.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BundleError, loadBundle, type BundleMeta } from "../../serve/bundle.js";
import {
  DeploymentError,
  historyPath,
  readDeployment,
  type DeploymentPointer,
} from "../../serve/deployment.js";

export interface DiskBundle {
  deployment: string;
  dir: string;
  /** The bundle's metadata; undefined when the bundle cannot be read (`problem` says why). */
  meta?: BundleMeta;
  problem?: string;
}

export interface DiskDeployment {
  name: string;
  pointer?: DeploymentPointer;
  problem?: string;
  hasHistory: boolean;
}

export interface DiskEvidence {
  bundles: DiskBundle[];
  deployments: DiskDeployment[];
}

/** `v<N>`, or `<model>-v<N>` beside it (src/kinds/deploy/model-bundle.ts); never a dot-entry. */
const BUNDLE_FOLDER = /^(?:[A-Za-z_][A-Za-z0-9_]*-)?v\d+$/;

const list = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
    : [];

/** Every bundle and deployment recorded in the project directory (dot-entries, e.g. set-aside copies, excluded). */
export function scanDisk(projectDir: string): DiskEvidence {
  const root = join(projectDir, ".mlc");
  const bundles: DiskBundle[] = [];
  for (const deployment of list(join(root, "bundles"))
    .filter((n) => !n.startsWith("."))
    .sort()) {
    for (const v of list(join(root, "bundles", deployment)).filter((n) => BUNDLE_FOLDER.test(n))) {
      const dir = join(root, "bundles", deployment, v);
      try {
        bundles.push({ deployment, dir, meta: loadBundle(dir).meta });
      } catch (e) {
        if (!(e instanceof BundleError)) throw e;
        bundles.push({ deployment, dir, problem: e.message });
      }
    }
  }
  const deployments: DiskDeployment[] = [];
  for (const name of list(join(root, "deployments"))
    .filter((n) => !n.startsWith("."))
    .sort()) {
    const hasHistory = existsSync(historyPath(projectDir, name));
    try {
      const pointer = readDeployment(projectDir, name);
      deployments.push({ name, hasHistory, ...(pointer ? { pointer } : {}) });
    } catch (e) {
      if (!(e instanceof DeploymentError)) throw e;
      deployments.push({ name, hasHistory, problem: e.message });
    }
  }
  return { bundles, deployments };
}

/** The highest version number on disk per model (bundles name their model in bundle.json). */
export function highestVersions(evidence: DiskEvidence): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of evidence.bundles)
    if (b.meta) out.set(b.meta.model, Math.max(out.get(b.meta.model) ?? 0, b.meta.version));
  return out;
}
