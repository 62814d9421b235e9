// Standard optimisation test functions (minimise) with their search spaces and known optima,
// shared by the tuning tests and bench/tune to compare samplers on a fixed budget.
import type { Params } from "../estimator.js";
import type { SearchSpace } from "./space.js";

export interface BenchmarkFunction {
  name: string;
  space: SearchSpace;
  /** Global minimum value. */
  optimum: number;
  f(p: Params): number;
}

/** Branin–Hoo on [−5, 10] × [0, 15]; three global minima of 0.397887. */
export const branin: BenchmarkFunction = {
  name: "branin",
  space: [
    { name: "x1", dist: { kind: "uniform", low: -5, high: 10 } },
    { name: "x2", dist: { kind: "uniform", low: 0, high: 15 } },
  ],
  optimum: 0.39788735772973816,
  f(p) {
    const x1 = p.x1 as number;
    const x2 = p.x2 as number;
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));

/** Hartmann 6-D on [0, 1]⁶; global minimum −3.32237. */
export const hartmann6: BenchmarkFunction = {
  name: "hartmann6",
  space: Array.from({ length: 6 }, (_, i) => ({
    name: `x${i + 1}`,
    dist: { kind: "uniform" as const, low: 0, high: 1 },
  })),
  optimum: -3.32236801141551,
  f(p) {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H_A[i]![j]! * ((p[`x${j + 1}`] as number) - H_P[i]![j]!) ** 2;
      s += H_ALPHA[i]! * Math.exp(-inner);
    }
    return -s;
  },
};
