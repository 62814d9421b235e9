// bench/parse: parse (and check, when the checker exists) a generated project of 5,000 blocks,
// about 50,000 lines, against the 500 ms target; scanning alone is printed as the floor. Over the
// target, it prints where the time goes: each phase's CPU and collector pauses, the size of the AST
// the collector has to carry, and the top functions of one more run under --cpu-prof.
import { cpus, loadavg } from "node:os";
import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import type { Project, SpecFile } from "../../src/compiler/ast.js";
import type { Diagnostic, Result } from "../../src/compiler/diagnostic.js";
import { scan } from "../../src/compiler/lexer.js";
import { parseFile } from "../../src/compiler/parse.js";
import "../../src/kinds/index.js";
import { profileSummary } from "../cpu-profile.js";

const BLOCKS = 5000;
const BLOCKS_PER_FILE = 100;
/** Issue 18's target for the whole project (parse + check). */
const TARGET_MS = 500;
const RUNS = 5;

/** Seven block kinds in the shape of the churn example; names are unique per group. */
function group(g: number): string[] {
  return [
    `source customers_${g} {
  file = "data/churn_${g}.csv"
  key  = customer_id
  schema {
    customer_id = category
    tenure      = int
    monthly     = float
    total       = float
    plan        = category
    calls       = int
    churned     = category
  }
  expect {
    rows >= 1000
    nulls(churned) == 0
    tenure >= 0
  }
}`,
    `features usage_${g} {
  from          = customers_${g}
  spend_ratio   = monthly / (tenure + 1)
  tenure_bucket = bucketize(tenure, [6, 12, 24, 48])
  plan_code     = onehot(plan)
  monthly_z     = standardize(monthly)  # fitted on the training split only
  calls_total   = calls * 2 + total / 100
}`,
    `split holdout_${g} {
  from   = usage_${g}
  method = stratified(churned)
  train  = 70%
  valid  = 15%
  test   = 15%
}`,
    `model churn_${g} {
  task      = classify(churned, positive = "yes")
  data      = holdout_${g}
  features  = usage_${g}.*
  algorithm = gbdt
  params {
    trees         = 400
    learning_rate = loguniform(0.01, 0.3)
    depth         = int(3, 10)
    early_stop    = 30
  }
  tune {
    method    = tpe
    trials    = 40
    objective = maximize(valid.auc)
  }
}`,
    `gate ship_${g} {
  model = churn_${g}
  test.auc >= 0.85
  test.auc >= champion.test.auc - 0.005
}`,
    `deploy api_${g} {
  model   = churn_${g}
  when    = ship_${g}
  serve   = rest { port = ${8000 + (g % 1000)} }
  rollout = canary(10%)
}`,
    `monitor watch_${g} {
  deployment = api_${g}
  schedule   = 1h
  on_breach  = retrain(churn_${g})
  psi(usage_${g}.*) < 0.2
}`,
  ];
}

/** The generated project as files of BLOCKS_PER_FILE blocks each. */
export function generateProject(blocks = BLOCKS): { path: string; text: string }[] {
  const all: string[] = [];
  for (let g = 0; all.length < blocks; g++) all.push(...group(g));
  all.length = blocks;
  const files: { path: string; text: string }[] = [];
  for (let i = 0; i < all.length; i += BLOCKS_PER_FILE) {
    files.push({
      path: `gen/part_${String(i / BLOCKS_PER_FILE).padStart(3, "0")}.mlspec`,
      text: all.slice(i, i + BLOCKS_PER_FILE).join("\n\n") + "\n",
    });
  }
  return files;
}

type CheckFn = (p: Project) => Result<unknown>;

