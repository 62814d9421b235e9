// What warm starts and checkpoints share across the learners: the error of a model that cannot be
// continued (other features, classes or layers than the champion's) and the checkpoint channel a
// training loop saves its state to and resumes from. The learners fill them in; the model executor
// maps the error to MLC2460 and keeps the checkpoints in the artifact store.
import type { Task } from "./estimator.js";

/** The champion cannot be continued with these data or parameters: the message says what differs. */
export class WarmStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WarmStartError";
  }
}

/**
 * A training loop's checkpoints: `every` iterations (rounds, epochs) it calls `save` with its whole
 * state (RNG, model so far, running sums); before the first iteration `load` returns the last saved
 * state of this very training (same data, params, seed and start), if any.
 */
export interface TrainingCheckpoints {
  every: number;
  load(): Promise<Uint8Array | undefined>;
  save(iteration: number, bytes: Uint8Array): Promise<void>;
}

/** The same task: kind and, for classifiers, the same classes in the same order. */
export function checkSameTask(algorithm: string, init: Task, task: Task): void {
  const classes = (t: Task) => ("classes" in t ? t.classes.join(", ") : "");
  if (init.kind !== task.kind)
    throw new WarmStartError(
      `${algorithm}: the champion is a ${init.kind} model and this task is ${task.kind}`,
    );
  if (classes(init) !== classes(task))
    throw new WarmStartError(
      `${algorithm}: the champion's classes are [${classes(init)}] and these labels' are [${classes(task)}]`,
    );
}

/** The same feature columns, in the same order. */
export function checkSameFeatures(
  algorithm: string,
  init: readonly string[],
  names: readonly string[],
): void {
  if (init.length === names.length && init.every((n, i) => n === names[i])) return;
  const missing = init.filter((n) => !names.includes(n));
  const added = names.filter((n) => !init.includes(n));
  const diff = [
    missing.length ? `not in the data now: ${missing.slice(0, 5).join(", ")}` : "",
    added.length ? `new: ${added.slice(0, 5).join(", ")}` : "",
  ].filter(Boolean);
  throw new WarmStartError(
    `${algorithm}: the champion was trained on ${init.length} features and these data have ${names.length}${diff.length ? ` (${diff.join("; ")})` : " in another order"}`,
  );
}
