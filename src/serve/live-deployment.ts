// Keeps a deployment's models loaded and follows its pointer: on a change (fs.watch, with a polling
// fallback) the new bundles are loaded and warmed first, then swapped in one assignment; replaced models
// are freed only after the requests already on them finish.
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { loadBundle } from "./bundle.js";
import {
  pointerPath,
  readDeployment,
  resolveBundlePath,
  type BundleRef,
  type DeploymentPointer,
  type Rollout,
} from "./deployment.js";
import type { ExperimentRoute } from "./experiment-route.js";
import { ModelRunner, type RunnerOptions } from "./model-runner.js";
import { OnlineStores, type OnlineView } from "./online-lookup.js";
import { loadReranker, type Reranker } from "./recommend-rerank.js";

/** What serves right now; replaced as a whole, never mutated. */
export interface Routing {
  stable: ModelRunner;
  /** The canary or shadow candidate. */
  candidate?: ModelRunner;
  rollout?: Rollout;
  pointer: DeploymentPointer;
  /** The online tables the stable and candidate versions look inputs up in, when they have one. */
  stableOnline?: OnlineView;
  candidateOnline?: OnlineView;
  /** An online experiment: every arm's runner (and online table), loaded before the swap. */
  experiment?: { route: ExperimentRoute; arms: Map<string, { runner: ModelRunner; online?: OnlineView }> };
  /** /v1/recommend's re-ranking stage (the pointer's `rerank`): the ranker's runner and history. */
  rerank?: Reranker;
}

/** Every runner a routing holds. */
const runnersOf = (r: Routing): ModelRunner[] => [
  r.stable,
  ...(r.candidate ? [r.candidate] : []),
  ...(r.experiment ? [...r.experiment.arms.values()].map((a) => a.runner) : []),
  ...(r.rerank ? [r.rerank.runner] : []),
];

interface LiveEvents {
  loaded?(runner: ModelRunner): void;
  swapped?(routing: Routing): void;
  loadFailed?(err: Error): void;
}

interface LiveOptions extends RunnerOptions {
  /** Poll period of the pointer file (default 500 ms); fs.watch reacts sooner where it works. */
  pollMs?: number;
  events?: LiveEvents;
}

const refKey = (projectDir: string, r: BundleRef): string =>
  `${r.version}\u0000${resolveBundlePath(projectDir, r.bundle)}`;

export class LiveDeployment {
  private current: Routing | undefined;
  private lastText = "";
  private reloading: Promise<void> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stores: OnlineStores;

  constructor(
    readonly projectDir: string,
    readonly name: string,
    private readonly opts: LiveOptions = {},
  ) {
    this.stores = new OnlineStores(projectDir);
  }

  /** The routing in effect; undefined until the first load completed. */
  get routing(): Routing | undefined {
    return this.current;
  }

  /** Loads the current pointer (throws a clear error if it cannot) and starts following it. */
  async start(): Promise<Routing> {
    const text = this.readPointerText();
    if (text === undefined)
      throw new Error(
        `deployment '${this.name}' has no current version (${pointerPath(this.projectDir, this.name)} does not exist); apply a deploy block first`,
      );
    await this.apply(text);
    this.follow();
    return this.current!;
  }

  private readPointerText(): string | undefined {
    try {
      return readFileSync(pointerPath(this.projectDir, this.name), "utf8");
    } catch {
      return undefined;
    }
  }

  private follow(): void {
    const file = pointerPath(this.projectDir, this.name);
    try {
      // watch the directory: writers replace current.json by rename, which ends a watch on the file itself
      this.watcher = watch(dirname(file), (_event, fname) => {
        if (fname === null || fname === "current.json") this.check();
      });
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // the poller covers platforms without fs.watch
    }
    this.poller = setInterval(() => this.check(), this.opts.pollMs ?? 500);
    this.poller.unref();
  }

