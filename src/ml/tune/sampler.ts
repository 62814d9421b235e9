// The sampler contract: propose trial k's parameters from the seed and the finished trials the
// study hands over (deterministically chosen), never from wall-clock or completion order.
import type { Params } from "../estimator.js";
import type { SearchSpace } from "./space.js";
import type { ObjectiveSpec, TrialRecord } from "./trial.js";

export interface ProposalContext {
  space: SearchSpace;
  objective: ObjectiveSpec;
  /** Finished trials visible to this proposal, in index order. */
  history: readonly TrialRecord[];
  /**
   * Trials proposed before this one whose results the proposal must not read (they may still be
   * running), in index order: a sampler that models the history treats them as bad ("constant
   * liar"), so parallel trials spread out. Empty when the study is sequential.
   */
  pending?: readonly PendingTrial[];
  /** Index of the trial being proposed. */
  index: number;
  /** The study's seed. */
  seed: number;
}

export interface PendingTrial {
  index: number;
  params: Params;
}

export interface Sampler {
  readonly name: string;
  /**
   * False when proposals ignore `history` (random, grid): the study may then start trial k before
   * trials ≤ k − studyLag(parallel) finish, keeping every worker busy. Default: true.
   */
  readonly readsHistory?: boolean;
  /** Parameters of trial `ctx.index`, or null when the sampler has nothing left (an exhausted grid). */
  propose(ctx: ProposalContext): Params | null;
}
