// Prometheus metrics of the prediction server, kept in plain maps and rendered by hand in the text
// exposition format (version 0.0.4). Recording is a map update, cheap enough for every request.
// The process_* / nodejs_* metrics and the monitors' gauges are rendered by their own modules.
import { monitorGauges, type MonitorRunResult } from "./monitor-gauges.js";
import { processMetrics, promValue } from "./process-metrics.js";

/** Latency buckets in seconds: sub-millisecond resolution where a local model answers. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Histogram {
  route: string;
  /** The model version(s) that scored the request (`3`, or `3+4` for a batch split between arms); empty when none did. */
  version: string;
  /** stable | canary | an experiment arm | `mixed` (a batch split between arms); empty when no model scored. */
  arm: string;
  counts: Float64Array; // one per bucket, non-cumulative
  sum: number;
  count: number;
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labels = (l: Record<string, string | number>): string =>
  "{" +
  Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(String(v))}"`)
    .join(",") +
  "}";

/** Which model version and arm answered a request, for the latency histogram's labels. */
export interface ServedBy {
  version: string;
  arm: string;
}

/** One model version loaded for the deployment and the arm it serves (stable, canary, shadow, an experiment arm). */
export interface ServedModel {
  version: number;
  arm: string;
}

export class ServeMetrics {
  private readonly requests = new Map<string, { route: string; method: string; status: number; n: number }>();
  private readonly latency = new Map<string, Histogram>();
  private readonly predictions = new Map<string, { version: number; arm: string; n: number }>();
  private readonly classes = new Map<string, { version: number; cls: string; n: number }>();
  /** The entries of `classes` by version and class. */
  private readonly classIndex = new Map<number, Map<string, { version: number; cls: string; n: number }>>();
  private lastRequest: { route: string; method: string; status: number; n: number } | undefined;
  private lastLatency: Histogram | undefined;
  private lastPredicted: { version: number; arm: string; n: number } | undefined;
  private readonly loads = new Map<number, number>();
  private readonly counters = {
    swaps: 0,
    loadFailures: 0,
    sharedSyncFailures: 0,
    logDropped: 0,
    logWriteFailures: 0,
    shadowFailures: 0,
    reviewQueueFailures: 0,
    recommendCacheFailures: 0,
  };
  private readonly recommendCache = { hit: 0, miss: 0, unavailable: 0 };
  private currentVersion = 0;
  private candidateVersion = 0;
  private models: ServedModel[] = [];

  constructor(private readonly deployment: string) {}

