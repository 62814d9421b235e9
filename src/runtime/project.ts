// The programmatic front door of plan and apply over a project directory (or a saved plan):
// compile → lower → fingerprint data → plan → (lock) → apply. The CLI commands are thin over it.
import { resolve } from "node:path";
import { compileProject } from "../compiler/compile.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostic.js";
import { lower, projectSeed } from "../compiler/lower.js";
import type { DataFingerprint, Executor } from "../ir/executor.js";
import { executorFor } from "./executor-registry.js";
import { loadExecutors } from "./executor-loader.js";
import "../kinds/index.js";
import type { Graph } from "../ir/graph-ir.js";
import { MemoryStatCache } from "../data/data-hash.js";
import { openArtifacts, type ArtifactHealth } from "./artifacts/store.js";
import { applyPlan, type ApplyEvent, type ApplyResult } from "./apply.js";
import { acquireApplyLock, acquireNodeLock } from "./lock.js";
import { lineageSinkFromEnv } from "./openlineage.js";
import { plan as makePlan, type Plan } from "./plan.js";
import { loadPlan, stalePlanProblems } from "./plan-file.js";
import { planEvidence } from "./plan-notes.js";
import { openState } from "./state/open.js";
import { syncDeployments } from "./shared-deployments.js";
import { predictStale } from "./gate-prediction.js";
import { guardLostState } from "./registry/lost-state.js";
import { refreshModelCards } from "./model-card.js";
import type { RegistryRecords, StateStore } from "../ir/state-store.js";
import { MlcError, type MlcErrorOptions } from "../ir/errors.js";

/** A user-facing failure of plan/apply that is not a spec diagnostic (unknown target, stale plan, lock held…). */
export class ProjectError extends MlcError {
  constructor(message: string, opts?: MlcErrorOptions) {
    super("MLC2001", message, opts);
  }
}

export type CompileFailure = { ok: false; diagnostics: Diagnostic[]; sources: Map<string, string> };

export interface CompiledGraph {
  ok: true;
  graph: Graph;
  seed: number;
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

/** Compiles and lowers a project; diagnostics (warnings) ride along. */
export function compileGraph(dir: string): CompiledGraph | CompileFailure {
  const c = compileProject(resolve(dir));
  if (!c.checked || hasErrors(c.diagnostics)) {
    if (!c.diagnostics.length) throw new ProjectError(`${dir}: no .mlspec files found`);
    return { ok: false, diagnostics: c.diagnostics, sources: c.sources };
  }
  return {
    ok: true,
    graph: lower(c.checked),
    seed: projectSeed(c.checked),
    diagnostics: c.diagnostics,
    sources: c.sources,
  };
}

export interface PlanOptions {
  targets?: string[];
  replace?: string[];
  /** Executor lookup (default: the registry, after loading ./executors and MLC_EXECUTOR_MODULES). */
  executors?: ExecutorLookup;
  /** An open store to use (else the project's, opened and closed here). */
  store?: StateStore;
}

export type PlanOutcome =
  { ok: true; plan: Plan; diagnostics: Diagnostic[]; sources: Map<string, string> } | CompileFailure;

export type ExecutorLookup = (kind: string) => Executor | undefined;

const infoOf = (lookup: ExecutorLookup) => (kind: string) => {
  const e = lookup(kind);
  return e
    ? {
        version: e.version,
        ...(e.changeAction ? { changeAction: e.changeAction } : {}),
        ...(e.incrementalChange ? { incrementalChange: e.incrementalChange.bind(e) } : {}),
        ...(e.upstreamChange ? { upstreamChange: e.upstreamChange.bind(e) } : {}),
      }
    : undefined;
};

async function lookupFor(opts: { executors?: ExecutorLookup }): Promise<ExecutorLookup> {
  if (opts.executors) return opts.executors;
  await loadExecutors();
  return executorFor;
}

/** Data fingerprints of every node whose executor has one (sources), with the stat cache. */
export async function dataFingerprints(
  graph: Graph,
  projectDir: string,
  cache: MemoryStatCache,
  lookup: ExecutorLookup = executorFor,
  records?: RegistryRecords,
): Promise<Record<string, DataFingerprint>> {
  const out: Record<string, DataFingerprint> = {};
  const jobs = graph.nodes.filter((n) => lookup(n.kind)?.dataFingerprint);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const node = jobs[next++]!;
      try {
        const fp = await lookup(node.kind)!.dataFingerprint!(node, projectDir, cache, records);
        if (fp) out[node.id] = fp;
      } catch (e) {
        if (e instanceof MlcError) throw e.at(node.id, node.span);
        throw new ProjectError(`${node.id}: cannot fingerprint its data: ${(e as Error).message}`, {
          node: node.id,
          ...(node.span ? { span: node.span } : {}),
          cause: e,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, jobs.length) }, worker));
  return out;
}

