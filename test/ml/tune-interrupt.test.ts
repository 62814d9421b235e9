// An interrupted study (Ctrl-C) records only what finished: the trials aborted mid-fit are not
// "failed" but re-run on resume, so the resumed study picks what an uninterrupted one picks.
import { describe, expect, it } from "vitest";
import {
  MemoryTrialStore,
  RandomSampler,
  Study,
  StudyInterrupted,
  type ObjectiveSpec,
  type SearchSpace,
} from "../../src/ml/tune/index.js";

const space: SearchSpace = [{ name: "x", dist: { kind: "uniform", low: 0, high: 1 } }];
const objective: ObjectiveSpec = { targets: [{ metric: "f", direction: "minimize" }] };
const f = (x: number) => (x - 0.3) ** 2;

/** An objective that stops with the signal's error, as a model fit does on Ctrl-C. */
const abortable =
  (signal: AbortSignal, onStart: (index: number) => void) =>
  async (t: { index: number; params: Record<string, unknown> }): Promise<number> => {
    onStart(t.index);
    await new Promise((r) => setTimeout(r, 5));
    if (signal.aborted) throw new Error("This operation was aborted");
    return f(t.params.x as number);
  };

describe("an interrupted study", () => {
  it("does not record interrupted trials as failed, and a resume runs them and matches an uninterrupted run", async () => {
    const make = (store: MemoryTrialStore, signal?: AbortSignal) =>
      new Study({
        space,
        objective,
        sampler: new RandomSampler(),
        trials: 12,
        parallel: 3,
        seed: 7,
        store,
        ...(signal ? { signal } : {}),
      });
    const reference = await make(new MemoryTrialStore()).run(async (t) => f(t.params.x as number));

    const store = new MemoryTrialStore();
    const ac = new AbortController();
    const err = await make(store, ac.signal)
      .run(
        abortable(ac.signal, (i) => {
          if (i === 5) ac.abort();
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudyInterrupted);
    const recorded = await store.load();
    expect(recorded.every((t) => t.status !== "failed")).toBe(true);
    expect(recorded.length).toBeLessThan(12);

    const resumed = await make(store).run(async (t) => f(t.params.x as number));
    expect(resumed.trials.map((t) => t.status)).toEqual(reference.trials.map((t) => t.status));
    expect(resumed.best?.index).toBe(reference.best?.index);
    expect(resumed.best?.values).toEqual(reference.best?.values);
  });
});