  /** Re-reads the pointer; reloads when its content changed. Reloads never overlap. */
  check(): void {
    if (this.stopped) return;
    if (this.reloading) {
      this.again = true;
      return;
    }
    const text = this.readPointerText();
    if (text === undefined || text === this.lastText) return;
    this.reloading = this.apply(text)
      .catch((e: Error) => this.opts.events?.loadFailed?.(e))
      .finally(() => {
        this.reloading = undefined;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }

  /** Resolves once any reload in progress has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.reloading) await this.reloading;
  }

  private async apply(text: string): Promise<void> {
    this.lastText = text; // a pointer that fails to load is not retried until it changes
    const pointer = readDeployment(this.projectDir, this.name);
    if (!pointer) throw new Error(`deployment '${this.name}': current.json disappeared`);
    const old = this.current;
    const loaded = new Map<string, ModelRunner>();
    if (old) {
      loaded.set(refKey(this.projectDir, old.pointer), old.stable);
      if (old.candidate && old.rollout)
        loaded.set(refKey(this.projectDir, old.rollout.candidate), old.candidate);
      if (old.experiment)
        for (const a of old.pointer.experiment?.arms ?? []) {
          const have = old.experiment.arms.get(a.name);
          if (have) loaded.set(refKey(this.projectDir, a.target), have.runner);
        }
      if (old.rerank && old.pointer.rerank)
        loaded.set(refKey(this.projectDir, old.pointer.rerank), old.rerank.runner);
    }
    const fresh: ModelRunner[] = [];
    const get = async (ref: BundleRef): Promise<ModelRunner> => {
      const k = refKey(this.projectDir, ref);
      const have = loaded.get(k);
      if (have) return have;
      const bundle = loadBundle(resolveBundlePath(this.projectDir, ref.bundle));
      if (bundle.meta.version !== ref.version) {
        throw new Error(
          `bundle ${bundle.dir} holds version ${bundle.meta.version}, but the pointer says version ${ref.version}`,
        );
      }
      const runner = await ModelRunner.load(bundle, this.opts);
      fresh.push(runner);
      loaded.set(k, runner);
      this.opts.events?.loaded?.(runner);
      return runner;
    };
    let next: Routing;
    try {
      const stable = await get(pointer);
      const candidate = pointer.rollout ? await get(pointer.rollout.candidate) : undefined;
      // the online tables load before the swap too: a version never serves without its table
      const stableOnline = pointer.online ? await this.stores.view(pointer.online) : undefined;
      const candidateOnline = pointer.rollout?.candidate.online
        ? await this.stores.view(pointer.rollout.candidate.online)
        : undefined;
      let experiment: Routing["experiment"];
      if (pointer.experiment) {
        const arms = new Map<string, { runner: ModelRunner; online?: OnlineView }>();
        for (const a of pointer.experiment.arms) {
          const runner = await get(a.target);
          const online = a.target.online ? await this.stores.view(a.target.online) : undefined;
          arms.set(a.name, { runner, ...(online ? { online } : {}) });
        }
        experiment = { route: pointer.experiment, arms };
      }
      // the ranker loads before the swap too: a re-ranking deployment never answers without it
      const rerank = pointer.rerank ? loadReranker(await get(pointer.rerank), pointer.rerank) : undefined;
      next = {
        stable,
        pointer,
        ...(rerank ? { rerank } : {}),
        ...(experiment ? { experiment } : {}),
        ...(candidate ? { candidate, rollout: pointer.rollout } : {}),
        ...(stableOnline ? { stableOnline } : {}),
        ...(candidateOnline ? { candidateOnline } : {}),
      };
    } catch (e) {
      for (const r of fresh) r.retire();
      throw e;
    }
    if (this.stopped) {
      for (const r of fresh) r.retire();
      return;
    }
    this.current = next; // the swap: requests from here on see the new routing
    if (old) {
      const keep = new Set(runnersOf(next));
      for (const r of new Set(runnersOf(old))) if (!keep.has(r)) r.retire();
    }
    this.opts.events?.swapped?.(next);
  }

  /** Stops following the pointer and frees the models once their in-flight requests end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    await this.settled();
    if (this.current) for (const r of new Set(runnersOf(this.current))) r.retire();
    await this.stores.close();
  }
}
