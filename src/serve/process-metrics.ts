// The standard process_* and nodejs_* metrics of a Prometheus target (the names prom-client's default
// collectors use, so existing dashboards work), read from Node's own counters when /metrics is scraped.
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** A sample value in the text format: NaN and infinities spelled as Prometheus reads them. */
export function promValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const startSeconds = Math.round((Date.now() - performance.now()) / 1000);

/** Open file descriptors where the system lists them (/proc on Linux); undefined elsewhere. */
function openFds(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length - 1; // minus the descriptor readdir itself opened
  } catch {
    return undefined;
  }
}

let delay: IntervalHistogram | undefined;

/** Starts sampling event-loop delay (once per process); the p50/p99/max appear from then on. */
export function startEventLoopMonitor(): void {
  if (delay) return;
  delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
}

/** The process and Node.js metrics, as exposition lines with HELP and TYPE. */
export function processMetrics(): string[] {
  const out: string[] = [];
  const metric = (name: string, type: "counter" | "gauge", help: string, v: number, labels = ""): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${promValue(v)}`);
  };
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  metric("process_cpu_user_seconds_total", "counter", "User CPU time spent in seconds.", cpu.user / 1e6);
  metric(
    "process_cpu_system_seconds_total",
    "counter",
    "System CPU time spent in seconds.",
    cpu.system / 1e6,
  );
  metric(
    "process_cpu_seconds_total",
    "counter",
    "Total user and system CPU time spent in seconds.",
    (cpu.user + cpu.system) / 1e6,
  );
  metric(
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since unix epoch in seconds.",
    startSeconds,
  );
  metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", mem.rss);
  const fds = openFds();
  if (fds !== undefined) metric("process_open_fds", "gauge", "Number of open file descriptors.", fds);
  metric("nodejs_heap_size_total_bytes", "gauge", "Process heap size from Node.js in bytes.", mem.heapTotal);
  metric(
    "nodejs_heap_size_used_bytes",
    "gauge",
    "Process heap size used from Node.js in bytes.",
    mem.heapUsed,
  );
  metric("nodejs_external_memory_bytes", "gauge", "Node.js external memory size in bytes.", mem.external);
  metric(
    "nodejs_active_resources_total",
    "gauge",
    "Number of active resources that are currently keeping the event loop alive.",
    process.getActiveResourcesInfo().length,
  );
  if (delay && delay.count > 0) {
    metric(
      "nodejs_eventloop_lag_p50_seconds",
      "gauge",
      "The 50th percentile of the recorded event loop delays.",
      delay.percentile(50) / 1e9,
    );
    metric(
      "nodejs_eventloop_lag_p99_seconds",
      "gauge",
      "The 99th percentile of the recorded event loop delays.",
      delay.percentile(99) / 1e9,
    );
    metric(
      "nodejs_eventloop_lag_max_seconds",
      "gauge",
      "The maximum recorded event loop delay.",
      delay.max / 1e9,
    );
  }
  const [major, minor, patch] = process.versions.node.split(".");
  metric(
    "nodejs_version_info",
    "gauge",
    "Node.js version info.",
    1,
    `{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"}`,
  );
  return out;
}
