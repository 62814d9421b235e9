// Loaded with `node --import` into the `mlc` processes bench/apply times: when the process exits it
// writes its CPU time (user and system over all its threads, from getrusage) as JSON to the file
// named by MLC_BENCH_CPU_OUT, which the bench reads; a process without the variable is untouched.
import { writeFileSync } from "node:fs";

const out = process.env.MLC_BENCH_CPU_OUT;
if (out)
  process.on("exit", () => {
    const r = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000 }));
  });
