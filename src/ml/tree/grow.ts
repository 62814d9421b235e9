// Grows one regression tree on gradient pairs over binned data: depth-wise (level order) or
// loss-guided (best gain first, bounded by max_leaves), with the histogram subtraction trick
// (build the smaller child, subtract it from the parent for the larger one).
import type { BinCuts } from "./binning.js";
import { B_MODE, type HistPool, type NodeJob } from "./hist-pool.js";
import type { Rng } from "../random.js";
import { findBestSplit, leafWeight, type SplitCandidate, type SplitParams } from "./split.js";
import { TreeBuffer, type Tree } from "./tree.js";

export interface GrowParams extends SplitParams {
  /** 0 = unlimited. */
  maxDepth: number;
  /** 0 = unlimited. */
  maxLeaves: number;
  /** Expand the best-gain leaf first (leaf-wise) instead of level by level. */
  lossguide: boolean;
  learningRate: number;
  /** Features drawn (without replacement) at each node from the tree's features; 0 = all. */
  nodeFeatures: number;
}

export interface GrowData {
  pool: HistPool;
  binned: Uint8Array;
  nRows: number;
  offsets: Int32Array;
  cuts: BinCuts;
  /**
   * Gradient pairs by row: gh[2r] = gradient, gh[2r+1] = hessian (already weighted). May be
   * pool.gho itself when the tree's rows are 0..m-1 in order; growTree then reorders it.
   */
  gh: Float64Array;
}

interface GrownTree {
  tree: Tree;
  /** Per leaf: node id and its row segment [start, end) of pool.rows. */
  leafNodes: number[];
  leafStart: number[];
  leafEnd: number[];
}

interface OpenNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  slot: number;
  split: SplitCandidate;
}

/**
 * Grows a tree on rows pool.rows[0..m) using the features `feats` (ascending).
 * Deterministic: the order of expansions, ties and node sampling depend only on the inputs and rng.
 */
