// The contract every node kind's executor fulfils. The runtime schedules nodes and calls
// `run`; executors never see the AST, only their GraphNode and the results of their inputs.
import type { GraphNode, Json } from "./graph-ir.js";
import type { RegistryRecords, StateStore } from "./state-store.js";

/** What a finished node leaves behind, recorded atomically in the state store. */
export interface NodeResult {
  /** Role → content hash in the artifact store, e.g. { table: "…", model: "…", onnx: "…" }. */
  artifacts: Record<string, string>;
  /** Numeric results (row counts, metrics) shown by plan/state and used by gates. */
  metrics?: Record<string, number>;
  /** Anything else worth recording (schema, expectation results, cut timestamps…). */
  summary?: { [key: string]: Json };
}

/** Read/write access to the content-addressed artifact store. */
export interface ArtifactAccess {
  put(bytes: Uint8Array): Promise<string>;
  /** Verifies the hash on read; throws ArtifactCorruptError if it does not match. */
  get(hash: string): Promise<Uint8Array>;
  has(hash: string): Promise<boolean>;
}

export interface ExecContext {
  projectDir: string;
  node: GraphNode;
  /** Results of this node's input nodes, by node id. */
  inputs: ReadonlyMap<string, NodeResult>;
  artifacts: ArtifactAccess;
  seed: number;
  signal: AbortSignal;
  log(message: string): void;
  progress(p: { step: number; total?: number; message?: string }): void;
  /** The state store (registry records, metrics of earlier runs); set by apply. */
  state?: StateStore;
  /** The id of this run in the state store (and of its OpenLineage events); set by apply. */
  runId?: string;
  /** This node's input nodes (their configs), by id: a model reads its features block's definitions here. */
  inputNodes?: ReadonlyMap<string, GraphNode>;
  /** Set by `mlc apply --trial-workers`: tuning trials run on `mlc worker` processes through the shared state. */
  trialQueue?: TrialQueue;
}

/**
 * Tuning trials run by other processes (`mlc worker`), through a queue in the shared state. The
 * study stays with the caller (it proposes and records every trial); a worker fits one trial from
 * the study's description and its rows, which are objects of the shared artifact store.
 */
export interface TrialQueue {
  /** Registers study `id` (content-addressed: the same study reuses the results already recorded). */
  open(study: { id: string; model: string; spec: Json; data: Record<string, string> }): Promise<void>;
  /** Queues trial `index` (or finds its recorded answer) and resolves to the worker's answer. */
  run(id: string, index: number, task: Json, signal?: AbortSignal): Promise<Json>;
}

/** What a destroy hook receives: the node as last applied and its last result. */
export interface DestroyContext {
  projectDir: string;
  node: GraphNode;
  result?: NodeResult;
  artifacts: ArtifactAccess;
  state?: StateStore;
  log(message: string): void;
}

/** The data part of a source's fingerprint. */
export interface DataFingerprint {
  hash: string;
  rows?: number;
  bytes?: number;
  /** Human-readable, for plan reasons: e.g. "data/churn.csv". */
  description: string;
}

export interface Executor {
  kind: string;
  /** Bump when the executor's semantics change: it is part of every fingerprint. */
  version: string;
  /** Sources implement this: the content hash (or declared version) of their data. */
  /** Undefined for a node of the kind that reads no file (a model that imports none). */
  /** `records`: the state store's records, for sources whose data lives there (a review source). */
  dataFingerprint?(
    node: GraphNode,
    projectDir: string,
    cache: StatCache,
    records?: RegistryRecords,
  ): Promise<DataFingerprint | undefined>;
  run(ctx: ExecContext): Promise<NodeResult>;
  /** Called when the node's block is removed from the spec (e.g. stop a deployment). */
  destroy?(ctx: DestroyContext): Promise<void>;
  /**
   * How a stale node shows in a plan: "replace" (-/+) where the new result supersedes the old
   * one (a retrained model, a redeployment); "update" (~, the default) where it is re-evaluated.
   */
  changeAction?: "update" | "replace";
  /**
   * When a node's only changes are attribute changes, the executor may recognise them as an
   * incremental continuation of the last run (a search raised from 40 to 60 trials) and describe
   * it; the plan then shows an update with this text instead of the attribute diffs.
   */
  incrementalChange?(oldConfig: GraphNode["config"], newConfig: GraphNode["config"]): string | undefined;
  /**
   * When a node's only changes are changed inputs, the executor may recognise that running it again
   * re-evaluates the same result (a deployment whose gate changed serves the same model version) and
   * describe it; the plan then shows an update (~) with this text after the upstream reasons,
   * instead of its `changeAction`.
   */
  upstreamChange?(changedInputs: readonly string[]): string | undefined;
  /**
   * Checks what the last run left outside the artifact store (a deployment's bundle and pointer):
   * plan replaces the node when `problems` is not empty. `files` are the paths checked, so a
   * remembered no-op plan is dropped when one of them changes.
   */
  checkOutputs?(projectDir: string, node: GraphNode, result: NodeResult): OutputCheck;
}

/** What an executor's checkOutputs found: problems in words ("bundle … is corrupt: …"), files it read. */
export interface OutputCheck {
  problems: string[];
  files: string[];
}

/** A cache of file content hashes keyed by (path, size, mtime), kept in the state store (as DVC does). */
export interface StatCache {
  lookup(path: string, size: number, mtimeMs: number): string | undefined;
  /** `rows` (optional) is the line-based row count found while hashing, kept beside the hash. */
  record(path: string, size: number, mtimeMs: number, hash: string, rows?: number): void;
  /** The row count recorded with the hash, if any. */
  lookupRows?(path: string, size: number, mtimeMs: number): number | undefined;
}

/** An executor's user-facing failure: an MlcError with a run-time code (src/ir/errors.ts). */
export { NodeFailure } from "../ir/errors.js";
