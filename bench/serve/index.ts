// `npm run bench -- serve`: `mlc serve` against a bare node:http server returning a constant JSON, both
// driven by the same load generator in the same run (wrk if installed, else autocannon), plus batch scoring.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { profileDirSummary } from "../cpu-profile.js";
import { scoreTable } from "../../src/serve/batch-score.js";
import { buildBundleDir, loadBundle, type BundleMeta } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath, writeDeployment } from "../../src/serve/deployment.js";
import { RecordEncoder } from "../../src/serve/record-encoder.js";

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench/serve
const repo = resolve(here, "../../..");
const cli = join(repo, "dist/src/cli/main.js");

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Requests completed in the round. */
  requests: number;
}

let clockTicks: number | undefined;

/**
 * CPU milliseconds (user + system, all threads) process `pid` has used so far, from /proc; undefined
 * where there is no /proc. What a server spent per request, whatever share of the machine it got.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

const PLANS = ["basic", "standard", "premium"];

/** A churn-like bundle (numeric + category inputs, one-hot, scaler, linear layer, sigmoid) for when no churn example is applied. */
export function buildBenchBundle(dir: string): void {
  const g = new OnnxGraph("bench");
  const numeric = ["tenure", "monthly", "total", "tickets"];
  for (const n of numeric) g.input(n, "float", ["N", 1]);
  g.input("plan", "string", ["N", 1]);
  g.input("contract", "string", ["N", 1]);
  const zero = g.constant("float", [1], [0]);
  const filled = numeric.map((n) => g.op("Where", [g.op("IsNaN", [n]), zero, n]));
  const nums = g.op("Concat", filled, { axis: 1 });
  const scaled = g.op(
    "Scaler",
    [nums],
    { offset: { floats: [32, 64, 2000, 1] }, scale: { floats: [0.04, 0.03, 0.0005, 0.5] } },
    { domain: "ai.onnx.ml" },
  );
  const oh = (col: string, cats: string[]) =>
    g.op(
      "Flatten",
      [g.op("OneHotEncoder", [col], { cats_strings: cats, zeros: 1 }, { domain: "ai.onnx.ml" })],
      { axis: 1 },
    );
  const x = g.op("Concat", [scaled, oh("plan", PLANS), oh("contract", ["monthly", "yearly"])], { axis: 1 });
  const W = g.constant("float", [9, 1], [-0.8, 0.6, -0.3, 0.9, 0.2, -0.1, 0.4, 0.7, -0.9]);
  const b = g.constant("float", [1], [-0.2]);
  g.node("Sigmoid", [g.op("Add", [g.op("MatMul", [x, W]), b])], ["score"]);
  g.output("score", "float", ["N", 1]);
  const meta: BundleMeta = {
    format_version: 1,
    deployment: "bench_api",
    model: "bench",
    version: 1,
    task: { kind: "binary", classes: ["stay", "churn"] },
    inputs: [
      ...numeric.map((name) => ({ name, type: "float" as const, nullable: true })),
      { name: "plan", type: "category", nullable: false, values: PLANS },
      { name: "contract", type: "category", nullable: false, values: ["monthly", "yearly"] },
    ],
    output: { name: "score", width: 1 },
    metrics: {},
    lineage: { run_id: "bench", artifact: "bench" },
    created: new Date().toISOString(),
  };
  buildBundleDir(dir, g.toBytes(), meta);
}

/** What a child has printed since it was first waited on, and how far the waits have read. */
interface Captured {
  out: string;
  err: string;
  /** stdout up to here was matched by an earlier wait. */
  read: number;
  exit: string | undefined;
  changed: Set<() => void>;
}
const captured = new WeakMap<ChildProcess, Captured>();

/**
 * onnxruntime-node's session run: its callback calls the native run synchronously, so the native
 * work (and, on a busy machine, the time the thread waits for a core) is charged to this one frame
 * of a profile sampled on wall time; the CPU-per-request line above is the measure of cost.
 */
const ORT_RUN = /\(anonymous\) backend\.js:\d+$/;
const ORT_NOTE = "  (onnxruntime's native session run, sampled on wall time)";

