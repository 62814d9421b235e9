// Worker thread of trial-pool.ts: serves one search after another (trial-threads.ts keeps it between
// them), fitting one tuning trial at a time on the search's shared rows and posting back the value
// of every objective. Pruning is decided on the main thread; runs only as compiled .js.
import { parentPort, workerData } from "node:worker_threads";
import { loadEstimator } from "../../ml/algorithms.js";
import type { Dataset, Estimator, Progress, TrainedModel } from "../../ml/estimator.js";
import { lossOf, type ObjectiveTarget } from "../../ml/tune/trial.js";
import { objectiveKey, objectiveScorer, type ObjectiveScorer } from "./objective-values.js";
import {
  PRUNE,
  type FitRequest,
  type TrialStudy,
  type TrialWorkerData,
  type WorkerReply,
  type WorkerRequest,
  fromShared,
} from "./trial-shared.js";

const port = parentPort!;
const ctl = (workerData as TrialWorkerData).ctl;
const post = (m: WorkerReply): void => port.postMessage(m);
const sent = (reports: Progress[]): { progress?: Progress[] } =>
  reports.length ? { progress: reports } : {};
const failure = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface Search {
  study: TrialStudy;
  estimator: Estimator;
  train: Dataset;
  valid: Dataset;
  score: ObjectiveScorer;
  /** The first objective, which FitRequest.keptLoss is a loss of. */
  target: ObjectiveTarget;
  init?: TrainedModel;
}

/** The search being served; undefined between searches, or when its setup failed (its trials are left to the main thread). */
let search: Search | undefined;

const begin = async (study: TrialStudy): Promise<void> => {
  search = undefined;
  try {
    const estimator = await loadEstimator(study.algorithm);
    if (!estimator) throw new Error(`unknown algorithm ${study.algorithm}`);
    const valid = fromShared(study.valid);
    const score = objectiveScorer(study.objectives, valid, study.ranking, study.k, study.decision);
    const init = study.init ? estimator.deserialize(study.init) : undefined;
    const first = study.objectives[0]!;
    const target: ObjectiveTarget = { metric: objectiveKey(first), direction: first.direction };
    search = {
      study,
      estimator,
      train: fromShared(study.train),
      valid,
      score,
      target,
      ...(init ? { init } : {}),
    };
  } catch (e) {
    post({ kind: "failed", search: study.search, message: failure(e) });
  }
};

const fitTrial = (req: FitRequest): Promise<void> => {
  // taken back by the main thread, which fits it itself, while it waited here: no reply (a search
  // that failed to set up takes none, so the main thread takes them all back)
  const offered = req.id + 1;
  if (!search || Atomics.compareExchange(ctl, PRUNE.claim + req.claim, offered, 0) !== offered)
    return Promise.resolve();
  const { study, estimator, train, valid, score, target, init } = search;
  // With a pruner, each progress report waits for the main thread's answer, so a trial stops at
  // the same iteration as it would on the main thread.
  // Without one, the reports go back with the result: a message per round costs ~10% of a small fit.
  const reports: Progress[] = [];
  const onProgress = (p: Progress): void | "stop" => {
    if (!study.pruning) return void reports.push(p);
    const seq = Atomics.load(ctl, PRUNE.seq);
    post({ kind: "progress", id: req.id, progress: p });
    Atomics.wait(ctl, PRUNE.seq, seq);
    return Atomics.load(ctl, PRUNE.answer) === 1 ? "stop" : undefined;
  };
  return Promise.resolve()
    .then(() =>
      estimator.fit(train, valid, req.params, study.task, {
        seed: req.seed,
        threads: 1,
        onProgress,
        ...(init ? { init } : {}),
      }),
    )
    .then((model) => {
      const values = score(model);
      // a model that cannot replace the one kept is not serialised (~15 ms for 200 trees)
      const wanted = req.keptLoss === undefined || lossOf({ values }, target) <= req.keptLoss;
      const bytes = study.returnModels && wanted ? model.serialize() : undefined;
      const m: WorkerReply = {
        kind: "done",
        id: req.id,
        values,
        ...sent(reports),
        ...(bytes ? { model: bytes } : {}),
      };
      // Copied, never transferred: with the model's buffer transferred, every later fit in this
      // thread took 15–25% more CPU than the same fits on the main thread (measured; copied, the
      // same), likely V8's typed-array code after a buffer of the isolate is detached. The copy of
      // under 1 MB (200 trees of depth 10) costs well under a millisecond.
      post(m);
    })
    .catch((e: unknown) => post({ kind: "error", id: req.id, message: failure(e), ...sent(reports) }));
};

// One request at a time, in the order they came: the main thread may queue a trial ahead.
let last: Promise<void> = Promise.resolve();
port.on("message", (req: WorkerRequest) => {
  last = last.then(() =>
    req.kind === "study" ? begin(req.study) : req.kind === "fit" ? fitTrial(req) : void (search = undefined),
  );
});
post({ kind: "ready" });