  /** A finished request; `servedBy` names the model version and arm that scored it, if one did. */
  request(route: string, method: string, status: number, seconds: number, servedBy?: ServedBy): void {
    // the last request's series are kept at hand: under load one route answers most requests alike
    let r = this.lastRequest;
    if (!r || r.route !== route || r.method !== method || r.status !== status) {
      const k = `${route} ${method} ${status}`;
      r = this.requests.get(k);
      if (!r) this.requests.set(k, (r = { route, method, status, n: 0 }));
      this.lastRequest = r;
    }
    r.n++;
    const version = servedBy?.version ?? "";
    const arm = servedBy?.arm ?? "";
    let h = this.lastLatency;
    if (!h || h.route !== route || h.version !== version || h.arm !== arm) {
      const hk = `${route}\u0000${version}\u0000${arm}`;
      h = this.latency.get(hk);
      if (!h)
        this.latency.set(
          hk,
          (h = {
            route,
            version,
            arm,
            counts: new Float64Array(LATENCY_BUCKETS.length + 1),
            sum: 0,
            count: 0,
          }),
        );
      this.lastLatency = h;
    }
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]!) b++;
    h.counts[b]!++;
    h.sum += seconds;
    h.count++;
  }

  predicted(version: number, arm: string, n: number): void {
    let p = this.lastPredicted;
    if (!p || p.version !== version || p.arm !== arm) {
      const k = `${version} ${arm}`;
      p = this.predictions.get(k);
      if (!p) this.predictions.set(k, (p = { version, arm, n: 0 }));
      this.lastPredicted = p;
    }
    p.n += n;
  }

  predictedClass(version: number, cls: string): void {
    // by version, then class: no key string per prediction
    let byClass = this.classIndex.get(version);
    if (!byClass) this.classIndex.set(version, (byClass = new Map()));
    let c = byClass.get(cls);
    if (!c) {
      const k = `${version}\u0000${cls}`;
      c = this.classes.get(k);
      if (!c) this.classes.set(k, (c = { version, cls, n: 0 }));
      byClass.set(cls, c);
    }
    c.n++;
  }

  modelLoaded(version: number, seconds: number): void {
    this.loads.set(version, seconds);
  }

  /**
   * The versions now serving: the stable one, the rollout candidate (arm `canary` or `shadow`) and
   * an experiment's arms. A change of the stable or candidate version counts as a swap.
   */
  serving(models: readonly ServedModel[]): void {
    const version = models.find((m) => m.arm === "stable")?.version ?? 0;
    const candidate = models.find((m) => m.arm === "canary" || m.arm === "shadow")?.version ?? 0;
    if (this.currentVersion !== 0 && (this.currentVersion !== version || this.candidateVersion !== candidate))
      this.counters.swaps++;
    this.currentVersion = version;
    this.candidateVersion = candidate;
    this.models = [...models];
  }

  loadFailed(): void {
    this.counters.loadFailures++;
  }

  /** A look at the shared state's pointer that failed (another checkout's change not followed yet). */
  sharedSyncFailed(): void {
    this.counters.sharedSyncFailures++;
  }

  logDropped(n: number): void {
    this.counters.logDropped += n;
  }

  logWriteFailed(): void {
    this.counters.logWriteFailures++;
  }

  reviewQueueFailed(): void {
    this.counters.reviewQueueFailures++;
  }

  shadowFailed(): void {
    this.counters.shadowFailures++;
  }

  /** What /v1/recommend's answer cache did for a request. */
  recommendCached(outcome: "hit" | "miss" | "unavailable"): void {
    this.recommendCache[outcome]++;
  }

  /** A read or write of /v1/recommend's answer cache that failed (the answer was computed anyway). */
  recommendCacheFailed(): void {
    this.counters.recommendCacheFailures++;
  }

  /**
   * The text exposition of every metric; `sessions` are the loaded models' run counters, `monitors`
   * the latest run of each monitor watching the deployment.
   */
  render(
    sessions: { version: number; runs: number; rows: number }[] = [],
    monitors: readonly MonitorRunResult[] = [],
  ): string {
    const out: string[] = [];
    const d = { deployment: this.deployment };
    out.push(
      "# HELP mlc_http_requests_total HTTP requests by route, method and status.",
      "# TYPE mlc_http_requests_total counter",
    );
    for (const r of this.requests.values())
      out.push(
        `mlc_http_requests_total${labels({ ...d, route: r.route, method: r.method, status: r.status })} ${r.n}`,
      );
    out.push(
      "# HELP mlc_http_request_duration_seconds Request latency by route, and the model version and arm that scored it.",
      "# TYPE mlc_http_request_duration_seconds histogram",
    );
    for (const h of this.latency.values()) {
      const l = { ...d, route: h.route, model_version: h.version, arm: h.arm };
      let cum = 0;
      for (let b = 0; b < LATENCY_BUCKETS.length; b++) {
        cum += h.counts[b]!;
        out.push(
          `mlc_http_request_duration_seconds_bucket${labels({ ...l, le: LATENCY_BUCKETS[b]! })} ${cum}`,
        );
      }
      out.push(`mlc_http_request_duration_seconds_bucket${labels({ ...l, le: "+Inf" })} ${h.count}`);
      out.push(`mlc_http_request_duration_seconds_sum${labels(l)} ${promValue(h.sum)}`);
      out.push(`mlc_http_request_duration_seconds_count${labels(l)} ${h.count}`);
    }
    out.push(
      "# HELP mlc_predictions_total Rows scored, by model version and arm.",
      "# TYPE mlc_predictions_total counter",
    );
    for (const p of this.predictions.values())
      out.push(`mlc_predictions_total${labels({ ...d, model_version: p.version, arm: p.arm })} ${p.n}`);
    out.push(
      "# HELP mlc_predictions_by_class_total Returned predictions by model version and output class.",
      "# TYPE mlc_predictions_by_class_total counter",
    );
    for (const c of this.classes.values())
      out.push(
        `mlc_predictions_by_class_total${labels({ ...d, model_version: c.version, class: c.cls })} ${c.n}`,
      );
    out.push(
      "# HELP mlc_model_load_seconds Time to load and warm each model version.",
      "# TYPE mlc_model_load_seconds gauge",
    );
    for (const [v, s] of this.loads)
      out.push(`mlc_model_load_seconds${labels({ ...d, model_version: v })} ${s}`);
    out.push(
      "# HELP mlc_model_info The model versions serving and the arm each serves (1 per version and arm).",
      "# TYPE mlc_model_info gauge",
    );
    for (const m of this.models)
      out.push(`mlc_model_info${labels({ ...d, version: m.version, arm: m.arm })} 1`);
    out.push(
      "# HELP mlc_model_version The model version serving the stable arm (0 before loading).",
      "# TYPE mlc_model_version gauge",
    );
    out.push(`mlc_model_version${labels(d)} ${this.currentVersion}`);
    out.push(
      "# HELP mlc_candidate_version The rollout candidate's version (0 when no rollout).",
      "# TYPE mlc_candidate_version gauge",
    );
    out.push(`mlc_candidate_version${labels(d)} ${this.candidateVersion}`);
    out.push(
      "# HELP mlc_session_runs_total ONNX session runs per loaded model version (concurrent requests share runs).",
      "# TYPE mlc_session_runs_total counter",
    );
    for (const x of sessions)
      out.push(`mlc_session_runs_total${labels({ ...d, model_version: x.version })} ${x.runs}`);
    out.push(
      "# HELP mlc_session_rows_total Rows scored by ONNX session runs per loaded model version.",
      "# TYPE mlc_session_rows_total counter",
    );
    for (const x of sessions)
      out.push(`mlc_session_rows_total${labels({ ...d, model_version: x.version })} ${x.rows}`);
    const counter = (name: string, help: string, v: number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels(d)} ${v}`);
    };
    counter("mlc_model_swaps_total", "Hot swaps of the served model versions.", this.counters.swaps);
    counter(
      "mlc_model_load_failures_total",
      "Bundles that failed to load (the previous version kept serving).",
      this.counters.loadFailures,
    );
    counter(
      "mlc_shared_sync_failures_total",
      "Looks at the shared state's deployment pointer that failed (the version in use kept serving).",
      this.counters.sharedSyncFailures,
    );
    counter(
      "mlc_prediction_log_dropped_total",
      "Prediction log entries dropped because the writer fell behind or its store stayed down.",
      this.counters.logDropped,
    );
    counter(
      "mlc_prediction_log_write_failures_total",
      "Failed writes to the prediction log's store (the entries stay queued for the next attempt).",
      this.counters.logWriteFailures,
    );
    counter(
      "mlc_shadow_failures_total",
      "Shadow scorings that failed (never visible to clients).",
      this.counters.shadowFailures,
    );
    out.push(...processMetrics());
    const gauges = monitorGauges(monitors);
    if (gauges) out.push(gauges);
    counter(
      "mlc_review_queue_failures_total",
      "Predictions whose flagged events could not be written to the review queue (the prediction was still answered).",
      this.counters.reviewQueueFailures,
    );
    out.push(
      "# HELP mlc_recommend_cache_requests_total /v1/recommend requests by what the answer cache did: hit, miss, or unavailable (computed without it).",
      "# TYPE mlc_recommend_cache_requests_total counter",
      ...(["hit", "miss", "unavailable"] as const).map(
        (o) => `mlc_recommend_cache_requests_total${labels({ ...d, outcome: o })} ${this.recommendCache[o]}`,
      ),
    );
    counter(
      "mlc_recommend_cache_failures_total",
      "Reads and writes of /v1/recommend's answer cache that failed (the answer was computed and served anyway).",
      this.counters.recommendCacheFailures,
    );
    return out.join("\n") + "\n";
  }
}
