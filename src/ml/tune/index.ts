// Hyperparameter search: spaces, samplers (grid, random, TPE), pruners (median, successive
// halving, Hyperband), the seeded Study with resume, Pareto picking and parameter importance.
import type { Pruner } from "./pruner.js";
import type { Sampler } from "./sampler.js";
import { GridSampler, type GridOptions } from "./grid.js";
import {
  HyperbandPruner,
  SuccessiveHalvingPruner,
  type HalvingOptions,
  type HyperbandOptions,
} from "./halving.js";
import { MedianPruner, type MedianOptions } from "./pruner.js";
import { RandomSampler } from "./random.js";
import { TpeSampler, type TpeOptions } from "./tpe.js";

export * from "./space.js";
export * from "./trial.js";
export * from "./pareto.js";
export * from "./study.js";
export { bestSoFar, parameterImportance } from "./importance.js";
export { GridSampler, enumerateGrid } from "./grid.js";
export { RandomSampler } from "./random.js";
export { TpeSampler } from "./tpe.js";
export { MedianPruner } from "./pruner.js";
export { HyperbandPruner, SuccessiveHalvingPruner } from "./halving.js";

/** Sampler configuration as the `tune { method = … }` block lowers it. */
type SamplerConfig =
  ({ method: "grid" } & GridOptions) | { method: "random" } | ({ method: "tpe" } & TpeOptions);

export function samplerFor(c: SamplerConfig): Sampler {
  switch (c.method) {
    case "grid":
      return new GridSampler(c);
    case "random":
      return new RandomSampler();
    case "tpe":
      return new TpeSampler(c);
  }
}

/** Pruner configuration as the `tune { prune = … }` attribute lowers it. */
export type PrunerConfig =
  | ({ method: "median" } & MedianOptions)
  | ({ method: "successive_halving" } & HalvingOptions)
  | ({ method: "hyperband" } & HyperbandOptions)
  | { method: "none" };

export function prunerFor(c: PrunerConfig): Pruner | undefined {
  switch (c.method) {
    case "median":
      return new MedianPruner(c);
    case "successive_halving":
      return new SuccessiveHalvingPruner(c);
    case "hyperband":
      return new HyperbandPruner(c);
    case "none":
      return undefined;
  }
}
