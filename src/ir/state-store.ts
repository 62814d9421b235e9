// The state store interface: what apply recorded (nodes, runs, artifacts, metrics, lineage),
// the stat cache, the apply lock and generic registry records. Backends live beside it.
import type { DataFingerprint, NodeResult } from "./executor.js";
import type { GraphNode, Json } from "./graph-ir.js";

type NodeStatus = "ok" | "failed" | "retired";

/** What the state knows about one node: its last successful run, and its current status. */
export interface NodeRecord {
  id: string;
  kind: string;
  /** Fingerprint of the last successful run; "" when the node never succeeded. */
  fingerprint: string;
  /** Column fingerprints of the last successful run (for consumers of some columns only). */
  columns: Record<string, string>;
  /** The node as last applied (config, inputs): plan diffs attributes against it, destroy gets it. */
  node: GraphNode;
  /** Restricted fingerprints of each input at the last successful run, by input node id. */
  inputFingerprints: Record<string, string>;
  data?: DataFingerprint;
  executorVersion: string;
  result?: NodeResult;
  status: NodeStatus;
  /** The error of the last failed run, when status is "failed". */
  error?: string;
  /** The run that produced `result`. */
  runId?: string;
  updated: string;
}

type RunStatus = "running" | "ok" | "failed" | "interrupted";

export interface RunInput {
  node: string;
  fingerprint: string;
  artifacts: Record<string, string>;
}

export interface RunRecord {
  id: string;
  applyId: string;
  node: string;
  kind: string;
  fingerprint: string;
  started: string;
  ended?: string;
  status: RunStatus;
  error?: string;
  /** Milliseconds by phase, e.g. { run: 1234, commit: 3 }. */
  timings: Record<string, number>;
  inputs: RunInput[];
  config: { [key: string]: Json };
  executorVersion: string;
  data?: DataFingerprint;
}

export interface ArtifactRecord {
  hash: string;
  size: number;
  node: string;
  role: string;
  runId: string;
  created: string;
}

/** A run consumed (input) or produced (output) an artifact. */
export interface LineageEdge {
  runId: string;
  direction: "input" | "output";
  artifact: string;
  node: string;
  role: string;
}

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** The node an `mlc exec` locked; absent for the whole-state lock of an apply. */
  node?: string;
}

export interface StatEntry {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
  rows?: number;
}

/** A generic registry record (model versions, aliases, deployments…), see specs/state-store.md. */
export interface RegistryRecord {
  collection: string;
  key: string;
  value: Json;
  /** Artifact hashes this record keeps alive: `mlc gc` never removes them. */
  refs: string[];
  updated: string;
}

/** What plan reads: the state as of one serial. */
export interface StateSnapshot {
  serial: number;
  nodes: Record<string, NodeRecord>;
}

export interface RunSuccess {
  runId: string;
  ended: string;
  timings: Record<string, number>;
  node: NodeRecord;
  artifacts: ArtifactRecord[];
  metrics: Record<string, number>;
  edges: LineageEdge[];
}

export interface RunFailure {
  runId: string;
  ended: string;
  timings: Record<string, number>;
  error: string;
  graphNode: GraphNode;
}

export type LockAttempt = { acquired: true } | { acquired: false; holder: LockInfo };

/**
 * The locks of the state: the whole-state lock (apply, gc, rebuild) and one lock per node (`mlc exec`).
 * The whole-state lock excludes every other lock; node locks exclude only the same node, so execs of
 * different nodes run together. A store holds at most one lock at a time.
 */
export interface StateLock {
  /** Takes the whole-state lock at once or reports who holds it (an apply, or an exec of some node). */
  acquire(info: LockInfo): Promise<LockAttempt>;
  /** Takes the lock of one node at once, or reports who holds it (an apply, or an exec of the same node). */
  acquireNode(node: string, info: LockInfo): Promise<LockAttempt>;
  /** Releases the lock this store holds, if any. */
  release(): Promise<void>;
  /** Who holds the whole-state lock. */
  holder(): Promise<LockInfo | undefined>;
  /** Who holds node locks (as recorded; a holder whose process is gone may still be listed). */
  nodeHolders(): Promise<LockInfo[]>;
  /** Removes the whole-state lock, or with `node` that node's lock, whoever holds it (mlc state unlock); returns the holder removed. */
  forceUnlock(node?: string): Promise<LockInfo | undefined>;
}

