// `npm run bench -- gbdt`: mlc's GBDT beside Debian's xgboost CLI (hist, depth 6, eta 0.1, same
// rounds, same data, same run): churn AUC, ames RMSE, 1M-row train time and peak memory, ONNX latency.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { aucRoc, rmse as rmseOf } from "../../src/ml/metrics/index.js";
import { profileSummary } from "../cpu-profile.js";
import { predictLatency } from "../predict/index.js";
import { readNumericCsv } from "./csv.js";

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/gbdt → repository root; the shared datasets sit beside it unless MLC_DATASETS says where.
const repoRoot = resolve(here, "../../..");
const datasets = process.env.MLC_DATASETS ?? resolve(repoRoot, "../shared/datasets");
const splits = join(datasets, "splits");
const cli = join(here, "train-cli.js");

// Metrics from src/ml/metrics (argument order: targets, predictions).
const auc = (p: ArrayLike<number>, y: ArrayLike<number>) => aucRoc(y, p);
const rmse = (p: Float64Array, y: Float64Array) => rmseOf(y, p);

const readPreds = (path: string) => Float64Array.from(readFileSync(path, "utf8").trim().split("\n"), Number);

interface Measured {
  seconds: number;
  peakMiB: number;
  stdout: string;
}

/** Runs a whole process under /usr/bin/time: wall seconds and peak resident memory. */
function timed(cmd: string, args: string[], cwd: string): Measured {
  const out = join(cwd, `time-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const hasTime = existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%e %M", "-o", out, cmd, ...args], {
        cwd,
        encoding: "utf8",
        maxBuffer: 1 << 26,
      })
    : spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  let peakMiB = NaN;
  if (hasTime) {
    const [, kb] = readFileSync(out, "utf8").trim().split("\n").pop()!.split(" ");
    peakMiB = Number(kb) / 1024;
  }
  return { seconds: wall, peakMiB, stdout: r.stdout };
}

function hasXgboost(): boolean {
  return spawnSync("xgboost", ["-V"], { encoding: "utf8" }).error === undefined;
}

function xgbConf(dir: string, name: string, lines: Record<string, string | number>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    Object.entries(lines)
      .map(([k, v]) => `${k} = ${typeof v === "string" ? `"${v}"` : v}`)
      .join("\n") + "\n",
  );
  return path;
}

const fmt = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");
const pad = (s: string, n: number) => s.padEnd(n);

function row(label: string, xgb: string, mlc: string, ratio: string, target: string): void {
  process.stdout.write(`${pad(label, 34)} ${pad(xgb, 14)} ${pad(mlc, 14)} ${pad(ratio, 10)} ${target}\n`);
}

interface SplitResult {
  xgbMetric: number;
  mlcMetric: number;
  xgb?: Measured;
  mlc: Measured;
}

function runSplit(
  work: string,
  splits: string,
  name: string,
  objective: "binary" | "regression",
  rounds: number,
  xgb: boolean,
): SplitResult {
  const trainXgb = join(splits, `${name}_train.xgb.csv`);
  const testXgb = join(splits, `${name}_test.xgb.csv`);
  const yTest = readNumericCsv(testXgb, false).y;
  const metric = objective === "binary" ? auc : rmse;
  let xgbMetric = NaN;
  let xgbRun: Measured | undefined;
  if (xgb) {
    const model = join(work, `${name}.xgb.model`);
    const base = {
      booster: "gbtree",
      objective: objective === "binary" ? "binary:logistic" : "reg:squarederror",
      tree_method: "hist",
      max_depth: 6,
      eta: 0.1,
      seed: 0,
      num_round: rounds,
      save_period: 0,
    };
    // The shared baseline conf, copied with its paths made absolute (and no eval printing).
    const trainConf = join(work, `${name}.train.conf`);
    const lines = readFileSync(join(splits, `${name}.xgb.conf`), "utf8")
      .split("\n")
      .filter((l) => !/^\s*(data|eval\[|model_out|num_round)/.test(l));
    lines.push(
      `num_round = ${rounds}`,
      `data = "${trainXgb}?format=csv&label_column=0"`,
      `model_out = "${model}"`,
    );
    writeFileSync(trainConf, lines.join("\n") + "\n");
    xgbRun = timed("xgboost", [trainConf], work);
    const predOut = join(work, `${name}.xgb.pred`);
    const predConf = xgbConf(work, `${name}.pred.conf`, {
      ...base,
      task: "pred",
      model_in: model,
      "test:data": `${testXgb}?format=csv&label_column=0`,
      name_pred: predOut,
    });
    execFileSync("xgboost", [predConf], { cwd: work, stdio: "pipe" });
    xgbMetric = metric(readPreds(predOut), yTest);
  }
  const mlcPred = join(work, `${name}.mlc.pred`);
  const mlcRun = timed(
    process.execPath,
    [
      cli,
      "--train",
      trainXgb,
      "--test",
      testXgb,
      "--pred",
      mlcPred,
      "--task",
      objective,
      "--trees",
      String(rounds),
      "--depth",
      "6",
      "--eta",
      "0.1",
    ],
    work,
  );
  const r: SplitResult = { xgbMetric, mlcMetric: metric(readPreds(mlcPred), yTest), mlc: mlcRun };
  if (xgbRun) r.xgb = xgbRun;
  return r;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * The smoke run's data set (`--smoke`): 400 training and 200 test rows of 6 seeded features with a
 * binary label from three of them, in the splits layout (label first, no header) with its conf.
 */
function smokeSplits(dir: string): string {
  let seed = 5;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const rows = (n: number): string =>
    Array.from({ length: n }, () => {
      const x = Array.from({ length: 6 }, () => rand() * 2 - 1);
      const label = x[0]! + 0.5 * x[1]! - x[2]! * x[3]! + 0.3 * (rand() - 0.5) > 0 ? 1 : 0;
      return [label, ...x.map((v) => v.toFixed(4))].join(",");
    }).join("\n") + "\n";
  writeFileSync(join(dir, "smoke_train.xgb.csv"), rows(400));
  writeFileSync(join(dir, "smoke_test.xgb.csv"), rows(200));
  writeFileSync(
    join(dir, "smoke.xgb.conf"),
    "booster = gbtree\nobjective = binary:logistic\ntree_method = hist\nmax_depth = 6\neta = 0.1\nseed = 0\n",
  );
  return dir;
}

/**
 * `--runs=N` repeats the 1M-row comparison (median printed); `--small` leaves it out; `--smoke` (the
 * test suite's run) trains 10 rounds on a generated 400-row set and times a 3-tree predictor.
 */
export async function run(args: string[]): Promise<void> {
  if (!existsSync(cli)) throw new Error(`missing ${cli}: run npm run build first`);
  if (args.includes("--smoke")) return smokeRun();
  const xgb = hasXgboost();
  if (!xgb)
    process.stdout.write(
      "xgboost command line not installed (apt-get install -y xgboost): skipping the XGBoost columns\n",
    );
  const work = mkdtempSync(join(tmpdir(), "mlc-bench-gbdt-"));
  const runs = Math.max(1, Number(args.find((a) => a.startsWith("--runs="))?.slice(7) ?? "1"));
  const skipLarge = args.includes("--small");
  try {
    process.stdout.write(
      `hist, max_depth 6, eta 0.1; both as whole processes (read CSV + train), ${xgb ? "XGBoost " + spawnSync("xgboost", ["-V"], { encoding: "utf8" }).stdout.trim() : ""}\n\n`,
    );
    row("", "XGBoost", "mlc", "mlc/xgb", "target");
    const churn = runSplit(work, splits, "mlc_churn", "binary", 200, xgb);
    row(
      "mlc_churn test AUC (200 rounds)",
      fmt(churn.xgbMetric),
      fmt(churn.mlcMetric),
      fmt(churn.mlcMetric - churn.xgbMetric) + " Δ",
      "mlc ≥ xgb − 0.005: " + verdict(churn.mlcMetric >= churn.xgbMetric - 0.005, xgb),
    );
    row(
      "  train wall s / peak MiB",
      churn.xgb ? `${fmt(churn.xgb.seconds, 2)} / ${fmt(churn.xgb.peakMiB, 0)}` : "n/a",
      `${fmt(churn.mlc.seconds, 2)} / ${fmt(churn.mlc.peakMiB, 0)}`,
      churn.xgb ? fmt(churn.mlc.seconds / churn.xgb.seconds, 2) : "",
      "",
    );
    const ames = runSplit(work, splits, "ames", "regression", 200, xgb);
    row(
      "ames test RMSE (200 rounds)",
      fmt(ames.xgbMetric, 0),
      fmt(ames.mlcMetric, 0),
      fmt(ames.mlcMetric / ames.xgbMetric, 3),
      "mlc ≤ 1.03 × xgb: " + verdict(ames.mlcMetric <= 1.03 * ames.xgbMetric, xgb),
    );
    row(
      "  train wall s / peak MiB",
      ames.xgb ? `${fmt(ames.xgb.seconds, 2)} / ${fmt(ames.xgb.peakMiB, 0)}` : "n/a",
      `${fmt(ames.mlc.seconds, 2)} / ${fmt(ames.mlc.peakMiB, 0)}`,
      ames.xgb ? fmt(ames.mlc.seconds / ames.xgb.seconds, 2) : "",
      "",
    );
    if (!skipLarge) large(work, xgb, runs);
    const tr = readNumericCsv(join(splits, "mlc_churn_train.csv"), true);
    const te = readNumericCsv(join(splits, "mlc_churn_test.csv"), true);
    await predictLatency(tr.X, tr.y, te.X);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The smoke run: the churn row's format on generated data, then the predictor's latency. */
async function smokeRun(): Promise<void> {
  const xgb = hasXgboost();
  if (!xgb)
    process.stdout.write(
      "xgboost command line not installed (apt-get install -y xgboost): skipping the XGBoost columns\n",
    );
  const work = mkdtempSync(join(tmpdir(), "mlc-bench-gbdt-"));
  try {
    const dir = smokeSplits(work);
    process.stdout.write("smoke size: 400 generated training rows, 10 rounds\n");
    row("", "XGBoost", "mlc", "mlc/xgb", "");
    const r = runSplit(work, dir, "smoke", "binary", 10, xgb);
    row(
      "smoke test AUC (10 rounds)",
      fmt(r.xgbMetric),
      fmt(r.mlcMetric),
      fmt(r.mlcMetric - r.xgbMetric) + " Δ",
      "",
    );
    row(
      "  train wall s / peak MiB",
      r.xgb ? `${fmt(r.xgb.seconds, 2)} / ${fmt(r.xgb.peakMiB, 0)}` : "n/a",
      `${fmt(r.mlc.seconds, 2)} / ${fmt(r.mlc.peakMiB, 0)}`,
      r.xgb ? fmt(r.mlc.seconds / r.xgb.seconds, 2) : "",
      "",
    );
    printProfile([cli, "--train", join(dir, "smoke_train.xgb.csv"), "--trees", "10"], work);
    const tr = readNumericCsv(join(dir, "smoke_train.xgb.csv"), false);
    await predictLatency(tr.X, tr.y, tr.X, { trees: 3, reps: 1, calls: [2, 1] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function verdict(ok: boolean, compared: boolean): string {
  return compared ? (ok ? "met" : "NOT met") : "n/a";
}

function large(work: string, xgb: boolean, runs: number): void {
  const dataDir = join(repoRoot, "bench/.data");
  mkdirSync(dataDir, { recursive: true });
  const trainCsv = join(dataDir, "synthetic_1m.csv");
  const testCsv = join(dataDir, "synthetic_test_100k.csv");
  const gen = join(datasets, "scripts/gen_synthetic.py");
  if (!existsSync(trainCsv)) {
    process.stdout.write("generating bench/.data/synthetic_1m.csv (once)…\n");
    execFileSync("python3", [gen, trainCsv + ".tmp", "1000000"]);
    execFileSync("mv", [trainCsv + ".tmp", trainCsv]);
  }
  if (!existsSync(testCsv)) {
    execFileSync("python3", [gen, testCsv + ".tmp", "100000", "43"]);
    execFileSync("mv", [testCsv + ".tmp", testCsv]);
  }
  const yTest = readNumericCsv(testCsv, false).y;
  const xgbRuns: Measured[] = [];
  const mlcRuns: Measured[] = [];
  let xgbAuc = NaN;
  let mlcAuc = NaN;
  const base = {
    booster: "gbtree",
    objective: "binary:logistic",
    tree_method: "hist",
    max_depth: 6,
    eta: 0.1,
    seed: 0,
    num_round: 100,
    save_period: 0,
  };
  const model = join(work, "synthetic.xgb.model");
  const mlcPred = join(work, "synthetic.mlc.pred");
  // Alternate the two programs so machine noise hits both alike.
  for (let r = 0; r < runs; r++) {
    if (xgb)
      xgbRuns.push(
        timed(
          "xgboost",
          [
            xgbConf(work, "synthetic.train.conf", {
              ...base,
              data: `${trainCsv}?format=csv&label_column=0`,
              model_out: model,
            }),
          ],
          work,
        ),
      );
    mlcRuns.push(
      timed(
        process.execPath,
        [
          cli,
          "--train",
          trainCsv,
          "--trees",
          "100",
          "--depth",
          "6",
          "--eta",
          "0.1",
          ...(r === 0 ? ["--test", testCsv, "--pred", mlcPred] : []),
        ],
        work,
      ),
    );
  }
  if (xgb) {
    const predOut = join(work, "synthetic.xgb.pred");
    execFileSync(
      "xgboost",
      [
        xgbConf(work, "synthetic.pred.conf", {
          ...base,
          task: "pred",
          model_in: model,
          "test:data": `${testCsv}?format=csv&label_column=0`,
          name_pred: predOut,
        }),
      ],
      { cwd: work, stdio: "pipe" },
    );
    xgbAuc = auc(readPreds(predOut), yTest);
  }
  mlcAuc = auc(readPreds(mlcPred), yTest);
  const xs = median(xgbRuns.map((m) => m.seconds));
  const ms = median(mlcRuns.map((m) => m.seconds));
  const xm = median(xgbRuns.map((m) => m.peakMiB));
  const mm = median(mlcRuns.map((m) => m.peakMiB));
  const inner = JSON.parse(mlcRuns[0]!.stdout.trim().split("\n").pop()!) as {
    readMs: number;
    trainMs: number;
  };
  process.stdout.write(
    `\n1,000,000 × 20 synthetic, 100 rounds, whole process incl. CSV read (median of ${runs}):\n`,
  );
  row(
    "train wall time s",
    xgb ? fmt(xs, 2) : "n/a",
    fmt(ms, 2),
    xgb ? fmt(ms / xs, 2) : "",
    "mlc ≤ 1.5 × xgb: " + verdict(ms <= 1.5 * xs, xgb),
  );
  row(
    "peak memory MiB",
    xgb ? fmt(xm, 0) : "n/a",
    fmt(mm, 0),
    xgb ? fmt(mm / xm, 2) : "",
    "mlc ≤ 2 × xgb: " + verdict(mm <= 2 * xm, xgb),
  );
  row("test AUC (100k rows, seed 43)", fmt(xgbAuc), fmt(mlcAuc), fmt(mlcAuc - xgbAuc) + " Δ", "");
  process.stdout.write(
    `  (mlc inside the process: CSV read ${inner.readMs} ms, train ${inner.trainMs} ms)\n`,
  );
  printProfile([cli, "--train", trainCsv, "--trees", "100", "--depth", "6", "--eta", "0.1"], work);
}

/** The gap explained: where mlc's training spends its time, from one more run under --cpu-prof. */
function printProfile(args: string[], cwd: string): void {
  process.stdout.write(
    "  where mlc's time goes (self time over all threads, one more run under --cpu-prof):\n",
  );
  for (const line of profileSummary(args, cwd)) process.stdout.write(`    ${line}\n`);
}
