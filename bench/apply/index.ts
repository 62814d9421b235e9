// bench/apply: a fresh `mlc apply examples/churn` (the README's main command: 10 nodes, a TPE search,
// robustness, a decision threshold, the report, gates, a deploy, an experiment and a monitor) in a
// copy of the example, against issue 18's 2.5 s target. Beside it, from the same run, the fixed cost
// every mlc command pays: bare `node -e 0` and `mlc validate` of the same project. Prints wall and
// CPU (all threads) per command, each node's run time from the state the apply recorded, and, when
// the target is missed, the CPU per phase (phases.ts) and the top self-time functions of one more
// apply under --cpu-prof (at smoke size, of its one apply, profiled).
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openState } from "../../src/runtime/state/open.js";
import { profileDirSummary } from "../cpu-profile.js";
import { phaseTimes } from "./phases.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const cli = join(repo, "dist/src/cli/main.js");
const hook = join(here, "cpu-hook.js");
/** Issue 18's target for a fresh apply of examples/churn, wall clock. */
const TARGET_MS = 2500;

interface Timed {
  wallMs: number;
  cpuMs: number;
  stdout: string;
}

/** Runs `node [--import hook] args` in `cwd`; wall time, and CPU over all its threads from the hook. */
function timed(args: string[], cwd: string): Promise<Timed> {
  const cpuOut = join(tmpdir(), `mlc-bench-apply-cpu-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ["--import", hook, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", MLC_BENCH_CPU_OUT: cpuOut },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", rej);
    p.on("close", (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0)
        return rej(new Error(`node ${args.join(" ")} exited with ${code}: ${stderr.slice(-2000)}`));
      const c = JSON.parse(readFileSync(cpuOut, "utf8")) as { userMs: number; systemMs: number };
      rmSync(cpuOut, { force: true });
      res({ wallMs, cpuMs: c.userMs + c.systemMs, stdout });
    });
  });
}

/** Bare `node -e 0`, with the same CPU hook as the mlc commands (one small module), so the peer starts as they do. */
const bareNode = (): Promise<Timed> => timed(["-e", "0"], repo);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const ms = (v: number): string => `${Math.round(v).toLocaleString("en")} ms`;

/** Each node's recorded run time (ms), in the order the apply started them, from the project's state. */
async function nodeTimes(dir: string): Promise<Array<[string, number]>> {
  const store = await openState(dir);
  try {
    const out: Array<[string, number, string]> = [];
    for (const n of await store.listNodes()) {
      const run = n.runId ? await store.getRun(n.runId) : undefined;
      out.push([n.id, run?.timings.run ?? NaN, run?.started ?? ""]);
    }
    return out.sort((x, y) => x[2].localeCompare(y[2])).map(([id, t]) => [id, t]);
  } finally {
    await store.close();
  }
}

/** The apply's own lines saying where a model's time went (robustness suites, the report). */
const phaseLines = (stdout: string): string[] =>
  stdout.split("\n").filter((l) => /: (robustness: .* in \d+ ms|report built in \d+ ms)/.test(l));

/** `--smoke`: one apply (under --cpu-prof) and one of each peer (the test suite's CI run); otherwise 5 alternating rounds. */
export async function run(args: string[]): Promise<void> {
  const smoke = args.includes("--smoke");
  const rounds = smoke ? 1 : 5;
  const work = mkdtempSync(join(tmpdir(), "mlc-bench-apply-"));
  const dir = join(work, "churn");
  const profDir = join(work, "profiles");
  cpSync(join(repo, "examples/churn"), dir, {
    recursive: true,
    filter: (src) => !src.split(/[\\/]/).includes(".mlc"),
  });
  const fresh = () => rmSync(join(dir, ".mlc"), { recursive: true, force: true });
  const profiled = ["--cpu-prof", "--cpu-prof-dir", profDir];
  try {
    const applies: Timed[] = [];
    const validates: Timed[] = [];
    const nodes: Timed[] = [];
    let times: Array<[string, number]> = [];
    let lastApply = "";
    // alternating rounds: a change in the machine's load moves all three alike
    for (let r = 0; r < rounds; r++) {
      nodes.push(await bareNode());
      validates.push(await timed([cli, "validate", dir], dir));
      fresh();
      const a = await timed([...(smoke ? profiled : []), cli, "apply", dir], dir);
      applies.push(a);
      lastApply = a.stdout;
      times = await nodeTimes(dir);
    }
    const med = (xs: Timed[]): { wall: number; cpu: number } => ({
      wall: median(xs.map((x) => x.wallMs)),
      cpu: median(xs.map((x) => x.cpuMs)),
    });
    const a = med(applies);
    const v = med(validates);
    const n = med(nodes);
    const cpus = availableParallelism();
    const [one, five] = loadavg();
    process.stdout.write(
      `fresh mlc apply examples/churn, median of ${rounds} alternating round(s); load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min), ${cpus} CPUs\n`,
    );
    process.stdout.write(
      `  node -e 0          wall ${ms(n.wall).padStart(9)}  CPU ${ms(n.cpu).padStart(9)}\n`,
    );
    process.stdout.write(
      `  mlc validate       wall ${ms(v.wall).padStart(9)}  CPU ${ms(v.cpu).padStart(9)}\n`,
    );
    process.stdout.write(
      `  mlc apply (fresh)  wall ${ms(a.wall).padStart(9)}  CPU ${ms(a.cpu).padStart(9)}\n`,
    );
    process.stdout.write(
      `  ratio apply / node -e 0 ${(a.wall / n.wall).toFixed(2)}×, apply / validate ${(a.wall / v.wall).toFixed(2)}×; the apply's own work beyond validate: wall ${ms(a.wall - v.wall)}, CPU ${ms(a.cpu - v.cpu)} (CPU/wall ${(a.cpu / a.wall).toFixed(2)} of ${cpus} cores)\n`,
    );
    const met = a.wall <= TARGET_MS;
    const busy = one! > cpus;
    process.stdout.write(
      `  target ≤ ${ms(TARGET_MS)} wall: ${met ? "met" : "missed"} (${(a.wall / TARGET_MS).toFixed(2)}× the target)${busy ? `; the machine is busier than its ${cpus} CPUs (load ${one!.toFixed(1)}), so wall time cannot judge it: read the CPU figures` : ""}\n`,
    );
    process.stdout.write(`  each node's run time (state, last round):\n`);
    for (const [id, t] of times) process.stdout.write(`    ${id.padEnd(26)} ${ms(t).padStart(9)}\n`);
    for (const l of phaseLines(lastApply)) process.stdout.write(`    ${l}\n`);
    // at smoke size the phases are always printed (the one apply was profiled anyway)
    if (met && !smoke) return;
    if (!smoke) {
      fresh();
      mkdirSync(profDir, { recursive: true });
      await timed([...profiled, cli, "apply", dir], dir);
    }
    const phases = phaseTimes(profDir);
    const total = phases.reduce((t, [, v]) => t + v, 0);
    process.stdout.write(
      `  where the CPU goes by phase (${smoke ? "the apply above" : "one more apply"} under --cpu-prof, all threads; ${ms(total)} sampled):\n`,
    );
    for (const [name, v] of phases)
      process.stdout.write(
        `    ${name.padEnd(40)} ${ms(v).padStart(9)} ${((v / total) * 100).toFixed(1).padStart(5)}%\n`,
      );
    process.stdout.write(`  the top self-time functions of that run:\n`);
    for (const l of profileDirSummary(profDir, Infinity, 12)) process.stdout.write(`    ${l}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
