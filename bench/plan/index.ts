// `npm run bench -- plan`: a generated project of 200 nodes over 1 GB of CSV (bench/.data/plan,
// made once): whole-process no-op `mlc plan` time against the 300 ms target beside bare node
// startup, and first-time hashing MB/s beside `sha256sum` on the same files in the same run.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { hashFile } from "../../src/data/data-hash.js";
import { applyPlan } from "../../src/runtime/apply.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { executorFor } from "../../src/runtime/executor-registry.js";
import { loadExecutors } from "../../src/runtime/executor-loader.js";
import { planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/plan → repository root.
const repoRoot = resolve(here, "../../..");
const project = join(repoRoot, "bench", ".data", "plan");
const mainJs = join(repoRoot, "dist", "src", "cli", "main.js");

const BRANCHES = 20;
const MODELS = 4;
const GATES = 3;
const FILE_BYTES = 50 * 1024 * 1024; // 20 × 50 MiB ≈ 1 GiB

function spec(): string {
  const out: string[] = [];
  for (let i = 0; i < BRANCHES; i++) {
    out.push(
      `source s${i} {\n  file = "data/part${i}.csv"\n  schema {\n    id = int\n    a  = float\n    b  = float\n    c  = category\n    y  = bool\n  }\n}\n`,
    );
    out.push(
      `features f${i} {\n  from = s${i}\n  r    = a / (b + 1)\n  z    = standardize(a)\n  w    = b * 2\n}\n`,
    );
    out.push(`split p${i} {\n  from   = f${i}\n  method = stratified(y)\n}\n`);
    const feats = ["r", "z", "w", "r"];
    for (let k = 0; k < MODELS; k++) {
      out.push(
        `model m${i}_${k} {\n  task     = classify(y)\n  data     = p${i}\n  features = [f${i}.${feats[k]}]\n  params {\n    trees = ${50 + k}\n  }\n}\n`,
      );
    }
    for (let k = 0; k < GATES; k++)
      out.push(`gate g${i}_${k} {\n  model = m${i}_${k}\n  test.auc >= 0.6\n}\n`);
  }
  return out.join("\n");
}

/** Writes one CSV of about FILE_BYTES with varying rows, in large blocks. */
function writeCsv(path: string, seed: number): void {
  const fd = openSync(path + ".tmp", "w");
  writeSync(fd, "id,a,b,c,y\n");
  let written = 0;
  let id = 0;
  let x = seed * 2654435761 + 1;
  const cats = ["red", "green", "blue", "cyan"];
  while (written < FILE_BYTES) {
    const lines: string[] = [];
    for (let k = 0; k < 20000; k++) {
      x = (x * 1103515245 + 12345) >>> 0;
      lines.push(
        `${id++},${(x % 100000) / 100},${((x >>> 7) % 5000) / 10},${cats[x & 3]},${x & 8 ? "true" : "false"}`,
      );
    }
    const block = lines.join("\n") + "\n";
    writeSync(fd, block);
    written += Buffer.byteLength(block);
  }
  closeSync(fd);
  renameSync(path + ".tmp", path);
}

function ensureData(): string[] {
  const data = join(project, "data");
  mkdirSync(data, { recursive: true });
  writeFileSync(join(project, "main.mlspec"), spec());
  const files: string[] = [];
  for (let i = 0; i < BRANCHES; i++) {
    const f = join(data, `part${i}.csv`);
    if (!existsSync(f) || statSync(f).size < FILE_BYTES) {
      process.stdout.write(`generating ${f}\n`);
      writeCsv(f, i + 1);
    }
    files.push(f);
  }
  return files;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeProcess(
  args: string[],
  runs: number,
  env: Record<string, string> = {},
): { ms: number; code: number | null; stdout: string } {
  const times: number[] = [];
  let last = { code: null as number | null, stdout: "" };
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, args, {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    times.push(performance.now() - t0);
    last = { code: p.status, stdout: p.stdout + p.stderr };
  }
  return { ms: median(times), ...last };
}

export async function run(_args: string[]): Promise<void> {
  const files = ensureData();
  const totalBytes = files.reduce((s, f) => s + statSync(f).size, 0);
  const mb = totalBytes / 1e6;
  process.stdout.write(
    `project: ${project}\n  ${BRANCHES * (3 + MODELS + GATES)} nodes over ${files.length} CSV files, ${mb.toFixed(0)} MB\n`,
  );

  // First-time hashing, page cache warm for both: mlc's streaming xxh64 vs sha256sum.
  for (const f of files) await hashFile(f);
  let t0 = performance.now();
  for (const f of files) await hashFile(f);
  const mlcMs = performance.now() - t0;
  const sha = spawnSync("sha256sum", ["--version"]);
  let shaMs: number | undefined;
  if (sha.status === 0) {
    t0 = performance.now();
    spawnSync("sha256sum", files, { stdio: "ignore" });
    shaMs = performance.now() - t0;
  }
  process.stdout.write(`\nfirst-time hashing (${mb.toFixed(0)} MB, page cache warm)\n`);
  process.stdout.write(
    `  mlc (xxh64, 8 MiB chunks, row count)  ${(mb / (mlcMs / 1000)).toFixed(0).padStart(6)} MB/s\n`,
  );
  if (shaMs !== undefined) {
    process.stdout.write(
      `  sha256sum                             ${(mb / (shaMs / 1000)).toFixed(0).padStart(6)} MB/s\n`,
    );
    process.stdout.write(`  ratio mlc / sha256sum                 ${(shaMs / mlcMs).toFixed(2)}×\n`);
  } else {
    process.stdout.write("  sha256sum is not installed: no peer figure\n");
  }

  // Bring the state to "everything applied": plan with the real executors (this hashes the data
  // once and fills the stat cache), then record every node without running it.
  rmSync(join(project, ".mlc"), { recursive: true, force: true });
  await loadExecutors();
  const planned = await planProject(project);
  if (!planned.ok)
    throw new Error(
      `the generated project does not compile: ${planned.diagnostics.map((d) => d.message).join("; ")}`,
    );
  const store = await openState(project);
  try {
    const recorded = await applyPlan(planned.plan, {
      projectDir: project,
      store,
      artifacts: openArtifacts(project),
      parallel: 8,
      executorFor: (kind) => {
        const real = executorFor(kind);
        return { kind, version: real?.version ?? "unregistered", run: async () => ({ artifacts: {} }) };
      },
    });
    if (!recorded.ok) throw new Error("recording the generated project's state failed");
  } finally {
    await store.close();
  }

  if (!existsSync(mainJs)) {
    process.stdout.write(`\n${mainJs} is missing: run \`npm run build\` first\n`);
    return;
  }
  const node = timeProcess(["-e", ""], 5);
  // Full: compile, load executors, stat every data file (stat cache hits), verify objects, plan.
  const full = timeProcess([mainJs, "plan", ".", "--detailed-exitcode"], 3, { MLC_PLAN_CACHE: "off" });
  if (full.code !== 0)
    throw new Error(`the no-op plan did not exit 0 (exit ${full.code}):\n${full.stdout.slice(0, 2000)}`);
  // Repeated: the no-op plan shortcut (specs, data, objects, serial and code unchanged).
  timeProcess([mainJs, "plan", "."], 1);
  const repeated = timeProcess([mainJs, "plan", ".", "--detailed-exitcode"], 5);
  if (repeated.code !== 0)
    throw new Error(
      `the repeated no-op plan did not exit 0 (exit ${repeated.code}):\n${repeated.stdout.slice(0, 2000)}`,
    );
  const verdict = (ms: number) => (ms <= 300 ? "met" : "missed");
  process.stdout.write(
    `\nno-op \`mlc plan\`, whole process (${planned.plan.changes.length} nodes, ${mb.toFixed(0)} MB already hashed)\n`,
  );
  process.stdout.write(
    `  full plan (median of 3)               ${full.ms.toFixed(0).padStart(6)} ms   (target 300 ms: ${verdict(full.ms)})\n`,
  );
  process.stdout.write(
    `  repeated no-op plan (median of 5)     ${repeated.ms.toFixed(0).padStart(6)} ms   (target 300 ms: ${verdict(repeated.ms)})\n`,
  );
  process.stdout.write(`  node -e "" (bare startup, peer)       ${node.ms.toFixed(0).padStart(6)} ms\n`);
  process.stdout.write(`  ratio repeated plan / bare node       ${(repeated.ms / node.ms).toFixed(2)}×\n`);
}
