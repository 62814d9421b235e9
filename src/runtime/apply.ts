// Apply: executes a Plan's stale nodes in topological order, independent ones concurrently,
// recording each finished node atomically before any dependent starts; then retires removed nodes.
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { diagnosticOf, MlcError, NodeFailure, type RuntimeDiagnostic } from "../ir/errors.js";
import type { Executor, NodeResult, TrialQueue } from "../ir/executor.js";
import { executorFor as registryExecutorFor, registeredKinds } from "./executor-registry.js";
import type { GraphNode } from "../ir/graph-ir.js";
import type { ArtifactStore } from "./artifacts/store.js";
import {
  artifactDataset,
  jobFacets,
  runEvent,
  sourceDatasets,
  type LineageSink,
  type OlDataset,
} from "./openlineage.js";
import type { Action, Change, Plan } from "./plan.js";
import type { ArtifactRecord, LineageEdge, NodeRecord, RunInput, StateStore } from "../ir/state-store.js";

export type ApplyEvent =
  | { type: "start"; id: string; kind: string; action: Action }
  | { type: "finish"; id: string; ms: number; result: NodeResult }
  | { type: "fail"; id: string; ms: number; error: string; diagnostic: RuntimeDiagnostic }
  | { type: "skip"; id: string; because: string }
  | { type: "log"; id: string; message: string }
  | { type: "progress"; id: string; step: number; total?: number; message?: string }
  | { type: "destroy"; id: string; ok: boolean; error?: string };

type OutcomeStatus = "ok" | "failed" | "skipped" | "unchanged" | "destroyed";

interface NodeOutcome {
  id: string;
  kind: string;
  action: Action;
  status: OutcomeStatus;
  error?: string;
  /** Why a failed node failed: a code MLC2xxx, the block's span, a hint and details. */
  diagnostic?: RuntimeDiagnostic;
  ms?: number;
  runId?: string;
}

export interface ApplyResult {
  applyId: string;
  ok: boolean;
  outcomes: NodeOutcome[];
  counts: Record<OutcomeStatus, number>;
}

interface ApplyOptions {
  projectDir: string;
  store: StateStore;
  artifacts: ArtifactStore;
  /** Nodes run at once (default: the number of cores). */
  parallel?: number;
  seed?: number;
  signal?: AbortSignal;
  onEvent?: (e: ApplyEvent) => void;
  lineage?: LineageSink;
  /** OpenLineage job namespace (default `mlc://<project dir name>`). */
  namespace?: string;
  /** Executor lookup (default: the registry). */
  executorFor?: (kind: string) => Executor | undefined;
  /** Where tuning trials run when not in this process (`--trial-workers`). */
  trialQueue?: TrialQueue;
  /** The caller holds only these nodes' locks (`mlc exec`), not the whole-state lock. */
  lockedNodes?: string[];
}

const RUNS: ReadonlySet<Action> = new Set(["create", "update", "replace"]);

/**
 * Executes `plan`. The caller holds the whole-state lock, or the locks of `lockedNodes` (the only
 * nodes the plan runs), and has checked a saved plan is still current.
 */
