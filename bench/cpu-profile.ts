// The profile summary a bench prints beside a gap it has not closed: runs a node program under
// --cpu-prof (one profile per thread, workers included) and sums self time by function over them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self milliseconds by function ("name file:line"), summed over the profiles in `dir`; with
 * `lastMs`, only the samples of each profile's last `lastMs` milliseconds (a server's time under
 * load, leaving its start-up out).
 */
function selfTimes(dir: string, lastMs?: number): Map<string, number> {
  const self = new Map<string, number>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"))) {
    const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile;
    const label = new Map(
      p.nodes.map((n) => {
        const { functionName, url, lineNumber } = n.callFrame;
        const where = url ? ` ${basename(url)}:${lineNumber + 1}` : "";
        return [n.id, `${functionName || "(anonymous)"}${where}`];
      }),
    );
    const total = p.timeDeltas.reduce((a, d) => a + d, 0) / 1000;
    let at = 0;
    p.samples.forEach((id, i) => {
      at += (p.timeDeltas[i] ?? 0) / 1000;
      if (lastMs !== undefined && at < total - lastMs) return;
      const key = label.get(id)!;
      self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
    });
  }
  return self;
}

/**
 * Runs `node [args]` under --cpu-prof and returns the `top` functions by self time (all threads),
 * each with its share of the samples, as lines to print; idle time is left out.
 */
export function profileSummary(args: string[], cwd: string, top = 8): string[] {
  const dir = mkdtempSync(join(tmpdir(), "mlc-bench-prof-"));
  try {
    const r = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, ...args], {
      cwd,
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) return [`(the profiled run failed with ${r.status}: ${r.stderr.slice(-300)})`];
    return summaryLines(selfTimes(dir), top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `top` functions by self time, idle left out, each with its share. */
function summaryLines(self: Map<string, number>, top: number): string[] {
  self.delete("(idle)");
  self.delete("(program)");
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
    );
}

/**
 * The summary of the profiles a process started with `--cpu-prof --cpu-prof-dir dir` wrote when it
 * exited, over their last `lastMs` milliseconds only (a server under load, its start-up left out).
 */
export function profileDirSummary(dir: string, lastMs: number, top = 8): string[] {
  return summaryLines(selfTimes(dir, lastMs), top);
}
