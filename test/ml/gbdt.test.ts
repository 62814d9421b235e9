import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dataset, Task } from "../../src/ml/estimator.js";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import { fitGbdt } from "../../src/ml/gbdt/booster.js";
import "../../src/ml/gbdt/index.js";
import { ndcgAt, groupRanges } from "../../src/ml/gbdt/objectives.js";
import type { Matrix } from "../../src/ml/matrix.js";
import { defaultWorkerUrl } from "../../src/ml/tree/hist-pool.js";
import { prepareTraining } from "../../src/ml/tree/prepare.js";
import { Rng } from "../../src/ml/random.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN: Task = { kind: "binary", classes: ["no", "yes"] };
const REG: Task = { kind: "regression" };

function synthetic(n: number, d: number, seed: number, fn: (x: number[], r: Rng) => number): Dataset {
  const r = new Rng(seed);
  const columns = Array.from({ length: d }, () => new Float32Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => r.next() * 2 - 1);
    x.forEach((v, j) => (columns[j]![i] = v));
    y[i] = fn(
      Array.from(x, (_, j) => columns[j]![i]!),
      r,
    );
  }
  return { X: { nRows: n, columns, names: Array.from({ length: d }, (_, j) => `x${j}`) }, y };
}

const binaryData = (n: number, seed: number) =>
  synthetic(n, 5, seed, (x, r) =>
    r.next() < 1 / (1 + Math.exp(-(3 * x[0]! - 2 * x[1]! + x[2]! * x[3]! * 2))) ? 1 : 0,
  );

