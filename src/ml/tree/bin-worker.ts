// Worker thread of prepare.ts: the cut points and bins of a slice of the features, beside the
// calling thread doing the rest. Reads its columns and writes their bins in shared memory, posts
// the cut points back as its one message. Runs only as compiled .js.
import { parentPort, workerData } from "node:worker_threads";
import { cutAndBinColumn } from "./binning.js";

/** What a bin worker gets: its columns (shared) and where their bins go. */
export interface BinWorkerData {
  columns: Float32Array[];
  /** Index of the first of `columns` among all features (its bins start at first × nRows). */
  first: number;
  nRows: number;
  sample: Int32Array | null;
  bins: number;
  binned: Uint8Array;
}

const d = workerData as BinWorkerData;
const buf = new Float32Array(d.sample ? d.sample.length : d.nRows);
const cuts = d.columns.map((col, j) =>
  cutAndBinColumn(col, d.nRows, d.sample, d.bins, buf, d.binned, (d.first + j) * d.nRows),
);
parentPort!.postMessage({ cuts });