export async function applyPlan(plan: Plan, opts: ApplyOptions): Promise<ApplyResult> {
  const applyId = randomUUID();
  const { store, artifacts, projectDir } = opts;
  const lookup = opts.executorFor ?? registryExecutorFor;
  const emit = opts.onEvent ?? (() => undefined);
  const parallel = Math.max(1, opts.parallel ?? availableParallelism());
  const namespace = opts.namespace ?? `mlc://${projectDir.split(/[\\/]/).filter(Boolean).pop() ?? "project"}`;
  const signal = opts.signal ?? new AbortController().signal;
  const byId = new Map<string, GraphNode>(plan.graph.nodes.map((n) => [n.id, n]));

  // Runs left "running" under a lock this process now holds belong to a process that is gone.
  await store.interruptRunningRuns(opts.lockedNodes);
  const recorded = new Map<string, NodeRecord>((await store.listNodes()).map((n) => [n.id, n]));
  const results = new Map<string, NodeResult>();
  for (const [id, rec] of recorded)
    if (rec.status !== "retired" && rec.result && rec.fingerprint) results.set(id, rec.result);

  const outcomes = new Map<string, NodeOutcome>();
  const toRun = plan.changes.filter((c) => RUNS.has(c.action));
  const runSet = new Set(toRun.map((c) => c.id));
  for (const c of plan.changes)
    if (c.action === "noop")
      outcomes.set(c.id, { id: c.id, kind: c.kind, action: c.action, status: "unchanged" });

  async function runNode(change: Change): Promise<NodeOutcome> {
    const node = byId.get(change.id)!;
    const fp = plan.fingerprints[node.id]!;
    const base = { id: node.id, kind: node.kind, action: change.action };
    const runId = randomUUID();
    const started = new Date();
    const t0 = performance.now();
    emit({ type: "start", ...base });
    const executor = lookup(node.kind);
    const inputs = new Map<string, NodeResult>();
    const runInputs: RunInput[] = [];
    for (const i of new Set(node.inputs.map((x) => x.node))) {
      const r = results.get(i);
      if (r) inputs.set(i, r);
      runInputs.push({ node: i, fingerprint: fp.inputs[i] ?? "", artifacts: r?.artifacts ?? {} });
    }
    await store.startRun({
      id: runId,
      applyId,
      node: node.id,
      kind: node.kind,
      fingerprint: fp.whole,
      started: started.toISOString(),
      status: "running",
      timings: {},
      inputs: runInputs,
      config: node.config,
      executorVersion: executor?.version ?? "",
      ...(plan.data[node.id] ? { data: plan.data[node.id] } : {}),
    });
    const upstream: OlDataset[] = runInputs.map((i) => artifactDataset(namespace, i.node));
    const olInputs: OlDataset[] = [...upstream, ...sourceDatasets(node, projectDir, plan.data[node.id])];
    const olJob = jobFacets(node);
    opts.lineage?.emit(
      runEvent("START", {
        runId,
        namespace,
        job: node.id,
        inputs: olInputs,
        outputs: [],
        time: started,
        ...(olJob ? { jobFacets: olJob } : {}),
      }),
    );
    const fail = async (thrown: unknown): Promise<NodeOutcome> => {
      if (thrown instanceof MlcError) thrown.at(node.id, node.span);
      const diagnostic = diagnosticOf(thrown);
      diagnostic.node ??= node.id;
      if (node.span) diagnostic.span ??= node.span;
      const error = diagnostic.message;
      const ms = performance.now() - t0;
      await store.commitFailure({
        runId,
        ended: new Date().toISOString(),
        timings: { run: Math.round(ms) },
        error,
        graphNode: node,
      });
      opts.lineage?.emit(
        runEvent("FAIL", {
          runId,
          namespace,
          job: node.id,
          inputs: olInputs,
          outputs: [],
          error,
          ...(olJob ? { jobFacets: olJob } : {}),
        }),
      );
      emit({ type: "fail", id: node.id, ms, error, diagnostic });
      return { ...base, status: "failed", error, diagnostic, ms, runId };
    };
    if (!executor) {
      const kinds = registeredKinds();
      return fail(
        new Error(
          `no executor is registered for node kind '${node.kind}'${kinds.length ? ` (registered: ${kinds.join(", ")})` : ""}`,
        ),
      );
    }
    const missing = [...new Set(node.inputs.map((x) => x.node))].filter((i) => !inputs.has(i));
    if (missing.length)
      return fail(
        new NodeFailure(`input ${missing.join(", ")} has no recorded result`, {
          code: "MLC2007",
          hint: `apply it first (\`mlc apply --target ${missing[0]}\`)`,
          details: { inputs: missing },
        }),
      );
    let result: NodeResult;
    try {
      result = await executor.run({
        projectDir,
        node,
        inputs,
        artifacts,
        seed: opts.seed ?? 42,
        signal,
        state: store,
        runId,
        ...(opts.trialQueue ? { trialQueue: opts.trialQueue } : {}),
        inputNodes: new Map(
          node.inputs.flatMap((i) => (byId.has(i.node) ? [[i.node, byId.get(i.node)!] as const] : [])),
        ),
        log: (message) => emit({ type: "log", id: node.id, message }),
        progress: (p) => emit({ type: "progress", id: node.id, ...p }),
      });
      if (!result || typeof result.artifacts !== "object" || result.artifacts === null)
        throw new Error(`executor for '${node.kind}' returned no result`);
    } catch (e) {
      // Stopped by Ctrl-C: not a failure of the node. It stays stale and the next apply runs it again.
      if (signal.aborted && !(e instanceof MlcError && e.code !== "MLC2000"))
        return fail(
          new NodeFailure(
            `interrupted before it finished (${(e as Error).message}); the next apply runs it again`,
            { code: "MLC2009" },
          ),
        );
      return fail(e);
    }
    const runMs = performance.now() - t0;
    const created = new Date().toISOString();
    const artifactRecords: ArtifactRecord[] = [];
    const edges: LineageEdge[] = [];
    for (const [role, hash] of Object.entries(result.artifacts)) {
      if ((await artifacts.check(hash)) !== "ok")
        return fail(
          new Error(
            `executor for '${node.kind}' returned artifact ${role} = ${hash}, which is not a valid object in the store`,
          ),
        );
      artifactRecords.push({ hash, size: await artifacts.sizeOf(hash), node: node.id, role, runId, created });
      edges.push({ runId, direction: "output", artifact: hash, node: node.id, role });
    }
    for (const i of runInputs)
      for (const [role, hash] of Object.entries(i.artifacts))
        edges.push({ runId, direction: "input", artifact: hash, node: i.node, role });
    const ended = new Date().toISOString();
    const rec: NodeRecord = {
      id: node.id,
      kind: node.kind,
      fingerprint: fp.whole,
      columns: fp.columns ?? {},
      node,
      inputFingerprints: fp.inputs,
      ...(plan.data[node.id] ? { data: plan.data[node.id] } : {}),
      executorVersion: executor.version,
      result,
      status: "ok",
      runId,
      updated: ended,
    };
    await store.commitSuccess({
      runId,
      ended,
      timings: { run: Math.round(runMs) },
      node: rec,
      artifacts: artifactRecords,
      metrics: result.metrics ?? {},
      edges,
    });
    const ms = performance.now() - t0;
    results.set(node.id, result);
    opts.lineage?.emit(
      runEvent("COMPLETE", {
        runId,
        namespace,
        job: node.id,
        // after the run, a source's datasets carry the schema it read
        inputs: [...upstream, ...sourceDatasets(node, projectDir, plan.data[node.id], result.summary)],
        outputs: Object.entries(result.artifacts).map(([r, h]) => artifactDataset(namespace, node.id, r, h)),
        ...(olJob ? { jobFacets: olJob } : {}),
      }),
    );
    emit({ type: "finish", id: node.id, ms, result });
    return { ...base, status: "ok", ms, runId };
  }

  // Scheduling: a node starts when every input it reads from this plan has finished.
  const pendingInputs = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const c of toRun) {
    const ups = new Set(
      byId
        .get(c.id)!
        .inputs.map((i) => i.node)
        .filter((u) => runSet.has(u)),
    );
    pendingInputs.set(c.id, ups);
    for (const u of ups) dependents.set(u, [...(dependents.get(u) ?? []), c.id]);
  }
  const changeOf = new Map(toRun.map((c) => [c.id, c]));
  const ready: string[] = toRun.filter((c) => pendingInputs.get(c.id)!.size === 0).map((c) => c.id);
  const skip = (id: string, because: string) => {
    if (outcomes.has(id)) return;
    const c = changeOf.get(id)!;
    outcomes.set(id, { id, kind: c.kind, action: c.action, status: "skipped", error: because });
    emit({ type: "skip", id, because });
    for (const d of dependents.get(id) ?? []) skip(d, because);
  };
  await new Promise<void>((resolveAll) => {
    let running = 0;
    const pump = () => {
      while (running < parallel && ready.length && !signal.aborted) {
        const id = ready.shift()!;
        if (outcomes.has(id)) continue;
        running++;
        runNode(changeOf.get(id)!)
          .catch((e: unknown) => {
            const diagnostic = diagnosticOf(e);
            return { ...changeOf.get(id)!, status: "failed" as const, error: diagnostic.message, diagnostic };
          })
          .then((o) => {
            outcomes.set(id, {
              id: o.id,
              kind: o.kind,
              action: o.action,
              status: o.status,
              ...(o.error ? { error: o.error } : {}),
              ...(o.diagnostic ? { diagnostic: o.diagnostic } : {}),
              ...("ms" in o ? { ms: o.ms } : {}),
              ...("runId" in o ? { runId: o.runId } : {}),
            });
            for (const d of dependents.get(id) ?? []) {
              if (o.status !== "ok") skip(d, `upstream ${id} failed`);
              else {
                const p = pendingInputs.get(d)!;
                p.delete(id);
                if (p.size === 0) ready.push(d);
              }
            }
            running--;
            pump();
          });
      }
      if (running === 0 && (signal.aborted || !ready.length)) {
        for (const c of toRun)
          if (!outcomes.has(c.id)) skip(c.id, signal.aborted ? "apply was interrupted" : "not reached");
        resolveAll();
      }
    };
    pump();
  });

  for (const c of plan.changes.filter((x) => x.action === "delete")) {
    const rec = recorded.get(c.id);
    const executor = lookup(c.kind);
    try {
      if (rec && executor?.destroy) {
        await executor.destroy({
          projectDir,
          node: rec.node,
          ...(rec.result ? { result: rec.result } : {}),
          artifacts,
          state: store,
          log: (message) => emit({ type: "log", id: c.id, message }),
        });
      }
      await store.retireNode(c.id);
      outcomes.set(c.id, { id: c.id, kind: c.kind, action: "delete", status: "destroyed" });
      emit({ type: "destroy", id: c.id, ok: true });
    } catch (e) {
      const diagnostic = diagnosticOf(e instanceof MlcError ? e.at(c.id, undefined) : e);
      const error = diagnostic.message;
      outcomes.set(c.id, { id: c.id, kind: c.kind, action: "delete", status: "failed", error, diagnostic });
      emit({ type: "destroy", id: c.id, ok: false, error });
    }
  }
  await opts.lineage?.flush();

  const ordered = plan.changes.map((c) => outcomes.get(c.id)!).filter(Boolean);
  const counts: Record<OutcomeStatus, number> = { ok: 0, failed: 0, skipped: 0, unchanged: 0, destroyed: 0 };
  for (const o of ordered) counts[o.status]++;
  return { applyId, ok: counts.failed === 0 && counts.skipped === 0, outcomes: ordered, counts };
}