function captureOf(child: ChildProcess): Captured {
  const c = captured.get(child);
  if (c) return c;
  const cap: Captured = { out: "", err: "", read: 0, exit: undefined, changed: new Set() };
  const tell = (): void => cap.changed.forEach((f) => f());
  // kept for the child's life: a line printed in the same chunk as an earlier awaited one (two
  // writes a loaded machine delivers as one read) is still found by the next wait
  child.stdout?.on("data", (d: Buffer) => ((cap.out += d.toString()), tell()));
  child.stderr?.on("data", (d: Buffer) => ((cap.err += d.toString()), tell()));
  child.once("exit", (code, signal) => ((cap.exit = signal ?? String(code)), tell()));
  captured.set(child, cap);
  return cap;
}

/**
 * Resolves with the first match of `re` in what `child` printed on stdout after the previous wait's
 * match (so two lines written together are both found). Rejects when the child exits first, or after
 * `timeoutMs`, with what it printed on stderr and stdout and the machine's load, so a slow start on a
 * busy machine reads as one.
 */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const cap = captureOf(child);
  const started = performance.now();
  return new Promise((res, rej) => {
    const printed = (): string =>
      `\n--- its stderr (last 2,000 characters) ---\n${cap.err.slice(-2000) || "(nothing)"}` +
      `\n--- its stdout (last 1,000) ---\n${cap.out.slice(-1000) || "(nothing)"}`;
    const done = (): void => {
      clearTimeout(timer);
      cap.changed.delete(look);
    };
    const look = (): void => {
      const rest = cap.out.slice(cap.read);
      const m = rest.match(re);
      if (m) {
        cap.read += (m.index ?? 0) + m[0].length;
        done();
        res(m);
      } else if (cap.exit !== undefined) {
        done();
        rej(new Error(`the process exited (${cap.exit}) before printing ${re}${printed()}`));
      }
    };
    const timer = setTimeout(() => {
      done();
      const [l1] = loadavg();
      rej(
        new Error(
          `timed out after ${Math.round((performance.now() - started) / 1000)} s waiting for ${re} ` +
            `(machine load ${l1!.toFixed(2)} on ${cpus().length} cores)${printed()}`,
        ),
      );
    }, timeoutMs);
    cap.changed.add(look);
    look();
  });
}

/**
 * How long a bench waits for a server it started to say it is ready: a minute, or four in the smoke
 * run the test suite makes on a machine shared with other suites (the wait is no timing check).
 */
export const startupWaitMs = (smoke: boolean): number => (smoke ? 240_000 : 60_000);

const BARE_SERVER = `
const http = require("node:http");
const body = JSON.stringify({ predictions: [{ label: "stay", probabilities: { stay: 0.75, churn: 0.25 } }], model_version: 1, request_id: "r" });
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => { JSON.parse(Buffer.concat(chunks).toString() || "{}"); res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) }); res.end(body); });
});
s.keepAliveTimeout = 72000;
s.listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + s.address().port));
process.on("SIGTERM", () => s.close(() => process.exit(0)));
`;

export function hasWrk(): boolean {
  return spawnSync("wrk", ["--version"], { encoding: "utf8" }).error === undefined;
}

const toMs = (v: string, unit: string): number =>
  Number(v) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : unit === "m" ? 60000 : 1);