function checkNodeIds(graph: Graph, ids: readonly string[] | undefined, flag: string): void {
  const known = new Set(graph.nodes.map((n) => n.id));
  for (const id of ids ?? []) {
    if (!known.has(id)) {
      const near = [...known].filter((k) => k.endsWith(`.${id}`) || k.split(".")[1] === id);
      throw new ProjectError(
        `${flag} ${id}: no such node${near.length ? ` (did you mean ${near.join(" or ")}?)` : `; nodes: ${[...known].join(", ")}`}`,
      );
    }
  }
}

const warn = (m: string): void => void process.stderr.write(`mlc: ${m}\n`);

async function withStore<T>(
  dir: string,
  given: StateStore | undefined,
  fn: (s: StateStore) => Promise<T>,
): Promise<T> {
  const store = given ?? (await openState(dir));
  try {
    return await fn(store);
  } finally {
    if (!given) await store.close();
  }
}

/** Plans a graph against the store: data fingerprints, artifact health, then the pure plan. */
export async function planGraph(
  dir: string,
  graph: Graph,
  store: StateStore,
  opts: {
    targets?: string[];
    replace?: string[];
    seed?: number;
    executors?: ExecutorLookup;
    log?: (message: string) => void;
  } = {},
): Promise<Plan> {
  const lookup = opts.executors ?? executorFor;
  checkNodeIds(graph, opts.targets, "--target");
  checkNodeIds(graph, opts.replace, "--replace");
  const cache = new MemoryStatCache(await store.loadStatCache());
  const data = await dataFingerprints(graph, dir, cache, lookup, store.records);
  const artifacts = openArtifacts(dir, cache);
  // Deployments another checkout changed come down (pointer, history, bundles) before their outputs are checked.
  await syncDeployments(dir, store, artifacts, opts.log ?? warn);
  const state = await store.snapshot();
  const health: Record<string, ArtifactHealth> = {};
  const live = new Set(graph.nodes.map((n) => n.id));
  const outputs: Record<string, string[]> = {};
  const files = new Set<string>();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const rec of Object.values(state.nodes)) {
    if (!live.has(rec.id)) continue;
    for (const h of Object.values(rec.result?.artifacts ?? {})) health[h] ??= await artifacts.check(h);
    const check = lookup(rec.kind)?.checkOutputs;
    if (check && rec.result && rec.status === "ok") {
      const found = check(dir, byId.get(rec.id)!, rec.result);
      if (found.problems.length) outputs[rec.id] = found.problems;
      for (const f of found.files) files.add(f);
    }
  }
  const p = makePlan({
    graph,
    state,
    data,
    executorOf: infoOf(lookup),
    artifacts: health,
    outputs,
    replace: opts.replace,
    targets: opts.targets,
  });
  if (opts.seed !== undefined) p.seed = opts.seed;
  const predictions = predictStale(p, state.nodes);
  if (Object.keys(predictions).length) p.predictions = predictions;
  p.objects = Object.keys(health).sort();
  p.files = [...files].sort();
  const planned = new Set(p.changes.filter((c) => c.action !== "delete").map((c) => c.id));
  const evidence = await planEvidence(
    dir,
    graph.nodes.filter((n) => planned.has(n.id)),
    store.records,
  );
  if (Object.keys(evidence).length) p.evidence = evidence;
  await store.saveStatCache(cache.changed());
  return p;
}

export async function planProject(dir: string, opts: PlanOptions = {}): Promise<PlanOutcome> {
  const projectDir = resolve(dir);
  const executors = await lookupFor(opts);
  const compiled = compileGraph(projectDir);
  if (!compiled.ok) return compiled;
  const p = await withStore(projectDir, opts.store, async (s) => {
    await guardLostState(projectDir, s);
    return planGraph(projectDir, compiled.graph, s, {
      targets: opts.targets,
      replace: opts.replace,
      seed: compiled.seed,
      executors,
    });
  });
  return { ok: true, plan: p, diagnostics: compiled.diagnostics, sources: compiled.sources };
}

export interface ApplyProjectOptions extends PlanOptions {
  /** Apply this saved plan (from `mlc plan --out`) instead of planning now. */
  planFile?: string;
  parallel?: number;
  /** How long to wait for another apply's lock (ms); 0 fails at once. */
  lockTimeoutMs?: number;
  onEvent?: (e: ApplyEvent) => void;
  /** Called with the plan before anything runs (the CLI prints it). */
  onPlan?: (p: Plan) => void;
  signal?: AbortSignal;
  /** Recorded with the lock, e.g. "mlc apply examples/churn". */
  command?: string;
  /**
   * Take only this node's lock instead of the whole-state lock (`mlc exec NODE`): execs of other
   * nodes run meanwhile, so the plan must run nothing but this node (`onPlan` refuses otherwise).
   */
  lockNode?: string;
  /** Apply on an empty state although bundles exist on disk, numbering versions after theirs (see lost-state.ts). */
  forceNewState?: boolean;
  /** Tuning trials are queued in the shared PostgreSQL state for `mlc worker` processes instead of fitting here. */
  trialWorkers?: boolean;
  log?: (message: string) => void;
}

