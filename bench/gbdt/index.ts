// `npm run bench -- gbdt`: mlc's GBDT beside Debian's xgboost CLI (hist, depth 6, eta 0.1, same
// rounds, same data, same run): churn AUC, ames RMSE, 1M-row train time and peak memory, ONNX latency.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { aucRoc, rmse as rmseOf } from "../../src/ml/metrics/index.js";
import { profileSummary } from "../cpu-profile.js";
import { predictLatency } from "../predict/index.js";
import { Rng } from "../../src/ml/random.js";
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

/** Predictions, one number per line or comma separated (multiclass: row-major probabilities). */
const readPreds = (path: string) =>
  Float64Array.from(readFileSync(path, "utf8").trim().split(/[\n,]/), Number);

/** Share of rows whose most probable class (row-major n × k probabilities) is the label. */
function accuracy(p: Float64Array, y: Float64Array): number {
  const k = p.length / y.length;
  let hit = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
    if (best === y[i]) hit++;
  }
  return hit / y.length;
}

/** Classes of a multiclass split: the largest label (class index) + 1. */
const classCount = (path: string): number =>
  readNumericCsv(path, false).y.reduce((a, b) => Math.max(a, b), 0) + 1;

type Objective = "binary" | "regression" | "multiclass";
const METRIC: Record<Objective, (p: Float64Array, y: Float64Array) => number> = {
  binary: auc,
  regression: rmse,
  multiclass: accuracy,
};
const XGB_OBJECTIVE: Record<Objective, string> = {
  binary: "binary:logistic",
  regression: "reg:squarederror",
  multiclass: "multi:softprob",
};

interface Measured {
  seconds: number;
  /** User + system CPU seconds over all threads (NaN without /usr/bin/time). */
  cpuSeconds: number;
  peakMiB: number;
  stdout: string;
}

/** Runs a whole process under /usr/bin/time: wall seconds, CPU seconds and peak resident memory. */
function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Measured {
  const out = join(cwd, `time-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const hasTime = existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%e %M %U %S", "-o", out, cmd, ...args], {
        cwd,
        env,
        encoding: "utf8",
        maxBuffer: 1 << 26,
      })
    : spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  let peakMiB = NaN;
  let cpuSeconds = NaN;
  if (hasTime) {
    const [, kb, user, sys] = readFileSync(out, "utf8").trim().split("\n").pop()!.split(" ");
    peakMiB = Number(kb) / 1024;
    cpuSeconds = Number(user) + Number(sys);
  }
  return { seconds: wall, cpuSeconds, peakMiB, stdout: r.stdout };
}

/**
 * XGBoost's environment. On a machine busier than its CPU count, its OpenMP threads run with
 * OMP_WAIT_POLICY=PASSIVE: spinning threads that lose their time slice stall every barrier (its
 * churn fit went from 0.9-1.2 s to 8-19 s wall at load 13-15 with the default), which would flatter mlc.
 */
let xgbEnv: NodeJS.ProcessEnv = process.env;

function chooseXgbEnv(): void {
  const load = loadavg()[0]!;
  const cpus = availableParallelism();
  if (load <= cpus) return;
  xgbEnv = { ...process.env, OMP_WAIT_POLICY: "PASSIVE" };
  process.stdout.write(
    `load average ${load.toFixed(1)} on ${cpus} CPUs: XGBoost runs with OMP_WAIT_POLICY=PASSIVE (busy-waiting threads lose their time slices)\n`,
  );
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
  /**
   * An untimed run with --phases that also writes the test predictions (the timed one goes without
   * the phase recorder's clock reads and, like XGBoost's, without predicting).
   */
  phases: Measured;
}

function runSplit(
  work: string,
  splits: string,
  name: string,
  objective: Objective,
  rounds: number,
  xgb: boolean,
): SplitResult {
  const trainXgb = join(splits, `${name}_train.xgb.csv`);
  const testXgb = join(splits, `${name}_test.xgb.csv`);
  const yTest = readNumericCsv(testXgb, false).y;
  const metric = METRIC[objective];
  let xgbMetric = NaN;
  let xgbRun: Measured | undefined;
  if (xgb) {
    const model = join(work, `${name}.xgb.model`);
    const base = {
      booster: "gbtree",
      objective: XGB_OBJECTIVE[objective],
      tree_method: "hist",
      max_depth: 6,
      eta: 0.1,
      seed: 0,
      num_round: rounds,
      save_period: 0,
      ...(objective === "multiclass" ? { num_class: classCount(trainXgb) } : {}),
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
    xgbRun = timed("xgboost", [trainConf], work, xgbEnv);
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
  // Timed as XGBoost's run is: read, train, save the model; the test predictions come from the
  // phases run (same seed, same trees).
  const mlcRun = timed(
    process.execPath,
    [
      cli,
      "--train",
      trainXgb,
      "--save",
      join(work, `${name}.mlc.model`),
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
  const phases = timed(
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
      "--phases",
    ],
    work,
  );
  const r: SplitResult = { xgbMetric, mlcMetric: metric(readPreds(mlcPred), yTest), mlc: mlcRun, phases };
  if (xgbRun) r.xgb = xgbRun;
  return r;
}

/** A split's time rows: wall and peak memory, CPU over all threads, and mlc's own phases. */
function timeRows(r: SplitResult): void {
  row(
    "  train wall s / peak MiB",
    r.xgb ? `${fmt(r.xgb.seconds, 2)} / ${fmt(r.xgb.peakMiB, 0)}` : "n/a",
    `${fmt(r.mlc.seconds, 2)} / ${fmt(r.mlc.peakMiB, 0)}`,
    r.xgb ? fmt(r.mlc.seconds / r.xgb.seconds, 2) : "",
    "",
  );
  row(
    "  train CPU s (all threads)",
    r.xgb ? fmt(r.xgb.cpuSeconds, 2) : "n/a",
    fmt(r.mlc.cpuSeconds, 2),
    r.xgb ? fmt(r.mlc.cpuSeconds / r.xgb.cpuSeconds, 2) : "",
    "",
  );
  process.stdout.write(`    mlc phases: ${phaseLine(cliReport(r.phases))}, from a run of its own\n`);
  if (r.xgb) process.stdout.write(`    ${gapLine(r.mlc, r.xgb)}\n`);
}

/**
 * The gap of a whole-process row, from the timed run's own report: what the process spent before
 * and after its read and fit (node's start-up, module loading, saving the model) beside the fit.
 */
function gapLine(mlc: Measured, xgb: Measured): string {
  const rep = cliReport(mlc);
  const wallMs = mlc.seconds * 1000;
  const startMs = Math.max(0, wallMs - rep.readMs - rep.trainMs);
  return (
    `the gap: mlc's ${fmt(mlc.seconds, 2)} s = ${fmt(startMs / 1000, 2)} s process start, module load and save + ` +
    `${fmt(rep.readMs / 1000, 2)} s read + ${fmt(rep.trainMs / 1000, 2)} s fit; XGBoost's whole process ` +
    `${fmt(xgb.seconds, 2)} s (mlc's fit alone ${fmt(rep.trainMs / 1000 / xgb.seconds, 2)}× it)`
  );
}