/** Loads `url` with POST `body`; with a list of bodies, each request takes the next in turn. */
export async function runWrk(
  url: string,
  body: string | string[],
  seconds: number,
  workDir: string,
): Promise<LoadResult> {
  const script = join(workDir, "post.lua");
  const lua = (b: string): string => JSON.stringify(b); // a JSON string is a valid Lua string literal here (no \u escapes in ASCII bodies)
  writeFileSync(
    script,
    typeof body === "string"
      ? `wrk.method = "POST"\nwrk.body = ${lua(body)}\nwrk.headers["Content-Type"] = "application/json"\n`
      : `local bodies = {${body.map(lua).join(",")}}\nlocal i = 0\n` +
          `request = function()\n  i = i % #bodies + 1\n` +
          `  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\nend\n`,
  );
  const out = await new Promise<string>((res, rej) => {
    const p = spawn("wrk", ["-t1", "-c50", `-d${seconds}s`, "--latency", "-s", script, url]);
    let s = "";
    p.stdout.on("data", (d: Buffer) => (s += d.toString()));
    p.stderr.on("data", (d: Buffer) => (s += d.toString()));
    p.on("exit", (code) => (code === 0 ? res(s) : rej(new Error(`wrk failed: ${s}`))));
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const lat = (pct: string): number => {
    const m = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { rps, p50: lat("50"), p99: lat("99"), errors, requests };
}

/** With a list of bodies, each request takes the next in turn; `amount`, when given, sends that many requests instead of running for `seconds`. */
export async function runAutocannon(
  url: string,
  body: string | string[],
  seconds: number,
  amount?: number,
): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)("autocannon") as (o: object) => Promise<{
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  }>;
  const r = await autocannon({
    url,
    connections: 50,
    duration: seconds,
    ...(amount ? { amount } : {}),
    method: "POST",
    ...(typeof body === "string" ? { body } : { requests: [{ setupRequest: cycle(body) }] }),
    headers: { "content-type": "application/json" },
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    requests: r.requests.total,
  };
}

/** An autocannon request hook giving each request the next body in turn. */
function cycle(bodies: string[]): (req: object) => object {
  let i = 0;
  return (req) => ({ ...req, body: bodies[i++ % bodies.length] });
}

export function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res(child.exitCode);
    child.once("exit", (code) => res(code));
    child.kill("SIGTERM");
  });
}

export function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

/** Mean throughput; median of the rounds' percentiles; summed errors. */
export function combine(rs: LoadResult[]): LoadResult {
  const med = median;
  return {
    rps: rs.reduce((a, r) => a + r.rps, 0) / rs.length,
    p50: med(rs.map((r) => r.p50)),
    p99: med(rs.map((r) => r.p99)),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    requests: rs.reduce((a, r) => a + r.requests, 0),
  };
}