export interface RegistryRecords {
  get(collection: string, key: string): Promise<RegistryRecord | undefined>;
  put(collection: string, key: string, value: Json, refs?: string[]): Promise<void>;
  /** Several puts in one transaction (e.g. a new model version and its alias). */
  putMany(entries: { collection: string; key: string; value: Json; refs?: string[] }[]): Promise<void>;
  delete(collection: string, key: string): Promise<boolean>;
  /** Records of a collection ordered by key, optionally only keys starting with `prefix`. */
  list(collection: string, prefix?: string): Promise<RegistryRecord[]>;
  /**
   * Writes a record only if the key is free (write-once records such as model versions); returns
   * false, changing nothing, when a record with that key exists.
   */
  create(collection: string, key: string, value: Json, refs?: string[]): Promise<boolean>;
  /**
   * Reads and rewrites one record with no other write of it in between (two processes updating the
   * same record both count): `change` gets the current record and returns the new value and refs,
   * or undefined to leave it. Returns whether it wrote.
   */
  update(
    collection: string,
    key: string,
    change: (current: RegistryRecord | undefined) => { value: Json; refs?: string[] } | undefined,
  ): Promise<boolean>;
  /**
   * Runs `fn` as one transaction with no other `atomically` of the same `name` (in any process) in
   * between: what it reads stays true until its writes land, and they land together or not at all.
   * `fn` must use only the records it is given (the outer ones would wait for this transaction).
   */
  atomically<T>(name: string, fn: (records: RegistryRecords) => Promise<T>): Promise<T>;
  /** An atomic counter: 1, 2, 3… per name (e.g. "model.churn" version numbers). */
  nextSequence(name: string): Promise<number>;
  /** Makes the counter's next value at least `used + 1` (numbers found on disk are never handed out again). */
  raiseSequence(name: string, used: number): Promise<void>;
  /** How many registry records exist (0 on a new or lost state). */
  count(): Promise<number>;
}

/** One announcement: which record (topic and key) changed, in this state (PostgreSQL: this schema). */
export interface StateNotice {
  topic: string;
  key: string;
}

export interface StateChanges {
  /** Announces a change to every listener of the same schema (delivered when the writer's transaction has committed). */
  notify(notice: StateNotice): Promise<void>;
  /**
   * Listens on a connection of its own: `onNotice` for each announcement in this schema, `onError`
   * once if the connection is lost (no more notices come then). Resolves once listening.
   */
  listen(
    onNotice: (n: StateNotice) => void,
    onError: (e: Error) => void,
  ): Promise<{ close(): Promise<void> }>;
}

export interface StateStore {
  readonly backend: "sqlite" | "postgres";
  /** Human-readable location: a file path or a URL without password. */
  readonly location: string;
  /** Increases with every committed node change; a saved plan records it. */
  serial(): Promise<number>;
  snapshot(): Promise<StateSnapshot>;
  getNode(id: string): Promise<NodeRecord | undefined>;
  listNodes(opts?: { includeRetired?: boolean }): Promise<NodeRecord[]>;
  startRun(run: RunRecord): Promise<void>;
  /** Records a finished node atomically: node, run, artifacts, metrics, lineage edges, serial. */
  commitSuccess(s: RunSuccess): Promise<void>;
  /** Records a failed run and marks the node failed, keeping its last good result. */
  commitFailure(f: RunFailure): Promise<void>;
  /**
   * Marks runs left "running" by a killed apply as interrupted, only those of `nodes` when given
   * (an exec holds only its node's lock: another node's run may be live); returns how many.
   */
  interruptRunningRuns(nodes?: string[]): Promise<number>;
  /** Retires a node removed from the spec; its objects stay until gc. */
  retireNode(id: string): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  runsForNode(node: string, limit?: number): Promise<RunRecord[]>;
  getArtifact(hash: string): Promise<ArtifactRecord | undefined>;
  /** Artifacts whose hash starts with `prefix` (at most 10), for `mlc lineage HASH`. */
  artifactsByPrefix(prefix: string): Promise<ArtifactRecord[]>;
  /** Lineage edges of one run. */
  edgesOfRun(runId: string): Promise<LineageEdge[]>;
  /** The runs that produced an artifact, newest first. */
  producersOf(hash: string): Promise<string[]>;
  metricsOfRun(runId: string): Promise<Record<string, number>>;
  /** Every artifact hash a live node result or a registry record references. */
  referencedArtifacts(): Promise<Set<string>>;
  loadStatCache(): Promise<StatEntry[]>;
  saveStatCache(entries: StatEntry[]): Promise<void>;
  readonly lock: StateLock;
  readonly records: RegistryRecords;
  /** Change announcements to other processes (PostgreSQL); absent where only polling sees changes (SQLite). */
  readonly changes?: StateChanges;
  close(): Promise<void>;
}