describe("gbdt estimator", () => {
  it("is registered with documented parameters", () => {
    const e = estimatorFor("gbdt")!;
    expect(e.tasks).toContain("ranking");
    for (const name of [
      "trees",
      "learning_rate",
      "max_depth",
      "max_leaves",
      "grow",
      "min_child_weight",
      "min_split_gain",
      "lambda",
      "alpha",
      "subsample",
      "colsample",
      "max_bins",
      "early_stop",
      "objective",
      "huber_delta",
      "scale_pos_weight",
      "class_weights",
      "threads",
      "seed",
    ]) {
      const p = e.params.find((s) => s.name === name);
      expect(p, name).toBeDefined();
      expect(p!.doc.length).toBeGreaterThan(10);
    }
  });

  it("finds the one informative split", async () => {
    const d = synthetic(400, 3, 1, (x) => (x[1]! > 0.25 ? 1 : 0));
    const m = await fitGbdt(d, undefined, { trees: 1, max_depth: 1 }, BIN, { seed: 1 });
    const t = m.ensemble.trees[0]!;
    expect(t.feature[0]).toBe(1);
    expect(t.threshold[0]).toBeGreaterThan(0.2);
    expect(t.threshold[0]).toBeLessThan(0.3);
    expect(t.feature.length).toBe(3);
  });

  it("matches a hand-computed one-tree L2 result", async () => {
    const X: Matrix = { nRows: 4, columns: [Float32Array.from([1, 2, 3, 4])], names: ["x"] };
    const y = Float64Array.from([1, 1, 3, 5]);
    // base = mean 2.5; split x <= 2 (gain 0.5·(9/2 + 9/2 − 0) beats x <= 3); leaves −G/(H+λ) with λ = 1:
    // left G = 3, H = 2 → −1; right G = −3, H = 2 → +1; learning rate 0.5 halves them.
    const m = await fitGbdt(
      { X, y },
      undefined,
      { trees: 1, max_depth: 1, lambda: 1, learning_rate: 0.5, min_child_weight: 0 },
      REG,
      { seed: 0 },
    );
    expect(Array.from(m.predict(X))).toEqual([2, 2, 3, 3]);
    expect(m.ensemble.trees[0]!.gain[0]).toBeCloseTo(0.5 * (9 / 3 + 9 / 3 - 0), 12);
  });

  it("lowers the validation logloss round after round and stops when asked", async () => {
    const train = binaryData(1000, 2);
    const valid = binaryData(500, 3);
    const seen: number[] = [];
    const m = await fitGbdt(train, valid, { trees: 30, learning_rate: 0.2, max_depth: 3 }, BIN, {
      seed: 1,
      onProgress: (p) => {
        seen.push(p.metric!.value);
        expect(p.metric!.name).toBe("logloss");
        return p.iteration === 20 ? "stop" : undefined;
      },
    });
    expect(seen.length).toBe(20);
    expect(seen[19]!).toBeLessThan(seen[0]! - 0.1);
    expect(seen[19]!).toBeLessThan(Math.log(2) - 0.15);
    expect(m.ensemble.trees.length).toBe(20);
  });

  it("early stopping keeps the best round on a noisy validation set", async () => {
    const train = synthetic(500, 4, 4, (_x, r) => (r.next() < 0.5 ? 1 : 0));
    const valid = synthetic(500, 4, 5, (_x, r) => (r.next() < 0.5 ? 1 : 0));
    const m = await fitGbdt(train, valid, { trees: 200, early_stop: 5, max_depth: 4 }, BIN, { seed: 0 });
    expect(m.bestIteration).toBeLessThan(50);
    expect(m.ensemble.trees.length).toBe(m.bestIteration);
  });

  it("routes missing values by the learned default direction", async () => {
    const d = synthetic(1000, 2, 6, () => 0);
    for (let i = 0; i < 1000; i++) {
      if (i % 4 === 0) d.X.columns[0]![i] = NaN;
      const x = d.X.columns[0]![i]!;
      d.y![i] = Number.isNaN(x) || x > 0.5 ? 1 : 0;
    }
    const m = await fitGbdt(d, undefined, { trees: 20, max_depth: 2 }, BIN, { seed: 0 });
    const probe: Matrix = {
      nRows: 3,
      columns: [Float32Array.from([NaN, 0, 0.9]), Float32Array.from([0, 0, 0])],
      names: ["x0", "x1"],
    };
    const p = m.predict(probe);
    expect(p[0]).toBeGreaterThan(0.8);
    expect(p[1]).toBeLessThan(0.2);
    expect(p[2]).toBeGreaterThan(0.8);
    const root = m.ensemble.trees[0]!;
    expect(root.feature[0]).toBe(0);
    expect(root.defaultLeft[0]).toBe(0);
  });

  it("serialises to identical bytes for the same data and seed, and round-trips", async () => {
    const d = binaryData(1500, 7);
    const params = { trees: 15, subsample: 0.7, colsample: 0.6, max_leaves: 12 };
    const a = await fitGbdt(d, undefined, params, BIN, { seed: 3 });
    const b = await fitGbdt(d, undefined, params, BIN, { seed: 3 });
    const c = await fitGbdt(d, undefined, params, BIN, { seed: 4 });
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true);
    expect(Buffer.from(a.serialize()).equals(Buffer.from(c.serialize()))).toBe(false);
    const back = estimatorFor("gbdt")!.deserialize(a.serialize());
    expect(Array.from(back.predict(d.X))).toEqual(Array.from(a.predict(d.X)));
    expect(back.bestIteration).toBe(15);
    expect(Buffer.from(back.serialize()).equals(Buffer.from(a.serialize()))).toBe(true);
    const corrupt = a.serialize();
    corrupt[corrupt.length - 20]! ^= 1;
    expect(() => estimatorFor("gbdt")!.deserialize(corrupt)).toThrow(/checksum/);
    expect(() => estimatorFor("gbdt")!.deserialize(new Uint8Array(10))).toThrow(/too short/);
  });

  it("leaf-wise growth respects max_leaves", async () => {
    const d = binaryData(2000, 8);
    const m = await fitGbdt(d, undefined, { trees: 5, max_leaves: 7, max_depth: 0 }, BIN, { seed: 0 });
    for (const t of m.ensemble.trees)
      expect(Array.from(t.feature).filter((f) => f < 0).length).toBeLessThanOrEqual(7);
    expect(Array.from(m.ensemble.trees[0]!.feature).filter((f) => f < 0).length).toBe(7);
  });

  it("multiclass softmax beats the uniform baseline", async () => {
    const task: Task = { kind: "multiclass", classes: ["a", "b", "c"] };
    const gen = (seed: number) => synthetic(1500, 3, seed, (x) => (x[0]! > 0.3 ? 2 : x[1]! > 0 ? 1 : 0));
    const valid = gen(10);
    let last = Infinity;
    const m = await fitGbdt(gen(9), valid, { trees: 20, max_depth: 3 }, task, {
      seed: 0,
      onProgress: (p) => void (last = p.metric!.value),
    });
    expect(last).toBeLessThan(Math.log(3) / 4);
    const p = m.predict(valid.X);
    expect(p.length).toBe(valid.X.nRows * 3);
    let correct = 0;
    for (let i = 0; i < valid.X.nRows; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === valid.y![i]) correct++;
    }
    expect(correct / valid.X.nRows).toBeGreaterThan(0.95);
  });

  it("lambdarank improves NDCG over the unranked order", async () => {
    const gen = (seed: number) => {
      const d = synthetic(2000, 4, seed, (x) =>
        Math.max(0, Math.min(3, Math.round(1.5 + 2 * x[0]! - x[1]!))),
      );
      d.group = Int32Array.from({ length: 2000 }, (_, i) => Math.floor(i / 20));
      return d;
    };
    const valid = gen(12);
    const ranges = groupRanges(valid.group!);
    let before = 0;
    const zeros = new Float64Array(valid.X.nRows);
    for (let q = 0; q + 1 < ranges.length; q++)
      before += ndcgAt(
        valid.y!,
        zeros.map((_, i) => -i),
        ranges[q]!,
        ranges[q + 1]!,
        10,
      );
    before /= ranges.length - 1;
    let after = 0;
    await fitGbdt(
      gen(11),
      valid,
      { trees: 20, max_depth: 3 },
      { kind: "ranking" },
      { seed: 0, onProgress: (p) => void (after = p.metric!.value) },
    );
    expect(after).toBeGreaterThan(before + 0.2);
    expect(after).toBeGreaterThan(0.9);
  });

  it("absolute and huber objectives fit a regression with outliers", async () => {
    const gen = (seed: number) =>
      synthetic(1500, 2, seed, (x, r) => 10 * x[0]! + (r.next() < 0.05 ? 500 : 0));
    for (const objective of ["absolute", "huber"]) {
      let first = 0;
      let last = 0;
      await fitGbdt(gen(13), gen(14), { trees: 40, objective, huber_delta: 2 }, REG, {
        seed: 0,
        onProgress: (p) => {
          if (p.iteration === 1) first = p.metric!.value;
          last = p.metric!.value;
        },
      });
      expect(last, objective).toBeLessThan(first);
    }
  });

  it("honours class weights, abort signals and reports bad input clearly", async () => {
    const d = binaryData(600, 15);
    const plain = await fitGbdt(d, undefined, { trees: 5, boost_from_average: true }, BIN, { seed: 0 });
    const heavy = await fitGbdt(
      d,
      undefined,
      { trees: 5, scale_pos_weight: 5, boost_from_average: true },
      BIN,
      { seed: 0 },
    );
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(heavy.predict(d.X))).toBeGreaterThan(mean(plain.predict(d.X)) + 0.1);
    const ac = new AbortController();
    ac.abort();
    await expect(fitGbdt(d, undefined, { trees: 5 }, BIN, { seed: 0, signal: ac.signal })).rejects.toThrow();
    await expect(fitGbdt(d, undefined, { tree: 5 }, BIN, { seed: 0 })).rejects.toThrow(
      /unknown parameter 'tree'/,
    );
    await expect(fitGbdt(d, undefined, { max_bins: 300 }, BIN, { seed: 0 })).rejects.toThrow(
      /max_bins' must be an integer in \[2, 255\], got 300/,
    );
    const bad = { ...d, y: d.y!.map((v, i) => (i === 7 ? 2 : v)) };
    await expect(fitGbdt(bad, undefined, {}, BIN, { seed: 0 })).rejects.toThrow(/row 8/);
    await expect(fitGbdt(d, undefined, { objective: "squared" }, BIN, { seed: 0 })).rejects.toThrow(
      /does not fit a binary task/,
    );
    expect(plain.importance().length).toBe(5);
    expect(plain.importance()[0]).toBeGreaterThan(plain.importance()[4]!);
  });
});

