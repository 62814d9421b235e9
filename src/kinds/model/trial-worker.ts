// Worker thread of trial-pool.ts: fits one tuning trial at a time on the shared training rows and
// posts back the value of every objective. Pruning is decided on the main thread; runs only as compiled .js.
import { parentPort, workerData } from "node:worker_threads";
import { loadEstimator } from "../../ml/algorithms.js";
import type { Progress } from "../../ml/estimator.js";
import { objectiveScorer, type ObjectiveScorer } from "./objective-values.js";
import {
  PRUNE,
  type FitRequest,
  type TrialWorkerData,
  type WorkerReply,
  fromShared,
} from "./trial-shared.js";

const d = workerData as TrialWorkerData;
const port = parentPort!;
const ctl = d.ctl;
const train = fromShared(d.train);
const valid = fromShared(d.valid);
const estimator = await loadEstimator(d.algorithm);
const init = d.init && estimator ? estimator.deserialize(d.init) : undefined;
const post = (m: WorkerReply): void => port.postMessage(m);
const sent = (reports: Progress[]): { progress?: Progress[] } =>
  reports.length ? { progress: reports } : {};
let score: ObjectiveScorer | undefined;
let problem: string | undefined;
try {
  score = objectiveScorer(d.objectives, valid, d.ranking, d.k, d.decision);
} catch (e) {
  problem = e instanceof Error ? e.message : String(e);
}

if (!estimator || !score) {
  post({ kind: "failed", message: !estimator ? `unknown algorithm ${d.algorithm}` : problem! });
} else {
  const scorer = score;
  // One trial at a time, in the order they came: the main thread may queue one ahead.
  let last: Promise<void> = Promise.resolve();
  port.on("message", (req: FitRequest) => {
    last = last.then(() => fitTrial(req));
  });
  const fitTrial = (req: FitRequest): Promise<void> => {
    // taken back by the main thread, which fits it itself, while it waited here: no reply
    const offered = req.id + 1;
    if (Atomics.compareExchange(ctl, PRUNE.claim + req.claim, offered, 0) !== offered)
      return Promise.resolve();
    // With a pruner, each progress report waits for the main thread's answer, so a trial stops at
    // the same iteration as it would on the main thread.
    // Without one, the reports go back with the result: a message per round costs ~10% of a small fit.
    const reports: Progress[] = [];
    const onProgress = (p: Progress): void | "stop" => {
      if (!d.pruning) return void reports.push(p);
      const seq = Atomics.load(ctl, PRUNE.seq);
      post({ kind: "progress", id: req.id, progress: p });
      Atomics.wait(ctl, PRUNE.seq, seq);
      return Atomics.load(ctl, PRUNE.answer) === 1 ? "stop" : undefined;
    };
    return Promise.resolve()
      .then(() =>
        estimator.fit(train, valid, req.params, d.task, {
          seed: req.seed,
          threads: 1,
          onProgress,
          ...(init ? { init } : {}),
        }),
      )
      .then((model) => {
        const bytes = d.returnModels ? model.serialize() : undefined;
        const m: WorkerReply = {
          kind: "done",
          id: req.id,
          values: scorer(model),
          ...sent(reports),
          ...(bytes ? { model: bytes } : {}),
        };
        // the model's bytes move to the main thread instead of being copied
        if (bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
          port.postMessage(m, [bytes.buffer as ArrayBuffer]);
        else post(m);
      })
      .catch((e: unknown) =>
        post({
          kind: "error",
          id: req.id,
          message: e instanceof Error ? e.message : String(e),
          ...sent(reports),
        }),
      );
  };
  post({ kind: "ready" });
}
