// `npm run bench -- cv-tune`: on a small training set (1,470 seeded rows of the churn split, the size
// of the attrition set in issue 19), GBDT tuned by TPE on a single 10% valid part against TPE on
// the mean AUC of 5 folds (`objective = maximize(cv.auc)`), both through the model executor's
// search (trainBranch, which refits the chosen settings), against XGBoost's own defaults (the
// xgboost command line, 100 rounds, eta 0.3, depth 6) and mlc's GBDT at those defaults. Each is
// scored on the same 1,000 test rows; repeated over 3 draws of the training rows. Prints the AUCs,
// the gaps to XGBoost and the machine's load. Skips with a message without the data sets.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { estimatorFor } from "../../src/ml/estimator-registry.js";
import type { Dataset, Estimator, Params, Task } from "../../src/ml/estimator.js";
import { aucRoc } from "../../src/ml/metrics/index.js";
import { Rng } from "../../src/ml/random.js";
import type { ModelSpec } from "../../src/kinds/model/model-spec.js";
import { trainBranch } from "../../src/kinds/model/train.js";
import type { FoldData } from "../../src/kinds/model/cross-validate.js";
import { dataset, readLabelledCsv } from "../tune/churn.js";

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/cv-tune → the repository root, beside which ../shared/datasets lies (MLC_DATASETS overrides it)
const splits = join(process.env.MLC_DATASETS ?? resolve(here, "../../../../shared/datasets"), "splits");

/** How much the bench measures: issue 19's sizes, or the test suite's smoke size (`--smoke`). */
interface CvTuneSize {
  splits: string;
  trainRows: number;
  trials: number;
  folds: number;
  draws: number[];
  trees: number;
}

const FULL: CvTuneSize = { splits, trainRows: 1470, trials: 30, folds: 5, draws: [0, 1, 2], trees: 100 };
const task: Task = { kind: "binary", classes: ["no", "yes"] };
const XGB_DEFAULTS: Params = {
  trees: 100,
  learning_rate: 0.3,
  max_depth: 6,
  min_child_weight: 1,
  subsample: 1,
};

const SPACE: ModelSpec["space"] = [
  { name: "learning_rate", dist: { kind: "loguniform", low: 0.01, high: 0.3 } },
  { name: "max_depth", dist: { kind: "int", low: 2, high: 8 } },
  { name: "min_child_weight", dist: { kind: "loguniform", low: 0.5, high: 50 } },
  { name: "subsample", dist: { kind: "uniform", low: 0.5, high: 1 } },
];

function spec(objective: "valid" | "cv", size: CvTuneSize): ModelSpec {
  return {
    name: "churn",
    task: { kind: "classify", label: "churn" },
    data: "split",
    features: { from: "f" },
    algorithm: { name: "gbdt" },
    fixed: { trees: size.trees },
    space: [...SPACE],
    tune: {
      method: "tpe",
      trials: size.trials,
      parallel: 1,
      pruner: "none",
      objectives: [{ split: objective, metric: "auc", direction: "maximize" }],
    },
    threshold: 0.5,
    calibrate: "none",
  };
}

/** Rows of `idx` dealt into k folds, stratified by label (seeded). */
function stratifiedFolds(y: Float64Array, idx: number[], k: number, seed: number): number[][] {
  const folds: number[][] = Array.from({ length: k }, () => []);
  const r = new Rng(seed);
  for (const label of [0, 1]) {
    const rows = r.shuffle(idx.filter((i) => y[i] === label));
    rows.forEach((row, j) => folds[j % k]!.push(row));
  }
  return folds;
}

