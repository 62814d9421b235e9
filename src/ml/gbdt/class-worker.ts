// Worker thread of class-pool.ts: for each round request, computes its chunk of the rows'
// gradients, waits for the other threads' chunks, then claims classes from the shared counter,
// grows each class's tree on its own one-thread histogram pool, adds the tree's leaves to that
// class's margin column and sends the trees back. Runs only as compiled .js.
import { parentPort, workerData } from "node:worker_threads";
import { growTree } from "../tree/grow.js";
import { createHistPool } from "../tree/hist-pool.js";
import type { Tree } from "../tree/tree.js";
import { Rng } from "../random.js";
import { chunkBounds } from "../tree/partition.js";
import { GRADIENT_KERNELS } from "./objectives.js";
import {
  addLeaves,
  CLASS_CTL,
  gradientBarrier,
  type ClassRound,
  type ClassRoundResult,
  type ClassWorkerData,
} from "./class-pool.js";

const d = workerData as ClassWorkerData;
const pool = await createHistPool({
  binned: d.binned,
  nRows: d.nRows,
  offsets: d.offsets,
  nSlots: d.nSlots,
  threads: 1,
  workerUrl: null,
});
const rows = pool.rows;
const idle = new Rng(0);
const n = d.nRows;
const kernel = GRADIENT_KERNELS[d.kernel];
const [from, to] = chunkBounds(0, n, d.index, d.of);
parentPort!.on("message", (req: ClassRound) => {
  kernel(d.margin, d.k, d.y, d.w, d.gh, from, to);
  gradientBarrier(d.ctl, d.of);
  const classes: number[] = [];
  const trees: Tree[] = [];
  for (let c = Atomics.add(d.ctl, CLASS_CTL.next, 1); c < d.k; c = Atomics.add(d.ctl, CLASS_CTL.next, 1)) {
    for (let i = 0; i < n; i++) rows[i] = i;
    const grown = growTree(
      { pool, binned: d.binned, nRows: n, offsets: d.offsets, cuts: d.cuts, gh: d.gh[c]! },
      n,
      req.feats[c]!,
      d.gp,
      // Unused: the pool runs only for trees without per-node feature sampling (no draws).
      idle,
      c,
    );
    const tree = grown.tree;
    addLeaves(
      d.margin,
      d.k,
      c,
      rows,
      grown.leafStart,
      grown.leafEnd,
      grown.leafNodes.map((id) => tree.value[id]!),
    );
    classes.push(c);
    trees.push(tree);
  }
  const answer: ClassRoundResult = { classes, trees };
  parentPort!.postMessage(answer);
});
parentPort!.postMessage("ready");
