// The container target's Kubernetes CronJob for a monitor: runs `mlc monitor NAME` in the deployment's
// image on the monitor's schedule (a cron expression, or a period such as `15m` turned into one),
// never two runs at once, with the environment and Secret references the checks and actions need.
import { IMAGE_PROJECT_DIR, k8sName } from "./container.js";
import { containerSecurityContext, podSecurityContext, scratchVolume } from "./k8s-security.js";
import { toYaml, type YamlValue } from "./yaml.js";

/** A monitor's schedule: a 5-field cron expression (UTC), or a period in seconds (`schedule = 1h`). */
export type MonitorSchedule = { cron: string } | { everySeconds: number };

export interface MonitorCronJobOptions {
  /** The monitor block's name: the job runs `mlc monitor NAME`. */
  name: string;
  /** The deployment it watches (a label on the job; optional). */
  deployment?: string;
  schedule: MonitorSchedule;
  /** The image: the deployment's image from the container target. */
  image: string;
  namespace?: string;
  /** Plain environment variables. */
  env?: Readonly<Record<string, string>>;
  /** Variables read from Secrets: the log sink's URL, the state store's, ALERT_URL… */
  secretEnv?: readonly { name: string; secret: string; key: string }[];
  /**
   * Whether the monitor writes nothing in the image's filesystem (its state store and log are
   * external, e.g. PostgreSQL through MLC_STATE_URL): then the root filesystem is read-only.
   * Default false, as the embedded state store is a file in the project.
   */
  readOnlyRootFilesystem?: boolean;
  cpuRequest?: string;
  memoryRequest?: string;
  memoryLimit?: string;
}

/** A schedule a CronJob cannot express, with what to write instead. */
export class ScheduleError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "ScheduleError";
  }
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
/** minute, hour, day of month, month, day of week: the ranges each field's numbers must fall in. */
const CRON_RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function checkCron(expr: string): string {
  const fields = expr.trim().split(/\s+/);
  const hint =
    "a cron expression has 5 fields: minute hour day-of-month month day-of-week, e.g. `*/15 * * * *`";
  if (fields.length !== 5)
    throw new ScheduleError(`schedule '${expr}' has ${fields.length} fields, not 5`, hint);
  fields.forEach((f, i) => {
    if (!CRON_FIELD.test(f))
      throw new ScheduleError(`schedule '${expr}': field '${f}' is not a cron field`, hint);
    const [lo, hi] = CRON_RANGES[i]!;
    for (const part of f.split(",")) {
      const [range, step] = part.split("/");
      const nums = range === "*" ? [] : range!.split("-").map(Number);
      if (nums.some((n) => n < lo || n > hi) || (step !== undefined && Number(step) < 1))
        throw new ScheduleError(`schedule '${expr}': field '${f}' is outside ${lo}–${hi}`, hint);
    }
  });
  return fields.join(" ");
}

/**
 * The cron expression of a schedule. A period becomes the cron expression that runs at exactly that
 * period: minutes dividing an hour, hours dividing a day, one day or one week; any other period
 * drifts on a clock-based schedule, so it is refused with a hint (ScheduleError).
 */
export function cronOf(schedule: MonitorSchedule): string {
  if ("cron" in schedule) return checkCron(schedule.cron);
  const s = schedule.everySeconds;
  const hint =
    "use a period of 1–30 minutes dividing an hour (1m, 5m, 15m, 30m), hours dividing a day (1h, 2h, 6h, 12h), 1d or 7d, or a cron expression";
  if (!Number.isInteger(s) || s <= 0 || s % 60 !== 0)
    throw new ScheduleError(
      `a CronJob runs at most once a minute, on whole minutes; the schedule is ${s} s`,
      hint,
    );
  const m = s / 60;
  if (m < 60 && 60 % m === 0) return m === 1 ? "* * * * *" : `*/${m} * * * *`;
  if (m % 60 === 0) {
    const h = m / 60;
    if (h < 24 && 24 % h === 0) return h === 1 ? "0 * * * *" : `0 */${h} * * *`;
    if (h === 24) return "0 0 * * *";
    if (h === 168) return "0 0 * * 0";
  }
  throw new ScheduleError(`a period of ${s} s has no exact cron expression`, hint);
}

/** The CronJob (batch/v1) as a plain value. Throws ScheduleError for a schedule it cannot express. */
export function monitorCronJob(o: MonitorCronJobOptions): Record<string, YamlValue> {
  const name = k8sName(`mlc-monitor-${o.name}`);
  const labels: Record<string, YamlValue> = {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": "monitor",
    "app.kubernetes.io/managed-by": "mlc",
    ...(o.deployment ? { "mlc.dev/deployment": k8sName(o.deployment) } : {}),
  };
  const env: YamlValue[] = [
    ...Object.keys(o.env ?? {})
      .sort()
      .map((k) => ({ name: k, value: o.env![k]! })),
    ...(o.secretEnv ?? []).map((e) => ({
      name: e.name,
      valueFrom: { secretKeyRef: { name: e.secret, key: e.key } },
    })),
  ];
  const readOnly = o.readOnlyRootFilesystem ?? false;
  const scratch = readOnly ? [scratchVolume("tmp", "/tmp")] : [];
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: {
      name,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      labels,
      annotations: { "mlc.dev/monitor": o.name },
    },
    spec: {
      schedule: cronOf(o.schedule),
      timeZone: "Etc/UTC",
      // a slow run is never overlapped by the next one (which would alert twice)
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          // a breach exits non-zero; retrying it would only repeat the run, so the next schedule runs instead
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              securityContext: podSecurityContext(),
              containers: [
                {
                  name: "mlc-monitor",
                  image: o.image,
                  imagePullPolicy: "IfNotPresent",
                  args: ["monitor", o.name, "--dir", IMAGE_PROJECT_DIR],
                  env,
                  resources: {
                    requests: { cpu: o.cpuRequest ?? "250m", memory: o.memoryRequest ?? "512Mi" },
                    limits: { memory: o.memoryLimit ?? "1Gi" },
                  },
                  securityContext: containerSecurityContext(readOnly),
                  ...(scratch.length ? { volumeMounts: scratch.map((v) => v.mount) } : {}),
                },
              ],
              ...(scratch.length ? { volumes: scratch.map((v) => v.volume) } : {}),
            },
          },
        },
      },
    },
  };
}

/** The CronJob as YAML, for `k8s/monitor-<name>.yaml` beside the deployment's manifests. */
export function monitorCronJobYaml(o: MonitorCronJobOptions): string {
  return toYaml(monitorCronJob(o));
}