function xgboostAuc(work: string, train: Dataset, test: Dataset): number {
  const write = (name: string, d: Dataset): string => {
    const lines: string[] = [];
    for (let i = 0; i < d.X.nRows; i++)
      lines.push([d.y![i], ...d.X.columns.map((c) => (Number.isNaN(c[i]!) ? "" : c[i]))].join(","));
    const path = join(work, name);
    writeFileSync(path, lines.join("\n") + "\n");
    return path;
  };
  const trainCsv = write("train.csv", train);
  const testCsv = write("test.csv", test);
  const conf = (name: string, lines: string[]): string => {
    writeFileSync(join(work, name), lines.join("\n") + "\n");
    return join(work, name);
  };
  // XGBoost's defaults (eta 0.3, max_depth 6, min_child_weight 1, subsample 1) with the 100 rounds of its Python API
  const common = [
    'booster = "gbtree"',
    'objective = "binary:logistic"',
    "num_round = 100",
    "seed = 0",
    "nthread = 1",
  ];
  execFileSync(
    "xgboost",
    [
      conf("train.conf", [
        ...common,
        `data = "${trainCsv}?format=csv&label_column=0"`,
        `model_out = "${join(work, "m.model")}"`,
      ]),
    ],
    { cwd: work, stdio: "pipe" },
  );
  const pred = join(work, "pred.txt");
  execFileSync(
    "xgboost",
    [
      conf("pred.conf", [
        ...common,
        'task = "pred"',
        `model_in = "${join(work, "m.model")}"`,
        `test:data = "${testCsv}?format=csv&label_column=0"`,
        `name_pred = "${pred}"`,
      ]),
    ],
    { cwd: work, stdio: "pipe" },
  );
  const p = Float64Array.from(readFileSync(pred, "utf8").trim().split("\n").map(Number));
  return aucRoc(test.y!, p);
}

interface Row {
  single: number;
  cv: number;
  mlcDefaults: number;
  xgb: number;
  seconds: { single: number; cv: number };
}

async function oneDraw(
  gbdt: Estimator,
  draw: number,
  work: string | undefined,
  size: CvTuneSize,
): Promise<Row> {
  const all = readLabelledCsv(join(size.splits, "mlc_churn_train.csv"));
  const tst = readLabelledCsv(join(size.splits, "mlc_churn_test.csv"));
  const test = dataset(
    tst.names,
    tst.y,
    tst.rows,
    tst.rows.map((_, i) => i),
  );
  const order = new Rng(100 + draw).shuffle(all.rows.map((_, i) => i));
  const picked = order.slice(0, size.trainRows);
  const cut = Math.round(picked.length * 0.9);
  const ds = (idx: number[]): Dataset => dataset(all.names, all.y, all.rows, idx);
  const score = (m: { predict(X: Dataset["X"]): Float64Array }): number => aucRoc(test.y!, m.predict(test.X));
  const quiet = { log: () => undefined, threads: 1 };

  let t0 = performance.now();
  const single = await trainBranch(
    spec("valid", size),
    gbdt,
    { train: ds(picked.slice(0, cut)), valid: ds(picked.slice(cut)), task },
    7,
    quiet,
  );
  const singleSeconds = (performance.now() - t0) / 1000;

  const folds: FoldData[] = stratifiedFolds(all.y, picked, size.folds, 200 + draw).map((held, k, every) => ({
    held: ds(held),
    train: ds(every.flatMap((f, j) => (j === k ? [] : f))),
  }));
  t0 = performance.now();
  const cv = await trainBranch(spec("cv", size), gbdt, { train: ds(picked), task, folds }, 7, quiet);
  const cvSeconds = (performance.now() - t0) / 1000;

  const defaults = await gbdt.fit(ds(picked), undefined, { ...XGB_DEFAULTS, threads: 1 }, task, {
    seed: 7,
    threads: 1,
  });
  return {
    single: score(single.model),
    cv: score(cv.model),
    mlcDefaults: score(defaults),
    xgb: work ? xgboostAuc(work, ds(picked), test) : NaN,
    seconds: { single: singleSeconds, cv: cvSeconds },
  };
}

const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : "n/a");