export const fmt = (n: number, d = 0): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** How long each server is loaded, and with what; `--smoke` (the test suite's run) sends a few hundred requests. */
export interface LoadPlan {
  gen: "wrk" | "autocannon";
  rounds: number;
  /** Seconds per round per server. */
  per: number;
  /** Requests per round per server instead of seconds (autocannon only), for the smoke run. */
  amount?: number;
  warmUp: boolean;
}

/** `--seconds=N` per server in total (10); `--smoke`: one round of 300 requests through autocannon. */
export function loadPlan(args: string[]): LoadPlan {
  if (args.includes("--smoke")) return { gen: "autocannon", rounds: 1, per: 1, amount: 300, warmUp: false };
  const seconds = Number(args.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 10);
  const rounds = 5;
  return {
    gen: hasWrk() ? "wrk" : "autocannon",
    rounds,
    per: Math.max(1, Math.round(seconds / rounds)),
    warmUp: true,
  };
}

/** One round of load on `url` under `plan`. */
export function loadOnce(
  plan: LoadPlan,
  url: string,
  body: string | string[],
  workDir: string,
): Promise<LoadResult> {
  return plan.gen === "wrk"
    ? runWrk(url, body, plan.per, workDir)
    : runAutocannon(url, body, plan.per, plan.amount);
}

/** What the load is, for the bench's output. */
export function describeLoad(plan: LoadPlan): string {
  return plan.amount
    ? `${plan.rounds} round of ${plan.amount} requests per server (smoke size)`
    : `${plan.rounds} alternating rounds of ${plan.per} s per server`;
}

export async function run(args: string[]): Promise<void> {
  const plan = loadPlan(args);
  const smoke = args.includes("--smoke");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first`);
  const work = mkdtempSync(join(tmpdir(), "mlc-bench-serve-"));
  let projectDir: string;
  let deployment: string;
  const churnProject = join(repo, "examples/churn");
  const churnPointer = existsSync(join(churnProject, ".mlc/deployments/churn_api/current.json"))
    ? readDeployment(churnProject, "churn_api")
    : undefined;
  if (churnPointer) {
    projectDir = churnProject;
    deployment = "churn_api";
    process.stdout.write(`bundle: examples/churn (churn_api version ${churnPointer.version})\n`);
  } else {
    projectDir = join(work, "project");
    deployment = "bench_api";
    buildBenchBundle(join(projectDir, ".mlc/bundles/bench_api/v1"));
    writeDeployment(projectDir, deployment, { version: 1, bundle: ".mlc/bundles/bench_api/v1" }, "bench");
    process.stdout.write("bundle: a churn-like bench bundle (examples/churn has not been applied)\n");
  }
  const pointer = readDeployment(projectDir, deployment)!;
  const bundle = loadBundle(resolveBundlePath(projectDir, pointer.bundle));
  const record = new RecordEncoder(bundle.meta.inputs).sampleRecord();
  const body = JSON.stringify(record);

  const gen = plan.gen;
  if (gen === "autocannon" && !smoke)
    process.stdout.write("wrk is not installed (apt-get install -y wrk); using autocannon\n");

  const mlc = spawn(process.execPath, [cli, "serve", deployment, "--dir", projectDir, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MLC_LOG_LEVEL: "warn" },
  });
  const bare = spawn(process.execPath, ["-e", BARE_SERVER], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const wait = startupWaitMs(smoke);
    const mlcUrl = (await waitForLine(mlc, /listening on (http:\/\/[\d.]+:\d+)/, wait))[1]!;
    await waitForLine(mlc, /ready, serving/, wait);
    const bareUrl = (await waitForLine(bare, /listening on (http:\/\/[\d.]+:\d+)/, wait))[1]!;
    const check = await fetch(`${mlcUrl}/v1/predict`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    if (check.status !== 200) throw new Error(`mlc serve answered ${check.status}: ${await check.text()}`);

    // Alternate short rounds of the two servers so machine-load drift hits both alike; 10 s each in total.
    const rounds = plan.rounds;
    process.stdout.write(
      `load: ${gen}, 50 connections, single-record POST /v1/predict, ${describeLoad(plan)}\n`,
    );
    // each server's CPU over its rounds (from /proc): what a request costs it whatever share of the
    // machine it got, so the ratio can be judged on a busy machine where the wall-clock rounds vary
    const cpu = new Map<string, { ms: number; requests: number }>();
    const once = async (url: string): Promise<LoadResult> => {
      const pid = url.startsWith(mlcUrl) ? mlc.pid : bare.pid;
      const before = processCpuMs(pid);
      const r = await loadOnce(plan, url, body, work);
      const after = processCpuMs(pid);
      if (before !== undefined && after !== undefined) {
        const c = cpu.get(url) ?? { ms: 0, requests: 0 };
        cpu.set(url, { ms: c.ms + after - before, requests: c.requests + r.requests });
      }
      return r;
    };
    if (plan.warmUp) {
      await once(`${bareUrl}/v1/predict`); // warm-up (JIT, sockets)
      await once(`${mlcUrl}/v1/predict`);
      cpu.clear();
    }
    const bareRuns: LoadResult[] = [];
    const mlcRuns: LoadResult[] = [];
    for (let r = 0; r < rounds; r++) {
      bareRuns.push(await once(`${bareUrl}/v1/predict`));
      mlcRuns.push(await once(`${mlcUrl}/v1/predict`));
    }
    const b = combine(bareRuns);
    const m = combine(mlcRuns);
    const row = (name: string, r: LoadResult): string =>
      `  ${name.padEnd(12)} ${fmt(r.rps).padStart(9)} req/s   p50 ${fmt(r.p50, 2).padStart(6)} ms   p99 ${fmt(r.p99, 2).padStart(6)} ms   errors ${r.errors}`;
    process.stdout.write(row("bare http", b) + "\n" + row("mlc serve", m) + "\n");
    const metrics = await (await fetch(`${mlcUrl}/metrics`)).text();
    const runs = Number(/mlc_session_runs_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    const rowsRun = Number(/mlc_session_rows_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    if (runs > 0)
      process.stdout.write(
        `  (mlc coalesced ${fmt(rowsRun)} single-record requests into ${fmt(runs)} ONNX runs: ${fmt(rowsRun / runs, 1)} rows per run)\n`,
      );
    // each round's pair ran back to back, so per-round ratios cancel most of the machine's load drift
    const rpsRatio = median(mlcRuns.map((r, i) => r.rps / bareRuns[i]!.rps));
    const p99Ratio = median(mlcRuns.map((r, i) => r.p99 / bareRuns[i]!.p99));
    process.stdout.write(
      `  per round    rps ratios ${mlcRuns.map((r, i) => fmt((r.rps / bareRuns[i]!.rps) * 100, 0) + "%").join(" ")}   p99 ratios ${mlcRuns.map((r, i) => fmt(r.p99 / bareRuns[i]!.p99, 2) + "x").join(" ")}\n`,
    );
    process.stdout.write(
      `  ratio (median of rounds)  rps ${fmt(rpsRatio * 100, 1)}% of bare (target >= 80%: ${rpsRatio >= 0.8 ? "met" : "NOT met"})   p99 ${fmt(p99Ratio, 2)}x bare (target <= 1.5x: ${p99Ratio <= 1.5 ? "met" : "NOT met"})\n`,
    );
    const per = (url: string): number | undefined => {
      const c = cpu.get(url);
      return c && c.requests > 0 ? (c.ms * 1000) / c.requests : undefined;
    };
    const bareUs = per(`${bareUrl}/v1/predict`);
    const mlcUs = per(`${mlcUrl}/v1/predict`);
    const [load1] = loadavg();
    if (bareUs !== undefined && mlcUs !== undefined) {
      // one event loop each: on a core of its own a server answers 1 / (CPU per request) requests a second
      const cpuRatio = bareUs / mlcUs;
      process.stdout.write(
        `  CPU per request (all threads, from /proc)  bare ${fmt(bareUs, 1)} µs   mlc ${fmt(mlcUs, 1)} µs   ` +
          `CPU-bound rps ratio ${fmt(cpuRatio * 100, 1)}% (target >= 80%: ${cpuRatio >= 0.8 ? "met" : "NOT met"}); ` +
          `the gap: ${fmt(Math.max(0, mlcUs - bareUs / 0.8), 1)} µs of CPU per request above the target's ${fmt(bareUs / 0.8, 1)} µs\n`,
      );
    }
    if (load1! > cpus().length)
      process.stdout.write(
        `  the machine is too busy to judge the wall-clock ratios (load ${fmt(load1!, 1)} on ${cpus().length} cores; per-round ratios above): judge by the CPU per request\n`,
      );
    if (!smoke) {
      // where mlc's time goes under this load: one more round with the server under --cpu-prof
      const profDir = mkdtempSync(join(tmpdir(), "mlc-bench-serve-prof-"));
      const prof = spawn(
        process.execPath,
        [
          "--cpu-prof",
          "--cpu-prof-dir",
          profDir,
          cli,
          "serve",
          deployment,
          "--dir",
          projectDir,
          "--port",
          "0",
        ],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, MLC_LOG_LEVEL: "warn" } },
      );
      try {
        const url = (await waitForLine(prof, /listening on (http:\/\/[\d.]+:\d+)/, wait))[1]!;
        await waitForLine(prof, /ready, serving/, wait);
        await loadOnce(plan, `${url}/v1/predict`, body, work); // warm-up
        await loadOnce(plan, `${url}/v1/predict`, body, work);
      } finally {
        await stop(prof);
      }
      process.stdout.write(
        `  where mlc serve's time goes (self time over its last ${plan.per} s of load under --cpu-prof; writev is the kernel's socket write, which bare http pays too):\n`,
      );
      for (const line of profileDirSummary(profDir, plan.per * 1000, 12))
        process.stdout.write(`    ${line}${ORT_RUN.test(line) ? ORT_NOTE : ""}\n`);
      rmSync(profDir, { recursive: true, force: true });
    }
  } finally {
    const code = await stop(mlc);
    await stop(bare);
    process.stdout.write(`mlc serve exited with ${code} after SIGTERM\n`);
  }

  // batch scoring: 1,000,000 rows through the bundle, beside the bare ONNX session on pre-encoded tensors
  const n = smoke ? 20_480 : 1_000_000;
  const enc = new RecordEncoder(bundle.meta.inputs);
  const cols: Record<string, ArrayLike<unknown>> = {};
  let seed = 7;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (const inp of bundle.meta.inputs) {
    if (inp.type === "category" || inp.type === "string") {
      const vals = inp.values ?? ["a", "b", "c"];
      cols[inp.name] = Array.from({ length: n }, () => vals[Math.floor(rand() * vals.length)]!);
    } else if (inp.type === "bool") cols[inp.name] = Array.from({ length: n }, () => rand() < 0.5);
    else if (inp.type === "int")
      cols[inp.name] = Float64Array.from({ length: n }, () => Math.floor(rand() * 72));
    else cols[inp.name] = Float64Array.from({ length: n }, () => rand() * 100);
  }
  // peer: a session of its own running already-encoded 1024-row tensors (the floor any scorer pays);
  // both sides create their session inside the timing, as scoreTable does. scoreTable runs 4096-row
  // chunks, so the same peer at 4096 rows is printed beside it: what encoding and copying cost.
  const bareRun = async (rows: number): Promise<number> => {
    const pre = enc.encodeColumns(cols as Record<string, ArrayLike<unknown>>, 0, rows);
    if (!("columns" in pre)) throw new Error(pre.message);
    const session = await ort.InferenceSession.create(bundle.onnx, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    const feeds: Record<string, ort.Tensor> = {};
    bundle.meta.inputs.forEach((inp, c) => {
      feeds[inp.name] = new ort.Tensor(
        inp.type === "timestamp"
          ? "float64"
          : inp.type === "string" || inp.type === "category"
            ? "string"
            : "float32",
        pre.columns[c] as never,
        [rows, 1],
      );
    });
    let done = 0;
    while (done < n) {
      await session.run(feeds);
      done += rows;
    }
    await session.release();
    return done;
  };
  /** Wall and CPU (user + system, all threads) seconds of `f`. */
  const timed = async (f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
  };
  // alternating rounds after one untimed round of each (JIT), so load drift hits both alike
  const batchRounds = smoke ? 1 : 3;
  let scoredRows = 0;
  let bareRows = 0;
  let sameRows = 0;
  if (!smoke) {
    await scoreTable(bundle, cols);
    await bareRun(1024);
    await bareRun(4096);
  }
  const mlcT: { wall: number; cpu: number }[] = [];
  const bareT: { wall: number; cpu: number }[] = [];
  const sameT: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < batchRounds; r++) {
    mlcT.push(await timed(async () => (scoredRows = (await scoreTable(bundle, cols)).n)));
    bareT.push(await timed(async () => (bareRows = await bareRun(1024))));
    sameT.push(await timed(async () => (sameRows = await bareRun(4096))));
  }
  const mWall = median(mlcT.map((t) => t.wall));
  const bWall = median(bareT.map((t) => t.wall));
  const mCpu = median(mlcT.map((t) => t.cpu));
  const bCpu = median(bareT.map((t) => t.cpu));
  const sCpu = median(sameT.map((t) => t.cpu));
  const ratio = (scoredRows / mCpu / (bareRows / bCpu)) * 100;
  process.stdout.write(
    `batch scoring ${fmt(scoredRows)} rows (median of ${batchRounds} alternating): ${fmt(scoredRows / mWall)} rows/s wall, ${fmt(scoredRows / mCpu)} rows/CPU-s — ` +
      `bare session.run on pre-encoded 1024-row tensors ${fmt(bareRows / bWall)} rows/s wall, ${fmt(bareRows / bCpu)} rows/CPU-s; ` +
      `wall ratio ${fmt((scoredRows / mWall / (bareRows / bWall)) * 100, 1)}%, CPU ratio ${fmt(ratio, 1)}% (target >= 85%: ${ratio >= 85 ? "met" : "NOT met"})\n` +
      `  beside the same bare run on 4096-row tensors (scoreTable's chunk size), ${fmt(sameRows / sCpu)} rows/CPU-s: ` +
      `CPU ratio ${fmt((scoredRows / mCpu / (sameRows / sCpu)) * 100, 1)}% (the rest is encoding and copying the table)\n`,
  );
  rmSync(work, { recursive: true, force: true });
}
