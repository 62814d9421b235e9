// Garbage collection of the artifact store: removes objects that no live node result and no
// registry record references, and temporary files left by killed writers. Runs under the apply lock.
// The shared store is collected only when asked: its objects are safe to judge only against a shared state.
import { rm } from "node:fs/promises";
import type { ArtifactStore } from "./artifacts/store.js";
import type { StateStore } from "../ir/state-store.js";

interface GcResult {
  removed: number;
  bytes: number;
  kept: number;
  temps: number;
  /** Objects removed from the shared store (S3 or folder), when it was collected. */
  sharedRemoved: number;
  sharedKept: number;
}

export async function collectGarbage(
  store: StateStore,
  artifacts: ArtifactStore,
  opts: { dryRun?: boolean; sharedStore?: boolean } = {},
): Promise<GcResult> {
  const referenced = await store.referencedArtifacts();
  const out: GcResult = { removed: 0, bytes: 0, kept: 0, temps: 0, sharedRemoved: 0, sharedKept: 0 };
  for (const o of await artifacts.list()) {
    if (referenced.has(o.hash)) {
      out.kept++;
      continue;
    }
    out.removed++;
    out.bytes += o.size;
    if (!opts.dryRun) await artifacts.remove(o.hash);
  }
  if (opts.sharedStore && artifacts.remote) {
    for (const o of await artifacts.remote.list()) {
      if (referenced.has(o.hash)) {
        out.sharedKept++;
        continue;
      }
      out.sharedRemoved++;
      out.bytes += o.size;
      if (!opts.dryRun) await artifacts.remote.remove(o.hash);
    }
  }
  for (const t of await artifacts.staleTemps(3_600_000)) {
    out.temps++;
    if (!opts.dryRun) await rm(t, { force: true });
  }
  return out;
}
