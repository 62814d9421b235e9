// Detects a lost state: bundles or deployments exist on disk but the state records nothing (the
// database was deleted, emptied or replaced). Applying then would restart version numbers at 1.
import type { StateStore } from "../../ir/state-store.js";
import { StateError } from "../state/state-error.js";
import { highestVersions, scanDisk, type DiskEvidence } from "./disk-evidence.js";

/** Does the state record nothing at all (no node, no registry record)? */
export async function stateIsEmpty(store: StateStore): Promise<boolean> {
  return (
    (await store.listNodes({ includeRetired: true })).length === 0 && (await store.records.count()) === 0
  );
}

function describe(e: DiskEvidence): string {
  const lines: string[] = [];
  const byModel = highestVersions(e);
  if (e.bundles.length)
    lines.push(
      `  ${e.bundles.length} bundle${e.bundles.length === 1 ? "" : "s"} in .mlc/bundles (${[...byModel].map(([m, v]) => `${m} up to version ${v}`).join(", ") || "unreadable"})`,
    );
  const live = e.deployments.filter((d) => d.pointer || d.problem);
  if (live.length)
    lines.push(
      `  ${live.length} deployment pointer${live.length === 1 ? "" : "s"} in .mlc/deployments (${live.map((d) => (d.pointer ? `${d.name} serves version ${d.pointer.version}` : `${d.name}: unreadable`)).join(", ")})`,
    );
  const hist = e.deployments.filter((d) => !d.pointer && !d.problem && d.hasHistory);
  if (hist.length) lines.push(`  the history of ${hist.map((d) => d.name).join(", ")} in .mlc/deployments`);
  return lines.join("\n");
}

/**
 * Refuses to plan or apply on a lost state (StateError naming what was found and the recovery),
 * unless `forceNewState`: then the version counters are moved past every number on disk, so a
 * number is never handed out again. Returns what was found when the state was empty.
 */
export async function guardLostState(
  projectDir: string,
  store: StateStore,
  opts: { forceNewState?: boolean } = {},
): Promise<DiskEvidence | undefined> {
  if (!(await stateIsEmpty(store))) return undefined;
  const evidence = scanDisk(projectDir);
  if (!evidence.bundles.length && !evidence.deployments.length) return undefined;
  if (opts.forceNewState) {
    for (const [model, version] of highestVersions(evidence))
      await store.records.raiseSequence(`model.${model}`, version);
    return evidence;
  }
  throw new StateError(
    [
      `the state (${store.location}) is empty, but this project has deployed before:`,
      describe(evidence),
      `The state was lost or replaced. Applying now would number model versions from 1 again and compare`,
      `against no champion, so nothing was run. Either:`,
      `  - rebuild the registry (versions, champion and challenger) from the bundles and pointers on disk:`,
      `      mlc state rebuild${projectDir === process.cwd() ? "" : ` --dir ${projectDir}`}`,
      `  - or start a new state on purpose, numbering new versions after the highest on disk (no champion):`,
      `      mlc apply --force-new-state`,
      `  - or point MLC_STATE_URL / MLC_STATE_SCHEMA back at the state you meant.`,
    ].join("\n"),
  );
}