export function growTree(
  d: GrowData,
  m: number,
  feats: Int32Array,
  p: GrowParams,
  rng: Rng,
  target: number,
): GrownTree {
  const { pool, offsets, gh } = d;
  const rows = pool.rows;
  const gho = pool.gho;
  const hist = pool.hist;
  const slotSize = pool.slotSize;
  pool.setFeatures(feats);
  pool.setSplitParams(p);
  const free: number[] = [];
  for (let s = pool.nSlots - 1; s >= 0; s--) free.push(s);
  const tb = new TreeBuffer();
  const nodeStart: number[] = [];
  const nodeEnd: number[] = [];

  const nodeFeats =
    p.nodeFeatures > 0 && p.nodeFeatures < feats.length ? new Int32Array(p.nodeFeatures) : null;
  const candidates = (): ArrayLike<number> => {
    if (!nodeFeats) return feats;
    // Partial Fisher–Yates over a copy of the tree's features, then sorted for a stable scan order.
    const pool2 = Int32Array.from(feats);
    for (let i = 0; i < nodeFeats.length; i++) {
      const j = i + rng.int(pool2.length - i);
      const t = pool2[i]!;
      pool2[i] = pool2[j]!;
      pool2[j] = t;
      nodeFeats[i] = pool2[i]!;
    }
    return nodeFeats.slice().sort();
  };
  const evaluate = (slot: number, g: number, h: number): SplitCandidate | null =>
    findBestSplit(hist, slot * slotSize, offsets, candidates(), g, h, p);
  // Histograms and (without per-node feature draws) the best splits, one pool request per node.
  const job: NodeJob = {
    aStart: 0,
    aEnd: 0,
    aSlot: 0,
    aEval: false,
    aG: 0,
    aH: 0,
    bMode: B_MODE.none,
    bStart: 0,
    bEnd: 0,
    bSlot: 0,
    bEval: false,
    bG: 0,
    bH: 0,
    finite: false,
  };

  // Root.
  let G = 0;
  let H = 0;
  if (gh === gho) {
    for (let i = 0; i < m; i++) {
      G += gho[i << 1]!;
      H += gho[(i << 1) + 1]!;
    }
  } else {
    for (let i = 0; i < m; i++) {
      const r = rows[i]! << 1;
      const g = gh[r]!;
      const h = gh[r + 1]!;
      gho[i << 1] = g;
      gho[(i << 1) + 1] = h;
      G += g;
      H += h;
    }
  }
  // Finite sums: every pair is finite (an infinite or NaN one makes its sum so), which the
  // two-valued histogram pass needs (histogram.ts).
  job.finite = Number.isFinite(G) && Number.isFinite(H);
  const root = tb.addLeaf(p.learningRate * leafWeight(G, H, p), H);
  nodeStart[root] = 0;
  nodeEnd[root] = m;
  const open: OpenNode[] = [];
  const canSplitAt = (depth: number) => p.maxDepth <= 0 || depth < p.maxDepth;
  if (canSplitAt(0) && m >= 2) {
    const slot = free.pop()!;
    job.aStart = 0;
    job.aEnd = m;
    job.aSlot = slot;
    job.aEval = !nodeFeats;
    job.aG = G;
    job.aH = H;
    job.bMode = B_MODE.none;
    job.bEval = false;
    const found = pool.nodes(job)[0];
    const split = nodeFeats ? evaluate(slot, G, H) : found;
    if (split) open.push({ id: root, start: 0, end: m, depth: 0, slot, split });
    else free.push(slot);
  }

  let leaves = 1;
  while (open.length > 0 && (p.maxLeaves <= 0 || leaves < p.maxLeaves)) {
    let pick = 0;
    if (p.lossguide) {
      for (let i = 1; i < open.length; i++) if (open[i]!.split.gain > open[pick]!.split.gain) pick = i;
    }
    const node = open.splice(pick, 1)[0]!;
    const s = node.split;
    // Partition the node's rows (stable: both halves stay in ascending row order). While the
    // children still get histograms, their gradient pairs move along with the rows, which keeps
    // gho in row-list order with sequential access instead of a gather from gh by row. The pool
    // splits large nodes across its threads (partition.ts; same result as one pass).
    const depth = node.depth + 1;
    const last = !canSplitAt(depth) || (p.maxLeaves > 0 && leaves + 1 >= p.maxLeaves);
    const mid = pool.partition(node.start, node.end, s.feature, s.bin, s.defaultLeft, !last);
    const bin = s.bin;
    const defLeft = s.defaultLeft;
    const left = tb.addLeaf(p.learningRate * leafWeight(s.gLeft, s.hLeft, p), s.hLeft);
    const right = tb.addLeaf(p.learningRate * leafWeight(s.gRight, s.hRight, p), s.hRight);
    const id = node.id;
    tb.feature[id] = s.feature;
    tb.threshold[id] = d.cuts.cuts[s.feature]![bin - 1]!;
    tb.splitBin[id] = bin;
    tb.left[id] = left;
    tb.right[id] = right;
    tb.defaultLeft[id] = defLeft ? 1 : 0;
    tb.gain[id] = s.gain;
    nodeStart[left] = node.start;
    nodeEnd[left] = mid;
    nodeStart[right] = mid;
    nodeEnd[right] = node.end;
    leaves++;

    if (last) {
      if (node.slot >= 0) free.push(node.slot);
      continue;
    }
    const kids = [
      { id: left, start: node.start, end: mid, g: s.gLeft, h: s.hLeft, slot: -1 },
      { id: right, start: mid, end: node.end, g: s.gRight, h: s.hRight, slot: -1 },
    ];
    const smallFirst = kids[0]!.end - kids[0]!.start <= kids[1]!.end - kids[1]!.start;
    const small = smallFirst ? kids[0]! : kids[1]!;
    const large = smallFirst ? kids[1]! : kids[0]!;
    small.slot = free.pop()!;
    job.aStart = small.start;
    job.aEnd = small.end;
    job.aSlot = small.slot;
    job.aEval = !nodeFeats && small.end - small.start >= 2;
    job.aG = small.g;
    job.aH = small.h;
    if (node.slot >= 0) {
      large.slot = node.slot;
      job.bMode = B_MODE.subtract;
    } else {
      large.slot = free.pop()!;
      job.bMode = B_MODE.build;
    }
    job.bStart = large.start;
    job.bEnd = large.end;
    job.bSlot = large.slot;
    job.bEval = !nodeFeats && large.end - large.start >= 2;
    job.bG = large.g;
    job.bH = large.h;
    const [smallSplit, largeSplit] = pool.nodes(job);
    for (const k of kids) {
      const split =
        k.end - k.start < 2
          ? null
          : nodeFeats
            ? evaluate(k.slot, k.g, k.h)
            : k === small
              ? smallSplit
              : largeSplit;
      if (!split) {
        free.push(k.slot);
        continue;
      }
      // Keep the histogram for the subtraction trick only while two slots stay free
      // (enough to build both children of a node whose histogram was dropped).
      let slot = k.slot;
      if (free.length < 2) {
        free.push(slot);
        slot = -1;
      }
      open.push({ id: k.id, start: k.start, end: k.end, depth, slot, split });
    }
  }

  const tree = tb.finish(target);
  const leafNodes: number[] = [];
  const leafStart: number[] = [];
  const leafEnd: number[] = [];
  for (let i = 0; i < tree.feature.length; i++) {
    if (tree.feature[i]! >= 0) continue;
    leafNodes.push(i);
    leafStart.push(nodeStart[i]!);
    leafEnd.push(nodeEnd[i]!);
  }
  return { tree, leafNodes, leafStart, leafEnd };
}

/** Leaf of a training row walked on the binned matrix (for rows outside the tree's sample). */
export function binnedLeaf(t: Tree, binned: Uint8Array, n: number, row: number): number {
  let node = 0;
  let f = t.feature[0]!;
  while (f >= 0) {
    const b = binned[f * n + row]!;
    node = (b === 0 ? t.defaultLeft[node] === 1 : b <= t.splitBin[node]!) ? t.left[node]! : t.right[node]!;
    f = t.feature[node]!;
  }
  return node;
}