describe("gbdt histogram threads", () => {
  let outDir = "";
  let workerUrl: URL;
  let rowWorkerUrl: URL;
  let classWorkerUrl: URL;
  beforeAll(() => {
    // Compile the worker and its imports, as `npm run build` does for dist/.
    outDir = mkdtempSync(join(tmpdir(), "mlc-hist-worker-"));
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
        "--types",
        "node",
        join(repoRoot, "src/ml/tree/hist-worker.ts"),
        join(repoRoot, "src/ml/gbdt/row-worker.ts"),
        join(repoRoot, "src/ml/gbdt/class-worker.ts"),
        join(repoRoot, "src/ml/tree/bin-worker.ts"),
      ],
      { cwd: repoRoot, stdio: "pipe" },
    );
    writeFileSync(join(outDir, "package.json"), '{"type":"module"}');
    workerUrl = pathToFileURL(join(outDir, "ml/tree/hist-worker.js"));
    rowWorkerUrl = pathToFileURL(join(outDir, "ml/gbdt/row-worker.js"));
    classWorkerUrl = pathToFileURL(join(outDir, "ml/gbdt/class-worker.js"));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("gives identical models with 1 and 2 threads (workers used), and with workers unavailable", async () => {
    const d = binaryData(52_000, 16);
    const params = { trees: 3, max_depth: 4, colsample: 0.8 };
    let used = 0;
    const one = await fitGbdt(
      d,
      undefined,
      { ...params, threads: 1 },
      BIN,
      { seed: 2 },
      { workerUrl, onThreads: (t) => (used = t) },
    );
    expect(used).toBe(1);
    const two = await fitGbdt(
      d,
      undefined,
      { ...params, threads: 2 },
      BIN,
      { seed: 2 },
      { workerUrl, onThreads: (t) => (used = t) },
    );
    expect(used).toBe(2);
    const missing = await fitGbdt(
      d,
      undefined,
      { ...params, threads: 2 },
      BIN,
      { seed: 2 },
      { workerUrl: pathToFileURL(join(outDir, "nope.js")), onThreads: (t) => (used = t) },
    );
    expect(used).toBe(1);
    expect(Buffer.from(two.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
    expect(Buffer.from(missing.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
  });

  it("computes gradients and margin updates on the row workers with the same bytes as one thread", async () => {
    const cases: { d: Dataset; task: Task; params: Record<string, number | string> }[] = [
      { d: binaryData(52_000, 6), task: BIN, params: { trees: 3, max_depth: 4 } },
      {
        d: synthetic(52_000, 5, 4, (x) => (x[0]! > 0.3 ? 2 : x[1]! > 0 ? 1 : 0)),
        task: { kind: "multiclass", classes: ["a", "b", "c"] },
        params: { trees: 2, max_depth: 3 },
      },
      {
        d: synthetic(52_000, 5, 5, (x, r) => 3 * x[0]! - x[2]! + r.normal()),
        task: REG,
        params: { trees: 3, max_depth: 3 },
      },
    ];
    for (const { d, task, params } of cases) {
      let rowThreads = 0;
      const fit = (threads: number) =>
        fitGbdt(
          d,
          undefined,
          { ...params, threads },
          task,
          { seed: 3 },
          { workerUrl, rowWorkerUrl, onRowThreads: (t) => (rowThreads = t) },
        );
      const one = await fit(1);
      expect(rowThreads).toBe(1);
      const two = await fit(2);
      expect(rowThreads).toBe(2);
      expect(Buffer.from(two.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
    }
  });

  it("grows a small multiclass round's trees on the class workers with the same bytes as one thread", async () => {
    // 33,000 rows × 4 classes × 8 features: below the histogram pool's threads, above the class pool's minimum.
    const label = (x: number[]) => (x[0]! > 0.5 ? 3 : x[0]! > 0 ? 2 : x[1]! + x[2]! > 0 ? 1 : 0);
    const d = synthetic(33_000, 8, 7, label);
    const valid = synthetic(2_000, 8, 8, label);
    const task: Task = { kind: "multiclass", classes: ["a", "b", "c", "d"] };
    const params = { trees: 3, max_depth: 4, colsample: 0.75 };
    let classThreads = 0;
    const fit = (threads: number, url: URL) =>
      fitGbdt(
        d,
        valid,
        { ...params, threads },
        task,
        { seed: 4 },
        { classWorkerUrl: url, onClassThreads: (t) => (classThreads = t) },
      );
    const one = await fit(1, classWorkerUrl);
    expect(classThreads).toBe(1);
    const two = await fit(2, classWorkerUrl);
    expect(classThreads).toBe(2);
    const missing = await fit(2, pathToFileURL(join(outDir, "nope.js")));
    expect(classThreads).toBe(1);
    expect(Buffer.from(two.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
    expect(Buffer.from(missing.serialize()).equals(Buffer.from(one.serialize()))).toBe(true);
  });

  it("cuts and bins half the features on the bin worker with the one-thread cuts and bins", async () => {
    // 210,000 rows × 20 features: above the bin worker's 2^22 cells; some missing values.
    const n = 210_000;
    const r = new Rng(17);
    const X: Matrix = {
      nRows: n,
      names: Array.from({ length: 20 }, (_, f) => `x${f}`),
      columns: Array.from({ length: 20 }, (_, f) =>
        Float32Array.from({ length: n }, () =>
          r.next() < 0.02 ? NaN : Math.round(r.next() * 50 * (f + 1)) / 7,
        ),
      ),
    };
    const prep = (threads: number) =>
      prepareTraining(X, { maxBins: 256, seed: 3, threads, maxDepth: 6, maxLeaves: 0, workerUrl });
    const one = await prep(1);
    const two = await prep(2);
    try {
      expect(one.binThreads).toBe(1);
      expect(two.binThreads).toBe(2);
      expect(two.cuts.cuts.map((c) => Array.from(c))).toEqual(one.cuts.cuts.map((c) => Array.from(c)));
      expect(Buffer.from(two.binned).equals(Buffer.from(one.binned))).toBe(true);
      expect(Array.from(two.offsets)).toEqual(Array.from(one.offsets));
    } finally {
      await one.pool.close();
      await two.pool.close();
    }
  });

  it("finds the compiled worker in dist/ when running from TypeScript sources, else builds in-thread", () => {
    const dist = join(repoRoot, "dist/src/ml/tree/hist-worker.js");
    const url = defaultWorkerUrl();
    if (existsSync(dist)) expect(url && fileURLToPath(url)).toBe(dist);
    else expect(url).toBeNull();
  });
});
