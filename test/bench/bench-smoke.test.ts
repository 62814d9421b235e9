// Every bench under bench/, CI-sized: each runs as `npm run bench -- NAME --smoke` does and must print
// its ratio line(s), or the message naming the absent peer (xgboost, wrk, hyperfine, SciPy, Redis),
// and the machine's load. No timing is checked. One file, run in sequence, to keep CI's share small.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  benchesBuilt,
  expectBenchPrinted,
  notBuiltReason,
  runBenchSmoke,
  type BenchExpectations,
} from "../fixtures/bench-smoke.js";

const num = "[\\d.,]+";
const re = (s: string): RegExp => new RegExp(s, "m");

/** What each bench must print at its smoke size. */
const EXPECTED: Record<string, BenchExpectations> = {
  parse: {
    ratio: [
      re(`^ {2}(scan only \\(floor\\)|parse|check|total|CPU per run) +\\d+ ms`),
      re(`total/target = ${num} \\((within|OVER) target\\)`),
      re(`got \\d+% of a CPU`),
      re(`^ {4}check +\\d+ ms CPU +\\d+ ms of GC pauses$`),
      re(`^ {2}the AST the parse builds and the checker reads: ${num} objects`),
      re(
        `^ {2}the gap: parse \\+ check take \\d+ ms of CPU per run against the \\d+ ms target \\(${num}×\\);$`,
      ),
    ],
  },
  predict: {
    ratio: [re(`^single row +${num} +${num} +${num}$`), re(`^1,024-row batch +${num} +${num} +${num}$`)],
  },
  plan: {
    ratio: [
      re(`^ {2}mlc \\(xxh64 \\+ SIMD row count\\) +\\d+ MB/s +\\(target 3000 MB/s: (met|missed)`),
      re(`^ {2}ratio mlc / reads alone +${num}×$`),
      re(
        `^ {2}first plan after the apply \\(1 run\\) +\\d+ ms +\\(target: as fast as a repeated one: ${num}×\\)`,
      ),
      re(`^ {2}ratio repeated plan / bare node +${num}× +\\(target 1\\.3×: (met|missed)\\)`),
    ],
    peer: {
      ratio: [re(`^ {2}ratio mlc / sha256sum +${num}×$`)],
      skip: /sha256sum is not installed: no peer figure/,
    },
  },
  data: {
    ratio: [
      /^where the CPU goes \(median ms\): mlc read \d+ \+ features \d+; arquero loadCSV \d+ \+ derive \d+$/m,
      re(`^ratio: mlc is ${num}× arquero's speed \\(CPU ${num}×\\); target \\(issue 18\\) ≥ 5×`),
      /^mlc by phase \(median run\): read \d+ ms CPU \(user \d+, system \d+; [\d,]+ fresh pages touched\)/m,
      re(`^the gap: \\d+ ms wall against \\d+ ms; with the CPUs free its phases come to about \\d+ ms`),
    ],
  },
  drift: {
    ratio: [re(`^mlc: 5,000 rows × 20 features, \\d+ statistics .* s CPU`)],
    peer: {
      ratio: [re(`^ratio mlc / SciPy: ${num} for the same statistics; ${num} against SciPy's KS`)],
      skip: /SciPy peer skipped: no Python with SciPy/,
    },
  },
  "onnx-chains": {
    ratio: [
      re(`^mlc \\(Sum, shared\\), 4 chain\\(s\\) of 40 terms: .* ratio ${num}× its 1-chain graph$`),
      re(`^binary peer, 2 chain\\(s\\) of 40 terms: .* ratio ${num}× its 1-chain graph$`),
    ],
  },
  apply: {
    ratio: [
      re(`^ {2}mlc apply \\(fresh\\) +wall +[\\d,]+ ms +CPU +[\\d,]+ ms$`),
      re(`^ {2}ratio apply / node -e 0 ${num}×, apply / validate ${num}×`),
      re(`^ {2}target ≤ 2,500 ms wall: (met|missed) \\(${num}× the target\\)`),
      /^ {4}model\.churn_model +[\d,]+ ms$/m,
      /^ {2}where the CPU goes by phase \(the apply above under --cpu-prof, all threads; [\d,]+ ms sampled\):$/m,
      /^ {4}training and search +[\d,]+ ms +[\d.]+%$/m,
    ],
    timeoutMs: 300_000,
  },
  startup: {
    ratio: [],
    peer: {
      ratio: [
        re(`^mlc --version: median \\d+ ms, \\d+ ms CPU, ratio ${num}× node -e 0$`),
        re(`^mlc validate .*ratio ${num}×`),
      ],
      skip: /^skipped: hyperfine is not installed/m,
    },
  },
  gbdt: {
    ratio: [
      re(`^smoke test AUC \\(10 rounds\\) +\\S+ +${num} `),
      /^ {4}mlc phases: read \d+ \| prepare \d+\/\d+ \| gradients \d+\/\d+ \| histograms \d+\/\d+/m,
      re(`^1,024-row batch +${num} +${num} +${num}$`),
      /^ {2}where mlc's time goes \(self time over all threads, one more run under --cpu-prof\):$/m,
      /^ {4} +\d+ ms +[\d.]+% {2}\S/m,
    ],
    peer: {
      ratio: [
        re(`^ {2}train wall s / peak MiB +${num} / \\S+ +${num} / \\S+ +${num}`),
        re(
          `^ {4}the gap: mlc's ${num} s = ${num} s process start, module load and save \\+ ${num} s read \\+ ${num} s fit; XGBoost's whole process ${num} s \\(mlc's fit alone ${num}× it\\)$`,
        ),
      ],
      skip: /xgboost command line not installed .*: skipping the XGBoost columns/,
    },
  },
  "cv-tune": {
    ratio: [re(`^mean +${num} +${num} +${num} +\\S+$`)],
    peer: {
      ratio: [re(`^test AUC − XGBoost defaults: TPE on one valid part -?${num}, TPE on cv\\.auc -?${num}`)],
      skip: /xgboost command line not installed .*: no XGBoost column/,
    },
  },
  tune: {
    ratio: [
      re(`^10 +-?${num} +-?${num} +-?${num} +\\d/1$`),
      re(
        `^thread CPU: parallel 1 main ${num} s; parallel 2 main ${num} s, worker ${num} s: ${num}× on two free cores`,
      ),
      re(
        `^lane idle \\(wall − thread CPU, per parallel 2 run\\): main thread ${num}, ${num} s, worker ${num}, ${num} s$`,
      ),
      re(
        `^speedup parallel 2 / 1: ${num}× \\(target ≥ 1\\.7× on 2 cores: (met|NOT met)(; the machine is busier than its cores, so wall time cannot judge it)?\\); same trial values: yes$`,
      ),
      re(
        `^speedup parallel 2 / 1: ${num}× \\(target ≥ 1\\.7× on 2 cores: (met|NOT met)(; the machine is busier than its cores, so wall time cannot judge it)?\\); best valid AUC ${num} \\(parallel 1\\) vs ${num} \\(parallel 2; other trials by design\\)$`,
      ),
    ],
  },
  serve: {
    ratio: [
      re(
        `^ {2}ratio \\(median of rounds\\) +rps ${num}% of bare \\(target >= 80%: (met|NOT met)\\) +p99 ${num}x bare`,
      ),
      re(
        `^batch scoring 20,480 rows \\(median of 1 alternating\\): .* CPU ratio ${num}% \\(target >= 85%: (met|NOT met)\\)$`,
      ),
      /mlc serve exited with 0 after SIGTERM/,
    ],
    // mlc serve may wait up to 4 minutes to say it is ready on a busy machine (startupWaitMs)
    timeoutMs: 420_000,
  },
  recommend: {
    ratio: [
      re(`^ {2}ratio \\(median of rounds\\) +rps ${num}% of bare +p99 ${num}x bare`),
      /mlc serve exited with 0 after SIGTERM/,
    ],
    // three servers start at once; each may wait up to 4 minutes to say it is ready (startupWaitMs)
    timeoutMs: 600_000,
  },
  stream: {
    ratio: [],
    peer: {
      ratio: [re(`^mlc / bare throughput: ${num} \\(target ≥ 0\\.50\\)`)],
      skip: /^skipped: Redis does not answer at /m,
    },
  },
};

