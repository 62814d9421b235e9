// `mlc worker`: claims tuning trials from the shared state's queue and fits them, one at a time,
// until stopped (or idle for `idleExitMs`). It needs only the shared state and the shared store:
// a study's rows (train and valid rows, or a cross-validated study's folds) come from the store
// (verified) and are kept in memory for its next trials.
import { MlcError } from "../../ir/errors.js";
import type { Json } from "../../ir/graph-ir.js";
import {
  fitRemoteTrial,
  loadStudyRows,
  type StudyRows,
  type RemoteTrialSpec,
  type RemoteTrialTask,
} from "../../kinds/model/remote-trials.js";
import type { ArtifactStore } from "../artifacts/store.js";
import { PgTrialQueue, TrialQueueError, workerName, type ClaimedTrial } from "./pg-queue.js";

export interface WorkerOptions {
  queue: PgTrialQueue;
  artifacts: ArtifactStore;
  /** Only this model's studies (default: every study of the state). */
  model?: string;
  /** How long a claim lasts without a heartbeat (ms); heartbeats come every third of it. */
  leaseMs?: number;
  /** Pause between looks at an empty queue (ms). */
  pollMs?: number;
  /** Exit after this long without a trial (ms); default: run until the signal. */
  idleExitMs?: number;
  signal?: AbortSignal;
  log(message: string): void;
}

interface LoadedStudy {
  spec: RemoteTrialSpec;
  rows: StudyRows;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

/** Runs the worker loop; resolves to the number of trials it answered. */
export async function runTrialWorker(o: WorkerOptions): Promise<number> {
  const name = workerName();
  const leaseMs = o.leaseMs ?? 120_000;
  const pollMs = o.pollMs ?? 500;
  const studies = new Map<string, LoadedStudy>();
  let answered = 0;
  let idleSince = Date.now();
  o.log(`worker ${name} waiting for trials${o.model ? ` of ${o.model}` : ""}`);
  while (!o.signal?.aborted) {
    const claim = await o.queue.claim(name, leaseMs, o.model);
    if (!claim) {
      if (o.idleExitMs !== undefined && Date.now() - idleSince >= o.idleExitMs) break;
      await sleep(pollMs, o.signal);
      continue;
    }
    let study = studies.get(claim.study);
    if (!study) {
      try {
        study = await loadStudy(o.queue, o.artifacts, claim.study);
      } catch (e) {
        // A study this worker cannot read (rows missing or corrupt in the store) fails its trial
        // visibly, rather than stopping the worker or leaving the trial to the next one.
        if (!(e instanceof MlcError)) throw e;
        await o.queue.answer(claim, { error: `the worker cannot read the study: ${e.message}` });
        o.log(`trial ${claim.index}: cannot read study ${claim.study.slice(0, 12)}: ${e.message}`);
        continue;
      }
      studies.set(claim.study, study);
    }
    const answer = await fitWithLease(o, claim, study, leaseMs);
    if (answer === undefined && o.signal?.aborted) {
      await o.queue.release(claim);
      o.log(`trial ${claim.index}: stopped; given back to the queue`);
    } else if (answer === undefined) {
      o.log(`trial ${claim.index}: the lease was lost to another worker; its answer is dropped`);
    } else if (await o.queue.answer(claim, answer)) {
      answered++;
      o.log(
        `trial ${claim.index} of study ${claim.study.slice(0, 12)}: ${"error" in (answer as object) ? "failed" : "done"}${claim.attempt > 1 ? ` (attempt ${claim.attempt})` : ""}`,
      );
    }
    idleSince = Date.now();
  }
  return answered;
}

async function loadStudy(queue: PgTrialQueue, artifacts: ArtifactStore, id: string): Promise<LoadedStudy> {
  const row = await queue.study(id);
  const spec = row.spec as unknown as RemoteTrialSpec;
  let rows: StudyRows;
  try {
    rows = await loadStudyRows(spec, row.data, (hash) => artifacts.get(hash));
  } catch (e) {
    if (e instanceof MlcError) throw e; // a missing or corrupt object (verified as it comes down)
    throw new TrialQueueError(`trial queue: study ${id.slice(0, 12)}: ${(e as Error).message}`);
  }
  return { spec, rows };
}

/** Fits the claimed trial, extending the lease meanwhile; undefined when the lease was lost. */
async function fitWithLease(
  o: WorkerOptions,
  claim: ClaimedTrial,
  study: LoadedStudy,
  leaseMs: number,
): Promise<Json | undefined> {
  const lost = new AbortController();
  const stop = () => lost.abort();
  o.signal?.addEventListener("abort", stop, { once: true });
  // The heartbeat runs between the learner's rounds (they yield to the event loop).
  const beat = setInterval(() => {
    o.queue.heartbeat(claim, leaseMs).then(
      (held) => (held ? undefined : lost.abort()),
      () => undefined,
    );
  }, leaseMs / 3);
  try {
    const answer = await fitRemoteTrial(
      study.spec,
      study.rows,
      claim.task as unknown as RemoteTrialTask,
      lost.signal,
    );
    return lost.signal.aborted ? undefined : (JSON.parse(JSON.stringify(answer)) as Json);
  } finally {
    clearInterval(beat);
    o.signal?.removeEventListener("abort", stop);
  }
}
