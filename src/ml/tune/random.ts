// Random search: every trial draws each active parameter from its prior, from a stream seeded
// by (study seed, trial index) so trial k is the same whatever ran before it.
import type { Params } from "../estimator.js";
import { mixSeed, Rng } from "../random.js";
import type { ProposalContext, Sampler } from "./sampler.js";
import { isActive, samplePrior, type SearchSpace } from "./space.js";

export function sampleFromPrior(space: SearchSpace, rng: Rng): Params {
  const out: Params = {};
  for (const def of space) if (isActive(def, out)) out[def.name] = samplePrior(def.dist, rng);
  return out;
}

/** The random stream of trial `index`; TPE's startup trials use it too, so they equal random search's. */
export function priorStream(seed: number, index: number): Rng {
  return new Rng(mixSeed(seed, index, 0x52));
}

export class RandomSampler implements Sampler {
  readonly name = "random";
  readonly readsHistory = false;
  propose(ctx: ProposalContext): Params {
    return sampleFromPrior(ctx.space, priorStream(ctx.seed, ctx.index));
  }
}