export type ApplyOutcome =
  | {
      ok: true;
      plan: Plan;
      result: ApplyResult;
      /**
       * The plan of the whole project right after a successful apply of it (stat cache warm, lock
       * still held), so the CLI can remember it as the no-op plan; absent for partial or failed applies.
       */
      after?: Plan;
      diagnostics: Diagnostic[];
      sources: Map<string, string>;
    }
  | CompileFailure;

export async function applyProject(dir: string, opts: ApplyProjectOptions = {}): Promise<ApplyOutcome> {
  const executors = await lookupFor(opts);
  let projectDir = resolve(dir);
  let saved: Plan | undefined;
  let compiled: CompiledGraph | undefined;
  if (opts.planFile) {
    const loadedPlan = await loadPlan(opts.planFile);
    saved = loadedPlan.plan;
    projectDir = loadedPlan.projectDir;
  } else {
    const c = compileGraph(projectDir);
    if (!c.ok) return c;
    compiled = c;
  }
  const store = opts.store ?? (await openState(projectDir));
  try {
    const command = opts.command ?? `mlc apply ${dir}`;
    if (opts.lockNode !== undefined)
      await acquireNodeLock(store, opts.lockNode, command, opts.lockTimeoutMs ?? 0, opts.log);
    else await acquireApplyLock(store, command, opts.lockTimeoutMs ?? 0, opts.log);
    try {
      const lost = await guardLostState(projectDir, store, { forceNewState: opts.forceNewState });
      if (lost)
        (opts.log ?? ((m: string) => process.stderr.write(m + "\n")))(
          `mlc: --force-new-state: starting a new state; model versions are numbered after the highest on disk`,
        );
      let p: Plan;
      if (saved) {
        p = saved;
        const cache = new MemoryStatCache(await store.loadStatCache());
        await syncDeployments(projectDir, store, openArtifacts(projectDir, cache), opts.log ?? warn);
        const dataNow = await dataFingerprints(p.graph, projectDir, cache, executors, store.records);
        await store.saveStatCache(cache.changed());
        const problems = stalePlanProblems(p, await store.serial(), dataNow);
        for (const [kind, v] of Object.entries(p.executors)) {
          const now = executors(kind)?.version;
          if (now !== undefined && now !== v)
            problems.push(`the executor for '${kind}' changed since the plan was made (${v} → ${now})`);
        }
        if (problems.length) {
          throw new ProjectError(
            `the saved plan ${opts.planFile} is stale and was not applied:\n  - ${problems.join("\n  - ")}\nRun \`mlc plan --out\` again.`,
          );
        }
      } else {
        p = await planGraph(projectDir, compiled!.graph, store, {
          targets: opts.targets,
          replace: opts.replace,
          seed: compiled!.seed,
          executors,
        });
      }
      opts.onPlan?.(p);
      const outside =
        opts.lockNode === undefined
          ? []
          : p.changes.filter((c) => c.id !== opts.lockNode && c.action !== "noop");
      if (outside.length)
        throw new ProjectError(
          `only ${opts.lockNode} is locked, but the plan would also change ${outside.map((c) => c.id).join(", ")}`,
        );
      const log = opts.log ?? ((m: string) => process.stderr.write(m + "\n"));
      const lineage = lineageSinkFromEnv(log);
      const verified = new MemoryStatCache(await store.loadStatCache());
      const trialQueue = opts.trialWorkers
        ? await (await import("./trial-queue/pg-queue.js")).openProjectTrialQueue(projectDir)
        : undefined;
      const result = await applyPlan(p, {
        ...(trialQueue ? { trialQueue } : {}),
        projectDir,
        store,
        artifacts: openArtifacts(projectDir, verified),
        parallel: opts.parallel,
        seed: p.seed,
        signal: opts.signal,
        onEvent: opts.onEvent,
        executorFor: executors,
        ...(lineage ? { lineage } : {}),
        ...(opts.lockNode !== undefined ? { lockedNodes: [opts.lockNode] } : {}),
      }).finally(() => trialQueue?.close());
      await store.saveStatCache(verified.changed());
      // What this apply deployed is shared with the other checkouts (bundles, then the history entries).
      await syncDeployments(projectDir, store, openArtifacts(projectDir, verified), log);
      // Each model's newest version keeps its current card (gates, serving and monitors may have moved).
      if (result.ok)
        await refreshModelCards({
          projectDir,
          graph: p.graph,
          store,
          artifacts: openArtifacts(projectDir),
        }).catch((e: unknown) =>
          log(`mlc: warning: the model cards were not refreshed: ${(e as Error).message}`),
        );
      const whole = !opts.targets?.length && !opts.replace?.length && !opts.signal?.aborted;
      const after =
        compiled && whole && result.ok
          ? await planGraph(projectDir, compiled.graph, store, { seed: compiled.seed, executors })
          : undefined;
      return {
        ok: true,
        plan: p,
        result,
        ...(after ? { after } : {}),
        diagnostics: compiled?.diagnostics ?? [],
        sources: compiled?.sources ?? new Map(),
      };
    } finally {
      await store.lock.release();
    }
  } finally {
    if (!opts.store) await store.close();
  }
}