/** The smoke run's stand-in for the churn split: 300 training and 150 test rows of 4 seeded features. */
function smokeSplits(dir: string): string {
  let seed = 13;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const rows = (n: number): string => {
    const lines = ["label,a,b,c,d"];
    for (let i = 0; i < n; i++) {
      const x = [rand(), rand(), rand(), rand()];
      lines.push(
        [x[0]! + x[1]! * x[2]! + 0.3 * rand() > 0.8 ? 1 : 0, ...x.map((v) => v.toFixed(4))].join(","),
      );
    }
    return lines.join("\n") + "\n";
  };
  writeFileSync(join(dir, "mlc_churn_train.csv"), rows(300));
  writeFileSync(join(dir, "mlc_churn_test.csv"), rows(150));
  return dir;
}

/** `--smoke` (the test suite's run): one draw of 200 generated rows, TPE 3 trials, 2 folds, 5 trees. */
export async function run(args: string[]): Promise<void> {
  if (!args.includes("--smoke")) return cvTune(FULL);
  const dir = mkdtempSync(join(tmpdir(), "mlc-bench-cvtune-smoke-"));
  try {
    await cvTune({ splits: smokeSplits(dir), trainRows: 200, trials: 3, folds: 2, draws: [0], trees: 5 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cvTune(size: CvTuneSize): Promise<void> {
  const { splits } = size;
  if (!existsSync(join(splits, "mlc_churn_train.csv"))) {
    process.stdout.write(`cv-tune skipped: ${splits} not found (the shared data sets are absent)\n`);
    return;
  }
  await import("../../src/ml/gbdt/index.js");
  const gbdt = estimatorFor("gbdt");
  if (!gbdt) throw new Error("no estimator registered as 'gbdt'");
  const xgb = spawnSync("xgboost", ["-V"], { encoding: "utf8" }).error === undefined;
  if (!xgb)
    process.stdout.write(
      "xgboost command line not installed (apt-get install -y xgboost): no XGBoost column\n",
    );
  const work = xgb ? mkdtempSync(join(tmpdir(), "mlc-cvtune-")) : undefined;
  process.stdout.write(
    `churn: ${size.trainRows} training rows drawn from mlc_churn_train.csv, the test rows of mlc_churn_test.csv; GBDT ${size.trees} trees, TPE ${size.trials} trials (${size.folds} folds) ` +
      `over learning_rate, max_depth, min_child_weight, subsample; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}\n\n`,
  );
  process.stdout.write(
    `${"draw".padEnd(6)}${"TPE valid 10%".padStart(15)}${`TPE cv.auc (${size.folds})`.padStart(16)}${"mlc defaults".padStart(14)}${"XGBoost defaults".padStart(18)}\n`,
  );
  const rows: Row[] = [];
  try {
    for (const draw of size.draws) {
      const r = await oneDraw(gbdt, draw, work, size);
      rows.push(r);
      process.stdout.write(
        `${String(draw).padEnd(6)}${f4(r.single).padStart(15)}${f4(r.cv).padStart(16)}${f4(r.mlcDefaults).padStart(14)}${f4(r.xgb).padStart(18)}` +
          `   (search ${r.seconds.single.toFixed(1)} s / ${r.seconds.cv.toFixed(1)} s)\n`,
      );
    }
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
  const mean = (k: "single" | "cv" | "mlcDefaults" | "xgb"): number =>
    rows.reduce((s, r) => s + r[k], 0) / rows.length;
  process.stdout.write(
    `${"mean".padEnd(6)}${f4(mean("single")).padStart(15)}${f4(mean("cv")).padStart(16)}${f4(mean("mlcDefaults")).padStart(14)}${f4(mean("xgb")).padStart(18)}\n\n`,
  );
  if (xgb)
    process.stdout.write(
      `test AUC − XGBoost defaults: TPE on one valid part ${(mean("single") - mean("xgb")).toFixed(4)}, ` +
        `TPE on cv.auc ${(mean("cv") - mean("xgb")).toFixed(4)}; CV tuning ${mean("cv") >= mean("xgb") ? "closes" : "does NOT close"} the gap ` +
        `(cv − single ${(mean("cv") - mean("single")).toFixed(4)})\n`,
    );
  process.stdout.write(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
}