async function loadChecker(): Promise<CheckFn | undefined> {
  try {
    const mod = (await import("../../src/compiler/check.js")) as { checkProject?: CheckFn };
    return typeof mod.checkProject === "function" ? mod.checkProject : undefined;
  } catch {
    return undefined;
  }
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmtMs = (ms: number): string => `${ms.toFixed(0).padStart(6)} ms`;

/** `--smoke`: 14 blocks parsed once (the test suite's smoke run). */
export async function run(args: string[]): Promise<void> {
  if (args.includes("--smoke")) await parseBench(14, 1);
  else await parseBench(BLOCKS, RUNS);
}

/** Parses and checks a generated project of `blocks` blocks `runs` times; prints the medians. */
export async function parseBench(blocks: number, runs: number): Promise<void> {
  const sources = generateProject(blocks);
  const lines = sources.reduce((n, f) => n + f.text.split("\n").length - 1, 0);
  const bytes = sources.reduce((n, f) => n + f.text.length, 0);
  const check = await loadChecker();
  process.stdout.write(
    `project: ${blocks} blocks in ${sources.length} files, ${lines} lines, ${(bytes / 1e6).toFixed(2)} MB\n`,
  );
  // Timings on a shared machine mean little without its load: print it beside them.
  process.stdout.write(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );
  if (!check) process.stdout.write("note: src/compiler/check.ts has no checkProject; timing parse only\n");

  // Warm-up: the first parse builds chevrotain's lookahead tables.
  parseFile("warmup.mlspec", sources[0]!.text);

  const lexMs: number[] = [];
  const parseMs: number[] = [];
  const checkMs: number[] = [];
  let files: SpecFile[] = [];
  let diagnostics: Diagnostic[] = [];
  let tokens = 0;
  // The profile printed below: CPU and garbage-collection time of each phase.
  const phases = { scan: new Profile(), parse: new Profile(), check: new Profile() };
  const gcEntries: PerformanceEntry[] = [];
  const gcObserver = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  gcObserver.observe({ entryTypes: ["gc"] });
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let r = 0; r < runs; r++) {
    let t = phases.scan.start();
    // Keep the token columns alive as the parser does, so the figure includes their allocation.
    const tokenLists = sources.map((f) => scan(f.text));
    lexMs.push(phases.scan.stop(t));
    tokens = tokenLists.reduce((n, l) => n + l.count, 0);

    t = phases.parse.start();
    files = [];
    diagnostics = [];
    for (const f of sources) {
      const res = parseFile(f.path, f.text);
      files.push(res.value);
      diagnostics.push(...res.diagnostics);
    }
    parseMs.push(phases.parse.stop(t));

    if (check) {
      t = phases.check.start();
      const res = check({ dir: "gen", files });
      checkMs.push(phases.check.stop(t));
      diagnostics.push(...res.diagnostics);
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  await new Promise((r) => setTimeout(r, 50)); // the observer's entries arrive on a later task
  gcObserver.disconnect();
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wallStart);
  const parse = median(parseMs);
  const checked = check ? median(checkMs) : 0;
  const total = parse + checked;
  // The target is for BLOCKS blocks; a smaller project is held to its share.
  const target = (TARGET_MS * blocks) / BLOCKS;
  const cpuPerRun = (cpu.user + cpu.system) / 1000 / runs;
  process.stdout.write(
    `median of ${runs} runs (${tokens.toLocaleString("en")} tokens; this process got ${(cpuShare * 100).toFixed(0)}% of a CPU on average):\n`,
  );
  process.stdout.write(
    `  scan only (floor) ${fmtMs(median(lexMs))}   ${Math.round(lines / (median(lexMs) / 1000)).toLocaleString("en")} lines/s\n`,
  );
  process.stdout.write(
    `  parse             ${fmtMs(parse)}   ${Math.round(lines / (parse / 1000)).toLocaleString("en")} lines/s\n`,
  );
  if (check) process.stdout.write(`  check             ${fmtMs(checked)}\n`);
  process.stdout.write(
    `  total             ${fmtMs(total)}   ${Math.round(lines / (total / 1000)).toLocaleString("en")} lines/s\n`,
  );
  process.stdout.write(
    `  CPU per run       ${fmtMs(cpuPerRun)}   (scan twice: alone and inside parse; what a loaded machine cannot inflate)\n`,
  );
  process.stdout.write(
    `  target            ${fmtMs(target)}   total/target = ${(total / target).toFixed(2)} (${total <= target ? "within" : "OVER"} target)\n`,
  );
  process.stdout.write(
    `  profile per run (median CPU of each phase; garbage-collection pauses begun in it, wall time, inflated by load):\n`,
  );
  for (const [name, p] of Object.entries(phases)) {
    if (!p.windows.length) continue;
    const gc = p.gcMs(gcEntries) / runs;
    process.stdout.write(
      `    ${name.padEnd(6)} ${fmtMs(median(p.cpuMs))} CPU   ${fmtMs(gc)} of GC pauses${name === "parse" ? "   (scans again, then builds the AST straight from the token columns)" : ""}\n`,
    );
  }
  const cpuOf = (p: Profile): number => (p.cpuMs.length ? median(p.cpuMs) : 0);
  const phaseCpu = cpuOf(phases.parse) + cpuOf(phases.check);
  const ast = countObjects(files);
  process.stdout.write(
    `  the AST the parse builds and the checker reads: ${ast.toLocaleString("en")} objects (${((ast / lines) | 0).toLocaleString("en")} a line; a span is one),\n` +
      "  all of them live until the check ends: the young-generation collector copies each one it finds\n",
  );
  process.stdout.write(
    `  the gap: parse + check take ${fmtMs(phaseCpu).trim()} of CPU per run against the ${fmtMs(target).trim()} target (${(phaseCpu / target).toFixed(2)}×);\n`,
  );
  if (phaseCpu > target && blocks === BLOCKS) {
    process.stdout.write(
      "  where it goes (self time over all threads, one more parse + check under --cpu-prof; the garbage\n" +
        "  collector's share is the AST above being promoted, the rest is spread over the checker's rules):\n",
    );
    for (const line of profileSummary(["--input-type=module", "-e", profiledRun()], process.cwd(), 14))
      process.stdout.write(`    ${line}\n`);
  }
  if (diagnostics.length) {
    const codes = new Map<string, number>();
    for (const d of diagnostics) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
    process.stdout.write(
      `  diagnostics on the generated project: ${[...codes].map(([c, n]) => `${c}×${n}`).join(", ")}\n`,
    );
  }
}

/** A program that parses and checks the generated project once (for the profiled run). */
function profiledRun(): string {
  const at = (p: string): string => JSON.stringify(new URL(p, import.meta.url).href);
  return [
    `const { generateProject } = await import(${at("./index.js")});`,
    `const { parseFile } = await import(${at("../../src/compiler/parse.js")});`,
    `const { checkProject } = await import(${at("../../src/compiler/check.js")});`,
    `await import(${at("../../src/kinds/index.js")});`,
    "const files = generateProject().map((f) => parseFile(f.path, f.text).value);",
    'checkProject({ dir: "gen", files });',
  ].join("\n");
}

/** Objects and arrays reachable from the parsed files, their texts aside. */
function countObjects(files: SpecFile[]): number {
  const seen = new Set<object>();
  const stack: unknown[] = files.map((f) => ({ ...f, text: "" }));
  while (stack.length) {
    const x = stack.pop();
    if (x === null || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    for (const v of Object.values(x)) if (typeof v === "object") stack.push(v);
  }
  return seen.size - files.length;
}

/** CPU milliseconds and wall windows of one phase across the runs. */
class Profile {
  readonly cpuMs: number[] = [];
  readonly windows: [number, number][] = [];
  private cpu0 = process.cpuUsage();

  /** Starts a run of the phase; returns its wall start. */
  start(): number {
    this.cpu0 = process.cpuUsage();
    return performance.now();
  }

  /** Ends the run begun at `t`; returns its wall milliseconds. */
  stop(t: number): number {
    const end = performance.now();
    const c = process.cpuUsage(this.cpu0);
    this.cpuMs.push((c.user + c.system) / 1000);
    this.windows.push([t, end]);
    return end - t;
  }

  /** Milliseconds of garbage collection that began inside this phase's windows. */
  gcMs(entries: readonly PerformanceEntry[]): number {
    let ms = 0;
    for (const e of entries)
      if (this.windows.some(([a, b]) => e.startTime >= a && e.startTime < b)) ms += e.duration;
    return ms;
  }
}
