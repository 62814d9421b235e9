// Start-up time of the CLI: `mlc --version` and `mlc validate` on the churn example against `node -e 0`,
// measured with hyperfine (median of repeated runs); prints each ratio and the load average.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const cli = join(repo, "dist/src/cli/main.js");

interface HyperfineResult {
  command: string;
  median: number;
  user: number;
  system: number;
}

/** `--smoke`: 2 runs of each command, no warm-up (the test suite's smoke run). */
export async function run(args: string[]): Promise<void> {
  const [warmup, runs] = args.includes("--smoke") ? ["0", "2"] : ["2", "15"];
  if (spawnSync("hyperfine", ["--version"]).status !== 0) {
    process.stdout.write("skipped: hyperfine is not installed (apt-get install -y hyperfine)\n");
    return;
  }
  const out = join(tmpdir(), `mlc-startup-${process.pid}.json`);
  const node = process.execPath;
  const commands = [
    `${node} -e 0`,
    `${node} ${cli} --version`,
    `${node} ${cli} validate ${join(repo, "examples/churn")}`,
  ];
  try {
    execFileSync("hyperfine", ["-N", "--warmup", warmup, "--runs", runs, "--export-json", out, ...commands], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const results = (JSON.parse(readFileSync(out, "utf8")) as { results: HyperfineResult[] }).results;
    const base = results[0]!.median;
    const [one, five] = loadavg();
    process.stdout.write(`load average: ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min)\n`);
    // CPU time (user + system, mean) depends less on the load of a shared machine than wall time
    const cpu = (r: HyperfineResult): string => `${((r.user + r.system) * 1000).toFixed(0)} ms CPU`;
    process.stdout.write(`node -e 0: median ${(base * 1000).toFixed(0)} ms, ${cpu(results[0]!)}\n`);
    for (const r of results.slice(1)) {
      const name = r.command.replace(`${node} ${cli}`, "mlc").replace(repo + "/", "");
      const ratio = (r.median / base).toFixed(2);
      process.stdout.write(
        `${name}: median ${(r.median * 1000).toFixed(0)} ms, ${cpu(r)}, ratio ${ratio}× node -e 0\n`,
      );
    }
  } finally {
    rmSync(out, { force: true });
  }
}
