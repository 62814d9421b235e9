// Worker thread of hist-pool.ts: waits on the shared control words, does its slice of the
// features for each node request (histograms and best splits) or its chunk of rows for each
// partition, and reports completion. Runs only as compiled .js.
import { parentPort, workerData } from "node:worker_threads";
import { CMD, CTL, featureSlice, nodeSlice, WAIT_LIMIT_MS, type HistWorkerData } from "./hist-pool.js";
import { partitionShare, type PartitionBuffers, type PartitionRequest } from "./partition.js";

const d = workerData as HistWorkerData;
const ctl = d.ctl;
const lefts = ctl.subarray(CTL.lefts, CTL.lefts + d.of);
const rowsOnly: PartitionBuffers = { binned: d.binned, rows: d.rows, tmp: d.tmp, gho: null, tmpGh: null };
const withPairs: PartitionBuffers = { ...rowsOnly, gho: d.gho, tmpGh: d.tmpGh };
let seen = Atomics.load(ctl, CTL.generation);
parentPort!.postMessage("ready");
for (;;) {
  Atomics.wait(ctl, CTL.generation, seen);
  seen = Atomics.load(ctl, CTL.generation);
  const cmd = ctl[CTL.command];
  if (cmd === CMD.quit) break;
  if (cmd === CMD.partition) {
    const q: PartitionRequest = {
      col: ctl[CTL.col]!,
      lo: ctl[CTL.lo]!,
      lim: ctl[CTL.lim]!,
      start: ctl[CTL.start]!,
      end: ctl[CTL.end]!,
    };
    partitionShare(ctl[CTL.withGh] === 1 ? withPairs : rowsOnly, q, d.index, d.of, lefts, WAIT_LIMIT_MS);
  } else {
    const [from, to] = featureSlice(ctl[CTL.nFeats]!, d.index, d.of);
    nodeSlice(d, from, to, d.index, d.of);
  }
  Atomics.add(ctl, CTL.done, 1);
  Atomics.notify(ctl, CTL.done);
}
