import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEstimator } from "../../../src/ml/algorithms.js";
import type { Estimator, Params } from "../../../src/ml/estimator.js";
import type { ModelSpec, TuneSpec } from "../../../src/kinds/model/model-spec.js";
import { trainBranch, type TrainOutcome } from "../../../src/kinds/model/train.js";
import {
  createTrialPool,
  type InlineFit,
  type TrialPoolOptions,
} from "../../../src/kinds/model/trial-pool.js";
import { MemoryTrialStore } from "../../../src/ml/tune/index.js";
import { BINARY, gbdtSpec, syntheticBinary } from "./tune-fixtures.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** n rows × 8 features, label from a noisy linear rule: deterministic for a seed. */
const synthetic = (n: number, seed: number) =>
  syntheticBinary(n, seed, 8, (j, v) => (j % 3 === 0 ? 1.5 : -0.5) * v * (j < 4 ? 1 : v));

function spec(tune: Partial<TuneSpec>): ModelSpec {
  return gbdtSpec({
    fixed: { trees: 20, max_depth: 4 },
    space: [
      { name: "learning_rate", dist: { kind: "loguniform", low: 0.03, high: 0.3 } },
      { name: "min_child_weight", dist: { kind: "uniform", low: 0.5, high: 5 } },
    ],
    tune: {
      method: "random",
      trials: 4,
      parallel: 2,
      pruner: "none",
      objectives: [{ split: "valid", metric: "auc", direction: "maximize" }],
      ...tune,
    },
  });
}

