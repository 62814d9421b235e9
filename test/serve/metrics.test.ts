// /metrics without a server: latency by version and arm, the versions as an _info metric, the
// standard process/nodejs metrics, and the monitors' latest statistics as gauges.
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/ml/drift/check-result.js";
import { ServeMetrics } from "../../src/serve/metrics.js";
import { monitorGauges, type MonitorRunResult } from "../../src/serve/monitor-gauges.js";
import { processMetrics, promValue } from "../../src/serve/process-metrics.js";

const samples = (text: string): string[] => text.split("\n").filter((l) => l && !l.startsWith("#"));

const psiCheck: CheckResult = {
  assertion: "drift(tenure, psi) < 0.2",
  feature: "tenure",
  test: "psi",
  statistic: 0.3125,
  op: "<",
  threshold: 0.2,
  status: "breach",
  rows: 5000,
};

describe("ServeMetrics", () => {
  it("keeps one latency histogram per route, model version and arm", () => {
    const m = new ServeMetrics("api");
    m.request("/v1/predict", "POST", 200, 0.002, { version: "3", arm: "stable" });
    m.request("/v1/predict", "POST", 200, 0.004, { version: "3", arm: "stable" });
    m.request("/v1/predict", "POST", 200, 0.2, { version: "4", arm: "canary" });
    m.request("/healthz", "GET", 200, 0.0001);
    const text = m.render();
    const count = (l: string) =>
      samples(text).find((s) => s.startsWith(`mlc_http_request_duration_seconds_count{${l}}`));
    expect(count('deployment="api",route="/v1/predict",model_version="3",arm="stable"')).toMatch(/ 2$/);
    expect(count('deployment="api",route="/v1/predict",model_version="4",arm="canary"')).toMatch(/ 1$/);
    expect(count('deployment="api",route="/healthz",model_version="",arm=""')).toMatch(/ 1$/);
    // the canary's one slow request falls in the 0.25 s bucket, not in 0.1
    expect(text).toContain(
      'mlc_http_request_duration_seconds_bucket{deployment="api",route="/v1/predict",model_version="4",arm="canary",le="0.1"} 0',
    );
    expect(text).toContain(
      'mlc_http_request_duration_seconds_bucket{deployment="api",route="/v1/predict",model_version="4",arm="canary",le="0.25"} 1',
    );
  });

  it("exposes every serving version as mlc_model_info and counts swaps", () => {
    const m = new ServeMetrics("api");
    m.serving([{ version: 3, arm: "stable" }]);
    m.serving([
      { version: 3, arm: "stable" },
      { version: 4, arm: "canary" },
    ]);
    const text = m.render();
    expect(samples(text).filter((l) => l.startsWith("mlc_model_info"))).toEqual([
      'mlc_model_info{deployment="api",version="3",arm="stable"} 1',
      'mlc_model_info{deployment="api",version="4",arm="canary"} 1',
    ]);
    expect(text).toContain("# TYPE mlc_model_info gauge");
    expect(text).toContain('mlc_model_version{deployment="api"} 3');
    expect(text).toContain('mlc_candidate_version{deployment="api"} 4');
    expect(text).toContain('mlc_model_swaps_total{deployment="api"} 1');
    m.serving([{ version: 4, arm: "stable" }]);
    const after = m.render();
    expect(samples(after).filter((l) => l.startsWith("mlc_model_info"))).toEqual([
      'mlc_model_info{deployment="api",version="4",arm="stable"} 1',
    ]);
    expect(after).toContain('mlc_model_swaps_total{deployment="api"} 2');
  });

  it("adds the process and Node.js metrics, each with HELP and TYPE", () => {
    const lines = processMetrics();
    const names = samples(lines.join("\n")).map((l) => l.split(/[{ ]/)[0]);
    for (const n of [
      "process_cpu_user_seconds_total",
      "process_cpu_system_seconds_total",
      "process_cpu_seconds_total",
      "process_start_time_seconds",
      "process_resident_memory_bytes",
      "nodejs_heap_size_total_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_external_memory_bytes",
      "nodejs_version_info",
    ])
      expect(names).toContain(n);
    for (const n of names) {
      expect(lines).toContain(
        `# TYPE ${n} ${n.endsWith("_total") && n.startsWith("process_cpu") ? "counter" : "gauge"}`,
      );
      expect(lines.some((l) => l.startsWith(`# HELP ${n} `))).toBe(true);
    }
    const start = Number(lines.find((l) => l.startsWith("process_start_time_seconds "))!.split(" ")[1]);
    expect(Math.abs(start - Date.now() / 1000)).toBeLessThan(3600);
    expect(new ServeMetrics("api").render()).toContain("\nprocess_resident_memory_bytes ");
  });

  it("spells NaN and infinities as Prometheus reads them", () => {
    expect([promValue(NaN), promValue(Infinity), promValue(-Infinity), promValue(0.5)]).toEqual([
      "NaN",
      "+Inf",
      "-Inf",
      "0.5",
    ]);
  });
});

describe("monitorGauges", () => {
  const runs: MonitorRunResult[] = [
    {
      monitor: "watch",
      deployment: "churn_api",
      ranAt: "2026-12-03T12:00:00.000Z",
      checks: [
        psiCheck,
        {
          assertion: "live.auc > 0.7",
          test: "live.auc",
          statistic: NaN,
          op: ">",
          threshold: 0.7,
          status: "not_enough_data",
          rows: 12,
        },
      ],
    },
    {
      monitor: 'odd "name"\\x',
      deployment: "churn_api",
      ranAt: "2026-12-03T12:30:00.000Z",
      checks: [{ ...psiCheck, statistic: 0.01, status: "pass" }],
    },
  ];

  it("renders statistic, threshold, rows, breach and status per assertion with its labels", () => {
    const text = monitorGauges(runs);
    const l =
      'deployment="churn_api",monitor="watch",feature="tenure",test="psi",assertion="drift(tenure, psi) < 0.2"';
    expect(samples(text)).toEqual(
      expect.arrayContaining([
        `mlc_monitor_statistic{${l}} 0.3125`,
        `mlc_monitor_threshold{${l}} 0.2`,
        `mlc_monitor_rows{${l}} 5000`,
        `mlc_monitor_breach{${l}} 1`,
        `mlc_monitor_status{${l},status="pass"} 0`,
        `mlc_monitor_status{${l},status="breach"} 1`,
        `mlc_monitor_status{${l},status="not_enough_data"} 0`,
      ]),
    );
    const auc =
      'deployment="churn_api",monitor="watch",feature="",test="live.auc",assertion="live.auc > 0.7"';
    expect(text).toContain(`mlc_monitor_statistic{${auc}} NaN`);
    expect(text).toContain(`mlc_monitor_breach{${auc}} 0`);
    expect(text).toContain(`mlc_monitor_status{${auc},status="not_enough_data"} 1`);
    expect(text).toContain(
      'mlc_monitor_last_run_timestamp_seconds{deployment="churn_api",monitor="watch"} 1796299200',
    );
  });

  it("escapes label values and declares each metric once", () => {
    const text = monitorGauges(runs);
    expect(text).toContain('monitor="odd \\"name\\"\\\\x"');
    for (const name of ["mlc_monitor_statistic", "mlc_monitor_breach", "mlc_monitor_status"])
      expect(text.split("\n").filter((l) => l === `# TYPE ${name} gauge`)).toHaveLength(1);
    // no two samples share a name and label set
    const keys = samples(text).map((s) => s.slice(0, s.lastIndexOf(" ")));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("gives nothing for no monitors, and the server's render appends the gauges", () => {
    expect(monitorGauges([])).toBe("");
    const m = new ServeMetrics("churn_api");
    expect(m.render()).not.toContain("mlc_monitor_");
    expect(m.render([], runs)).toContain("mlc_monitor_breach{");
  });
});