/** The JSON line train-cli prints last. */
interface CliReport {
  readMs: number;
  trainMs: number;
  phaseWallMs: Record<string, number>;
  phaseCpuMs: Record<string, number>;
}

function cliReport(m: Measured): CliReport {
  return JSON.parse(m.stdout.trim().split("\n").pop()!) as CliReport;
}

/** "read 1600 | prepare 870/430 | …" : per phase, CPU ms over all threads / wall ms. */
function phaseLine(r: CliReport): string {
  const parts = [`read ${r.readMs}`];
  for (const [k, wall] of Object.entries(r.phaseWallMs)) parts.push(`${k} ${r.phaseCpuMs[k] ?? 0}/${wall}`);
  return parts.join(" | ") + " (ms, CPU all threads / wall)";
}

/**
 * LetterRecognition (26 classes) in the splits layout, made here: rows shuffled by mlc's seeded
 * generator (seed 42), the first 80% train; label = the letter's index (A = 0); null when absent.
 */
function letterSplits(work: string): string | null {
  const src = join(datasets, "LetterRecognition.csv");
  if (!existsSync(src)) return null;
  const lines = readFileSync(src, "utf8").trim().split("\n").slice(1);
  const order = Int32Array.from(lines.keys());
  const rng = new Rng(42);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const encode = (i: number): string => {
    const f = lines[i]!.split(",");
    return [f[0]!.charCodeAt(0) - 65, ...f.slice(1)].join(",");
  };
  const nTrain = Math.round(0.8 * order.length);
  const dir = join(work, "letter-splits");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "letter_train.xgb.csv"),
    Array.from(order.subarray(0, nTrain), encode).join("\n") + "\n",
  );
  writeFileSync(
    join(dir, "letter_test.xgb.csv"),
    Array.from(order.subarray(nTrain), encode).join("\n") + "\n",
  );
  writeFileSync(
    join(dir, "letter.xgb.conf"),
    "booster = gbtree\nobjective = multi:softprob\nnum_class = 26\ntree_method = hist\nmax_depth = 6\neta = 0.1\nseed = 0\n",
  );
  return dir;
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
  if (xgb) chooseXgbEnv();
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
    timeRows(churn);
    const ames = runSplit(work, splits, "ames", "regression", 200, xgb);
    row(
      "ames test RMSE (200 rounds)",
      fmt(ames.xgbMetric, 0),
      fmt(ames.mlcMetric, 0),
      fmt(ames.mlcMetric / ames.xgbMetric, 3),
      "mlc ≤ 1.03 × xgb: " + verdict(ames.mlcMetric <= 1.03 * ames.xgbMetric, xgb),
    );
    timeRows(ames);
    const letterDir = letterSplits(work);
    if (!letterDir)
      process.stdout.write(`LetterRecognition.csv not in ${datasets}: skipping the multiclass rows\n`);
    else {
      const letter = runSplit(work, letterDir, "letter", "multiclass", 100, xgb);
      row(
        "letter accuracy, 26 cl. (100 r.)",
        fmt(letter.xgbMetric),
        fmt(letter.mlcMetric),
        fmt(letter.mlcMetric - letter.xgbMetric) + " Δ",
        "mlc ≥ xgb − 0.005: " + verdict(letter.mlcMetric >= letter.xgbMetric - 0.005, xgb),
      );
      timeRows(letter);
    }
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
    timeRows(r);
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
  // mlc's training command (the timed runs add --save, the profiled one --test and --pred)
  const mlcTrain = [cli, "--train", trainCsv, "--trees", "100", "--depth", "6", "--eta", "0.1"];
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
          xgbEnv,
        ),
      );
    mlcRuns.push(
      timed(
        process.execPath,
        [
          ...mlcTrain,
          "--save",
          join(work, "synthetic.mlc.model"),
          // The first run records the phases too (some 24,000 CPU-clock reads: noise at this size).
          ...(r === 0 ? ["--phases"] : []),
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
  // The profiled run (untimed) writes the test predictions, so no timed run predicts (XGBoost's do not).
  const profile = profileSummary([...mlcTrain, "--test", testCsv, "--pred", mlcPred], work);
  mlcAuc = auc(readPreds(mlcPred), yTest);
  const xs = median(xgbRuns.map((m) => m.seconds));
  const ms = median(mlcRuns.map((m) => m.seconds));
  const xm = median(xgbRuns.map((m) => m.peakMiB));
  const mm = median(mlcRuns.map((m) => m.peakMiB));
  const inner = cliReport(mlcRuns[0]!);
  const xc = median(xgbRuns.map((m) => m.cpuSeconds));
  const mc = median(mlcRuns.map((m) => m.cpuSeconds));
  process.stdout.write(
    `\n1,000,000 × 20 synthetic, 100 rounds, whole process incl. CSV read (median of ${runs}):\n`,
  );
  row(
    "train wall time s",
    xgb ? fmt(xs, 2) : "n/a",
    fmt(ms, 2),
    xgb ? fmt(ms / xs, 2) : "",
    "mlc ≤ 1.0 × xgb (issue 18): " + verdict(ms <= xs, xgb),
  );
  row(
    "peak memory MiB",
    xgb ? fmt(xm, 0) : "n/a",
    fmt(mm, 0),
    xgb ? fmt(mm / xm, 2) : "",
    "mlc ≤ 2 × xgb: " + verdict(mm <= 2 * xm, xgb),
  );
  row(
    "train CPU s (all threads)",
    xgb ? fmt(xc, 2) : "n/a",
    fmt(mc, 2),
    xgb ? fmt(mc / xc, 2) : "",
    xgbEnv === process.env ? "(XGBoost's OpenMP threads spin while waiting)" : "",
  );
  row("test AUC (100k rows, seed 43)", fmt(xgbAuc), fmt(mlcAuc), fmt(mlcAuc - xgbAuc) + " Δ", "");
  process.stdout.write(
    `  (mlc inside the process: CSV read ${inner.readMs} ms, train ${inner.trainMs} ms)\n` +
      `  mlc phases, first run: ${phaseLine(inner)}\n`,
  );
  const load = loadavg()[0]!;
  const cpus = availableParallelism();
  if (load > cpus)
    process.stdout.write(
      `  load average ${load.toFixed(1)} on ${cpus} CPUs: too busy to judge the wall ratio (the target is for a quiet\n` +
        "  machine: every two-thread barrier of either program waits for a time slice)\n",
    );
  printProfileLines(profile);
}

/** The gap explained: where mlc's training spends its time, from one more run under --cpu-prof. */
function printProfile(args: string[], cwd: string): void {
  printProfileLines(profileSummary(args, cwd));
}

/** The lines of a profileSummary, under their heading. */
function printProfileLines(lines: string[]): void {
  process.stdout.write(
    "  where mlc's time goes (self time over all threads, one more run under --cpu-prof):\n",
  );
  for (const line of lines)
    process.stdout.write(
      `    ${line}${WAITING.test(line) ? "  (mostly blocked in Atomics.wait, not CPU)" : ""}\n`,
    );
}

/** Profile entries whose samples are mostly a thread waiting for work: the worker loops and the pools' dispatch. */
const WAITING = /\(anonymous\) (hist|row)-worker\.js:1$|\bdispatch (hist|row)-pool\.js:\d+$/;