describe("tuning trials in worker threads", () => {
  let outDir: string;
  let workerUrl: URL;
  let gbdt: Estimator;
  const data = { train: synthetic(1500, 1), valid: synthetic(500, 2), task: BINARY };

  beforeAll(async () => {
    // Compile the worker and its imports as `npm run build` does for dist/. Inside the repo's
    // node_modules so the compiled modules resolve the installed packages.
    mkdirSync(join(repoRoot, "node_modules/.cache"), { recursive: true });
    outDir = mkdtempSync(join(repoRoot, "node_modules/.cache/mlc-trial-worker-"));
    execFileSync(
      process.execPath,
      [
        join(repoRoot, "node_modules/typescript/bin/tsc"),
        "--outDir",
        outDir,
        "--rootDir",
        join(repoRoot, "src"),
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--skipLibCheck",
        "--noCheck",
        "--types",
        "node",
        join(repoRoot, "src/kinds/model/trial-worker.ts"),
      ],
      { cwd: repoRoot, stdio: "pipe" },
    );
    writeFileSync(join(outDir, "package.json"), '{"type":"module"}');
    workerUrl = pathToFileURL(join(outDir, "kinds/model/trial-worker.js"));
    gbdt = (await loadEstimator("gbdt"))!;
    // tsc over the worker's imports takes well over a minute on a loaded 2-core machine
  }, 300_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  async function run(
    tune: Partial<TuneSpec>,
    trialWorkerUrl: URL | null,
  ): Promise<{ out: TrainOutcome; logs: string[] }> {
    const logs: string[] = [];
    const out = await trainBranch(spec(tune), gbdt, data, 7, {
      log: (m) => logs.push(m),
      threads: 1,
      trialWorkerUrl,
    });
    return { out, logs };
  }
  /** A pool over this file's rows: a GBDT, the valid AUC, two lanes, the compiled worker; `o` overrides. */
  const poolOptions = (o: Partial<TrialPoolOptions> = {}): TrialPoolOptions => ({
    algorithm: "gbdt",
    task: BINARY,
    objectives: [{ split: "valid", metric: "auc", direction: "maximize" }],
    train: data.train,
    valid: data.valid,
    parallel: 2,
    workerUrl,
    ...o,
  });
  const values = (o: TrainOutcome) =>
    o.study!.trials.map((t) => [t.index, t.status, t.params, t.values, t.intermediate]);

  it("gives the same trials and final model in workers as on the main thread (parallel = 2)", async () => {
    const main = await run({}, null);
    const workers = await run({}, workerUrl);
    expect(main.logs.some((l) => l.includes("worker thread"))).toBe(false);
    // without a pruner the main thread is a lane: parallel = 2 is the main thread and one worker
    // (which fits the trials the main thread does not take back while it starts: timing decides)
    expect(workers.logs[0]).toBe("tune: the main thread and 1 worker thread fit trials at once");
    const inWorker = workers.logs.filter((l) => l.endsWith("(worker thread)")).length;
    const inMain = workers.logs.filter((l) => l.endsWith("(main thread)")).length;
    expect(inWorker + inMain).toBe(4);
    expect(inMain).toBeGreaterThan(0);
    expect(values(workers.out)).toEqual(values(main.out));
    expect(workers.out.study!.trials.every((t) => t.status === "complete")).toBe(true);
    // Distinct params give distinct values, so equal lists are not a coincidence.
    expect(new Set(workers.out.study!.trials.map((t) => t.values.auc)).size).toBe(4);
    expect(workers.out.params).toEqual(main.out.params);
    expect(Buffer.from(workers.out.model.serialize()).equals(Buffer.from(main.out.model.serialize()))).toBe(
      true,
    );
  }, 60_000);

  it("prunes at the same steps in workers as on the main thread", async () => {
    const tune: Partial<TuneSpec> = {
      trials: 10,
      pruner: "median",
      objectives: [{ split: "valid", metric: "logloss", direction: "minimize" }],
    };
    const main = await run(tune, null);
    const workers = await run(tune, workerUrl);
    // a worker waits for the answer to each progress report: the main thread only answers them
    expect(workers.logs[0]).toBe("tune: 2 worker threads fit trials at once");
    expect(workers.logs.filter((l) => l.endsWith("(worker thread)"))).toHaveLength(10);
    expect(values(workers.out)).toEqual(values(main.out));
    expect(workers.out.study!.trials.some((t) => t.status === "pruned")).toBe(true);
    expect(workers.out.study!.trials.some((t) => t.status === "complete")).toBe(true);
  }, 60_000);

  it("records a pruned trial's objective value at its pruning step, not the pruner's logloss, and logs it as pruned", async () => {
    const tune: Partial<TuneSpec> = { trials: 10, pruner: "median" };
    for (const url of [null, workerUrl]) {
      const { out, logs } = await run(tune, url);
      const pruned = out.study!.trials.filter((t) => t.status === "pruned");
      expect(pruned.length).toBeGreaterThan(0);
      for (const t of pruned) {
        // the pruner compares negated validation loglosses; the recorded value is the AUC
        expect(t.values.auc).toBeGreaterThan(0.5);
        expect(t.values.auc).toBeLessThanOrEqual(1);
        expect(t.intermediate.at(-1)![1]).toBeLessThan(0);
        expect(t.prunedAt).toBe(t.intermediate.at(-1)![0]);
        expect(logs.find((l) => l.startsWith(`trial ${t.index}: `))).toContain(
          `pruned at step ${t.prunedAt}, auc = ${t.values.auc!.toFixed(5)}`,
        );
      }
    }
  }, 60_000);

  it("scores every objective in the worker exactly as on the main thread (two objectives)", async () => {
    const tune: Partial<TuneSpec> = {
      trials: 6,
      objectives: [
        { split: "valid", metric: "auc", direction: "maximize" },
        { split: "model", metric: "bytes", direction: "minimize" },
      ],
      pick: { kind: "closest_to_ideal" },
    };
    const main = await run(tune, null);
    const workers = await run(tune, workerUrl);
    expect(values(workers.out)).toEqual(values(main.out));
    for (const t of workers.out.study!.trials) expect(Object.keys(t.values)).toEqual(["auc", "model.bytes"]);
    expect(workers.out.study!.pareto.map((t) => t.index)).toEqual(main.out.study!.pareto.map((t) => t.index));
    expect(workers.out.study!.best!.index).toBe(main.out.study!.best!.index);
    expect(workers.logs.filter((l) => / auc = 0\.\d{5}, model\.bytes = \d+ /.test(l))).toHaveLength(6);
  }, 60_000);

  it("keeps the best trial's model instead of refitting it: the bytes a refit gives, one fit fewer", async () => {
    let fits = 0;
    const counted: Estimator = {
      ...gbdt,
      fit: (...args: Parameters<Estimator["fit"]>) => {
        fits++;
        return gbdt.fit(...args);
      },
    };
    const refit = async (o: TrainOutcome) =>
      Buffer.from(
        (await gbdt.fit(data.train, data.valid, o.params, BINARY, { seed: 7, threads: 1 })).serialize(),
      );
    // trials fitted on the main thread (all of them without workers, its lane's share with them)
    const logs: string[] = [];
    const onMain = () =>
      logs.splice(0).filter((l) => /^trial \d+: /.test(l) && !l.endsWith("(worker thread)")).length;
    for (const url of [null, workerUrl]) {
      fits = 0;
      const store = new MemoryTrialStore();
      const out = await trainBranch(spec({}), counted, data, 7, {
        log: (m) => logs.push(m),
        threads: 1,
        trialWorkerUrl: url,
        trialStore: store,
      });
      // a fit per trial on the main thread and no refit (the worker's trials are not fitted here)
      const main = onMain();
      if (url) expect(main).toBeGreaterThan(0);
      else expect(main).toBe(4);
      expect(fits).toBe(main);
      expect(Buffer.from(out.model.serialize()).equals(await refit(out))).toBe(true);
      expect(Array.from(out.model.predict(data.valid.X))).toEqual(
        Array.from(
          (await gbdt.fit(data.train, data.valid, out.params, BINARY, { seed: 7 })).predict(data.valid.X),
        ),
      );
      // Resumed with 2 more trials whose best is the recorded one: its model is not at hand, so it is refitted.
      fits = 0;
      const resumed = await trainBranch(spec({ trials: 6 }), counted, data, 7, {
        log: (m) => logs.push(m),
        threads: 1,
        trialWorkerUrl: url,
        trialStore: store,
      });
      const best = resumed.study!.best!.index;
      expect(fits).toBe(onMain() + (best < 4 ? 1 : 0));
      expect(Buffer.from(resumed.model.serialize()).equals(await refit(resumed))).toBe(true);
    }
  }, 120_000);

  it("sends a worker's model back only when it can replace the one the caller keeps", async () => {
    const pool = (await createTrialPool(poolOptions({ returnModels: true })))!;
    try {
      const params = { trees: 10, max_depth: 3 };
      const free = await pool.fit(params, 7, () => undefined);
      const auc = free.values.auc!;
      expect(free.model).toBeInstanceOf(Uint8Array);
      // the loss of a kept model is its AUC negated: a better kept model (loss below −auc) gets no bytes
      expect((await pool.fit(params, 7, () => undefined, -auc - 1e-9)).model).toBeUndefined();
      const tie = await pool.fit(params, 7, () => undefined, -auc);
      expect(Buffer.from(tie.model!).equals(Buffer.from(free.model!))).toBe(true);
      expect(tie.values).toEqual(free.values);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("continues every trial from a warm start (`init`) in every lane, as the main thread alone does", async () => {
    const init = await gbdt.fit(data.train, data.valid, { trees: 15, max_depth: 3 }, BINARY, {
      seed: 3,
      threads: 1,
    });
    const warm = async (tune: Partial<TuneSpec>, trialWorkerUrl: URL | null) => {
      const logs: string[] = [];
      const out = await trainBranch(spec({ trials: 6, ...tune }), gbdt, data, 7, {
        log: (m) => logs.push(m),
        threads: 1,
        trialWorkerUrl,
        init,
      });
      return { out, logs };
    };
    // without a pruner the main thread's lane fits trials (the first at once), and the worker what
    // it gets to: the trials, and the final model's bytes, are those of parallel = 1
    const one = await warm({ parallel: 1 }, null);
    const two = await warm({}, workerUrl);
    expect(two.logs.filter((l) => l.endsWith("(main thread)")).length).toBeGreaterThan(0);
    expect(values(two.out)).toEqual(values(one.out));
    expect(Buffer.from(two.out.model.serialize()).equals(Buffer.from(one.out.model.serialize()))).toBe(true);
    expect(values((await run({ trials: 6 }, null)).out)).not.toEqual(values(one.out));
    // with a pruner every trial fits in a worker: the same trials as parallel = 2 on the main thread
    const pruned: Partial<TuneSpec> = {
      trials: 8,
      pruner: "median",
      objectives: [{ split: "valid", metric: "logloss", direction: "minimize" }],
    };
    const inMain = await warm(pruned, null);
    const inWorkers = await warm(pruned, workerUrl);
    expect(inWorkers.logs.filter((l) => l.endsWith("(worker thread)"))).toHaveLength(8);
    expect(values(inWorkers.out)).toEqual(values(inMain.out));
  }, 120_000);

  it("fits on the main thread the trials sent to a worker that fails to start, each once", async () => {
    // the worker is sent trials before it is ready: when it dies instead, they come back
    const broken = join(outDir, "broken-worker.mjs");
    writeFileSync(broken, 'throw new Error("no trial worker here");\n');
    const failed = await run({}, pathToFileURL(broken));
    const main = await run({}, null);
    expect(failed.logs[0]).toBe("tune: the main thread and 1 worker thread fit trials at once");
    expect(failed.logs.filter((l) => l.endsWith("(main thread)"))).toHaveLength(4);
    expect(values(failed.out)).toEqual(values(main.out));
    expect(failed.out.study!.trials.every((t) => t.status === "complete")).toBe(true);
  }, 60_000);

  /** A worker that gets ready, takes the first trial it is sent (its claim, PRUNE) and crashes in it. */
  const crashing = (): URL => {
    const file = join(outDir, "crashing-worker.mjs");
    writeFileSync(
      file,
      [
        'import { parentPort, workerData } from "node:worker_threads";',
        "parentPort.on('message', (m) => {",
        "  if (m.kind !== 'fit' || Atomics.compareExchange(workerData.ctl, 2 + m.claim, m.id + 1, 0) !== m.id + 1) return;",
        "  throw new Error('the trial worker crashed mid-fit');",
        "});",
        "parentPort.postMessage({ kind: 'ready' });",
        "",
      ].join("\n"),
    );
    return pathToFileURL(file);
  };

  it("refits on the main thread a trial whose worker crashed in the middle of it, instead of recording it failed", async () => {
    const crashed = await run({ trials: 6 }, crashing());
    const main = await run({ trials: 6 }, null);
    expect(crashed.logs[0]).toBe("tune: the main thread and 1 worker thread fit trials at once");
    expect(crashed.out.study!.trials.every((t) => t.status === "complete")).toBe(true);
    expect(crashed.logs.filter((l) => l.endsWith("(main thread)"))).toHaveLength(6);
    expect(values(crashed.out)).toEqual(values(main.out));
  }, 60_000);

  it("fits the rest of a pruned search on the main thread when its workers crashed", async () => {
    const tune: Partial<TuneSpec> = {
      trials: 8,
      pruner: "median",
      objectives: [{ split: "valid", metric: "logloss", direction: "minimize" }],
    };
    const crashed = await run(tune, crashing());
    const main = await run(tune, null);
    expect(crashed.logs[0]).toBe("tune: 2 worker threads fit trials at once");
    expect(crashed.out.study!.trials.every((t) => t.status !== "failed")).toBe(true);
    expect(values(crashed.out)).toEqual(values(main.out));
  }, 60_000);

  it("does not take a kept thread's failure to set up an earlier search for the next search's", async () => {
    const inline: InlineFit = async (params, seed, onProgress) => {
      // a slow main thread, so it takes back no trial the worker can start
      await new Promise((r) => setTimeout(r, 3000));
      const fitted = await gbdt.fit(data.train, data.valid, params, BINARY, { seed, threads: 1, onProgress });
      return { values: { auc: 0 }, fitted };
    };
    // a search the worker cannot set up (an algorithm only the main thread knows), which ends
    // before the worker's answer saying so comes back; the next search takes the same thread
    await (await createTrialPool(
      poolOptions({ algorithm: "main-thread-only", pruning: false, inline }),
    ))!.close();
    const next = (await createTrialPool(poolOptions({ pruning: false, inline })))!;
    try {
      // the answer about the first search arrives
      await new Promise((r) => setTimeout(r, 1000));
      const params = { trees: 5, max_depth: 3 };
      const fits = await Promise.all([
        next.fit(params, 7, () => undefined),
        next.fit(params, 8, () => undefined),
      ]);
      // one trial in the worker (no model of its own here), one on the main thread
      expect(fits.filter((f) => f.fitted === undefined)).toHaveLength(1);
    } finally {
      await next.close();
    }
  }, 60_000);

  it("has the main thread fit a waiting trial of the worker's that is expected to cost more than the next one", async () => {
    // a worker that gets ready and never starts a trial: every trial ends up on the main thread, in
    // the order it takes them
    const file = join(outDir, "idle-worker.mjs");
    writeFileSync(
      file,
      [
        'import { parentPort } from "node:worker_threads";',
        "parentPort.on('message', () => {});",
        "parentPort.postMessage({ kind: 'ready' });",
        "",
      ].join("\n"),
    );
    const order = async (expectedCost?: (p: Params) => number): Promise<unknown[]> => {
      const fitted: unknown[] = [];
      const inline: InlineFit = async (params, seed, onProgress) => {
        fitted.push(params.max_depth);
        const model = await gbdt.fit(data.train, data.valid, { trees: 1, max_depth: 2 }, BINARY, {
          seed,
          threads: 1,
          onProgress,
        });
        return { values: { auc: 0 }, fitted: model };
      };
      const pool = (await createTrialPool(
        poolOptions({
          pruning: false,
          inline,
          workerUrl: pathToFileURL(file),
          ...(expectedCost ? { expectedCost } : {}),
        }),
      ))!;
      try {
        // the main thread takes back the first trial; the next two wait in the worker, the fourth in
        // the pool: when the main thread is free again, the worker's costliest is dearer than that one
        await Promise.all([1, 3, 9, 2].map((d, i) => pool.fit({ max_depth: d }, i, () => undefined)));
      } finally {
        await pool.close();
      }
      return fitted;
    };
    expect(await order((p) => p.max_depth as number)).toEqual([1, 9, 2, 3]);
    // without costs the main thread takes the next trial, and the worker's only when it has nothing
    // else (the last sent first)
    expect(await order()).toEqual([1, 2, 9, 3]);
  }, 60_000);

  it("runs two searches at once in one process, each with its own worker, as each alone", async () => {
    const pruned: Partial<TuneSpec> = {
      trials: 6,
      pruner: "median",
      objectives: [{ split: "valid", metric: "logloss", direction: "minimize" }],
    };
    const [plain, withPruner] = await Promise.all([run({ trials: 6 }, workerUrl), run(pruned, workerUrl)]);
    expect(values(plain.out)).toEqual(values((await run({ trials: 6 }, null)).out));
    expect(values(withPruner.out)).toEqual(values((await run(pruned, null)).out));
    expect(withPruner.logs.filter((l) => l.endsWith("(worker thread)"))).toHaveLength(6);
  }, 120_000);

  it("resumes a search interrupted while its lanes fit to the trials of an uninterrupted one", async () => {
    const tune: Partial<TuneSpec> = { trials: 8 };
    const store = new MemoryTrialStore();
    const stop = new AbortController();
    const logs: string[] = [];
    const interrupted = trainBranch(spec(tune), gbdt, data, 7, {
      log: (m) => {
        logs.push(m);
        // mid-search: both lanes are fitting or have trials queued
        if (logs.filter((l) => l.startsWith("trial ")).length === 2) stop.abort();
      },
      threads: 1,
      trialWorkerUrl: workerUrl,
      trialStore: store,
      signal: stop.signal,
    });
    await expect(interrupted).rejects.toThrow();
    const recorded = (await store.load()).length;
    expect(recorded).toBeGreaterThanOrEqual(2);
    expect(recorded).toBeLessThan(8);
    const resumed = await trainBranch(spec(tune), gbdt, data, 7, {
      log: () => undefined,
      threads: 1,
      trialWorkerUrl: workerUrl,
      trialStore: store,
    });
    expect(values(resumed)).toEqual(values((await run(tune, null)).out));
    expect(resumed.study!.trials.every((t) => t.status === "complete")).toBe(true);
  }, 120_000);

  it("falls back to the main thread, saying so, when the compiled worker is missing", async () => {
    const missing = await run({}, pathToFileURL(join(outDir, "nope.js")));
    const main = await run({}, null);
    expect(missing.logs[0]).toMatch(/trial worker is unavailable/);
    expect(values(missing.out)).toEqual(values(main.out));
  }, 60_000);
});
