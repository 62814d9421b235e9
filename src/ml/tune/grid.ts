// Grid search: the cartesian product of choices, integer ranges and `resolution` points of each
// continuous range (log-spaced for log scales), following conditions; visited in a seeded order.
import type { ParamValue, Params } from "../estimator.js";
import { Rng, mixSeed } from "../random.js";
import type { ProposalContext, Sampler } from "./sampler.js";
import { isActive, type Distribution, type SearchSpace } from "./space.js";

/** Grid values of one distribution. */
function gridValues(d: Distribution, resolution: number): ParamValue[] {
  switch (d.kind) {
    case "choice":
      return [...d.values];
    case "int": {
      if (d.high - d.low + 1 <= resolution)
        return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
      const pts = spaced(d.log ? Math.log(d.low) : d.low, d.log ? Math.log(d.high) : d.high, resolution).map(
        (x) => Math.round(d.log ? Math.exp(x) : x),
      );
      return [...new Set(pts)];
    }
    case "uniform":
      return spaced(d.low, d.high, resolution);
    case "loguniform":
      return spaced(Math.log(d.low), Math.log(d.high), resolution).map((x, i, a) =>
        i === 0 ? d.low : i === a.length - 1 ? d.high : Math.exp(x),
      );
  }
}

function spaced(lo: number, hi: number, n: number): number[] {
  if (n <= 1) return [(lo + hi) / 2];
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** Every grid point; a parameter inactive under a branch is absent there, not multiplied out. */
export function enumerateGrid(space: SearchSpace, resolution: number, limit = 1_000_000): Params[] {
  const out: Params[] = [];
  const walk = (i: number, chosen: Params): void => {
    if (out.length > limit)
      throw new Error(`grid search: more than ${limit} points; lower the resolution or use random/tpe`);
    if (i === space.length) {
      out.push({ ...chosen });
      return;
    }
    const def = space[i]!;
    if (!isActive(def, chosen)) return walk(i + 1, chosen);
    for (const v of gridValues(def.dist, resolution)) {
      chosen[def.name] = v;
      walk(i + 1, chosen);
    }
    delete chosen[def.name];
  };
  walk(0, {});
  return out;
}

export interface GridOptions {
  /** Points per continuous range, and the most values taken from an integer range (default 5). */
  resolution?: number;
}

/**
 * Trial k takes point order[k] of the grid, where `order` is a permutation seeded by the study seed
 * (so a budget smaller than the grid still spreads over it); returns null once every point is used.
 */
export class GridSampler implements Sampler {
  readonly name = "grid";
  readonly readsHistory = false;
  private cache: { key: string; points: Params[] } | undefined;

  constructor(private readonly opts: GridOptions = {}) {}

  size(space: SearchSpace): number {
    return enumerateGrid(space, this.opts.resolution ?? 5).length;
  }

  propose(ctx: ProposalContext): Params | null {
    const key = `${ctx.seed}:${JSON.stringify(ctx.space)}`;
    if (this.cache?.key !== key) {
      const points = enumerateGrid(ctx.space, this.opts.resolution ?? 5);
      new Rng(mixSeed(ctx.seed, 0x6712)).shuffle(points);
      this.cache = { key, points };
    }
    const p = this.cache.points[ctx.index];
    return p ? { ...p } : null;
  }
}
