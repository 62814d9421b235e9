// Worker thread of row-pool.ts: waits on the shared control words and runs its chunk of each
// request (the objective's gradients over a row range, or the margin update over a range of
// row-list positions), then reports completion. Runs only as compiled .js.
import { parentPort, workerData } from "node:worker_threads";
import { chunkBounds } from "../tree/partition.js";
import { GRADIENT_KERNELS } from "./objectives.js";
import { addLeafValues, ROW_CMD, ROW_CTL, type RowWorkerData } from "./row-pool.js";

const d = workerData as RowWorkerData;
const ctl = d.ctl;
const kernel = GRADIENT_KERNELS[d.kernel];
let seen = Atomics.load(ctl, ROW_CTL.generation);
parentPort!.postMessage("ready");
for (;;) {
  Atomics.wait(ctl, ROW_CTL.generation, seen);
  seen = Atomics.load(ctl, ROW_CTL.generation);
  const cmd = ctl[ROW_CTL.command];
  if (cmd === ROW_CMD.quit) break;
  if (cmd === ROW_CMD.gradients) {
    const [from, to] = chunkBounds(0, d.n, d.index, d.of);
    kernel(d.margin, d.k, d.y, d.w, d.gh, from, to);
  } else {
    const [from, to] = chunkBounds(0, ctl[ROW_CTL.m]!, d.index, d.of);
    addLeafValues(d.margin, d.k, ctl[ROW_CTL.c]!, d.rows, d.leaves, ctl[ROW_CTL.leaves]!, from, to);
  }
  Atomics.add(ctl, ROW_CTL.done, 1);
  Atomics.notify(ctl, ROW_CTL.done);
}