describe("bench smoke runs (npm run bench -- NAME --smoke: ratio and load printed; no timing is checked)", () => {
  it("covers every bench under bench/", () => {
    const benches = readdirSync("bench", { withFileTypes: true })
      .filter((e) => e.isDirectory() && readdirSync(`bench/${e.name}`).includes("index.ts"))
      .map((e) => e.name)
      .sort();
    expect(Object.keys(EXPECTED).sort()).toEqual(benches);
  });

  it("fails a bench whose ratio line, peer line or load line is missing", () => {
    const printed = (lines: string[]) => ({ code: 0, stderr: "", stdout: lines.join("\n") + "\n" });
    const header = "== bench data ==";
    const load = "machine after bench data: 2 CPUs, load average 1.00 1.00 1.00";
    const ratio = [
      "where the CPU goes (median ms): mlc read 900 + features 100; arquero loadCSV 4000 + derive 1000",
      "ratio: mlc is 5.10× arquero's speed (CPU 5.00×); target (issue 18) ≥ 5× and < 2 s: met",
      "mlc by phase (median run): read 900 ms CPU (user 800, system 100; 90,000 fresh pages touched) in 2 byte range(s) at once; features 100 ms CPU (user 90, system 10; 10,000 fresh pages touched)",
      "the gap: 1500 ms wall against 2000 ms; with the CPUs free its phases come to about 550 ms (read 900 ms CPU over 2 thread(s) + features 100 ms)",
    ].join("\n");
    expect(expectBenchPrinted("data", printed([header, ratio, load]), EXPECTED.data!)).toBe("peer");
    expect(() => expectBenchPrinted("data", printed([header, load]), EXPECTED.data!)).toThrow();
    expect(() => expectBenchPrinted("data", printed([header, ratio]), EXPECTED.data!)).toThrow();
    expect(() =>
      expectBenchPrinted("data", { ...printed([header, ratio, load]), code: 1 }, EXPECTED.data!),
    ).toThrow();
    const gbdt = EXPECTED.gbdt!;
    const own = [
      "== bench gbdt ==",
      "smoke test AUC (10 rounds)         n/a            0.9374         n/a Δ",
      "    mlc phases: read 5 | prepare 1/2 | gradients 0/0 | histograms 3/3 | partition 1/1 (ms, CPU all threads / wall)",
      "1,024-row batch    0.0550     0.7620     13.85",
      "  where mlc's time goes (self time over all threads, one more run under --cpu-prof):",
      "        161 ms  20.2%  readNumericCsv csv.js:7",
    ];
    const skip =
      "xgboost command line not installed (apt-get install -y xgboost): skipping the XGBoost columns";
    const gbdtLoad = "machine after bench gbdt: 2 CPUs, load average 1.00 1.00 1.00";
    expect(expectBenchPrinted("gbdt", printed([skip, ...own, gbdtLoad]), gbdt)).toBe("skipped");
    // neither the peer's figures nor the reason they are missing
    expect(() => expectBenchPrinted("gbdt", printed([...own, gbdtLoad]), gbdt)).toThrow();
  });

  for (const [name, want] of Object.entries(EXPECTED))
    it.skipIf(!benchesBuilt)(
      `${name}${benchesBuilt ? "" : ` (skipped: ${notBuiltReason})`}`,
      { timeout: want.timeoutMs ?? 180_000 },
      async () => {
        expectBenchPrinted(name, await runBenchSmoke(name), want);
      },
    );
});
