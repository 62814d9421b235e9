// The Kubernetes CronJobs of a deployment's monitors, for `mlc export --container`: one
// `k8s/monitor-NAME.yaml` per monitor that apply registered for the deployment, running
// `mlc monitor NAME` in the deployment's image on the monitor's schedule. The job reads the shared
// state (MLC_STATE_URL) and the alert webhooks from the Secret `<deployment>-monitor`, and a database
// log's URL from `<deployment>-log`, as the server does.
import { join } from "node:path";
import { decodeRegistration, MONITORS } from "../../kinds/monitor/results.js";
import { k8sName, writeAtomic } from "../../serve/container.js";
import type { LogConfig } from "../../serve/log/types.js";
import { monitorCronJobYaml, ScheduleError } from "../../serve/monitor-cronjob.js";
import { openState } from "../state/open.js";

export interface MonitorJobsResult {
  /** Files written, relative to the output directory. */
  files: string[];
  /** Monitors left out, with why (a schedule no cron expression keeps). */
  skipped: string[];
}

export async function writeMonitorCronJobs(
  projectDir: string,
  outDir: string,
  deployment: string,
  image: string,
  log: LogConfig | undefined,
): Promise<MonitorJobsResult> {
  const state = await openState(projectDir);
  const out: MonitorJobsResult = { files: [], skipped: [] };
  try {
    const secret = `${k8sName(deployment)}-monitor`;
    for (const r of await state.records.list(MONITORS)) {
      const c = decodeRegistration(r.value).config;
      if (c.deployment !== deployment) continue;
      const secretEnv = [
        { name: "MLC_STATE_URL", secret, key: "MLC_STATE_URL" },
        ...c.onBreach.flatMap((a) =>
          a.kind === "alert" && "env" in a.url ? [{ name: a.url.env, secret, key: a.url.env }] : [],
        ),
      ];
      const store = log?.store;
      if (store && store.kind !== "files" && store.url_env)
        secretEnv.push({ name: store.url_env, secret: `${k8sName(deployment)}-log`, key: "url" });
      try {
        const yaml = monitorCronJobYaml({
          name: c.name,
          deployment,
          schedule: { everySeconds: c.scheduleSeconds },
          image,
          secretEnv,
        });
        const rel = `k8s/monitor-${k8sName(c.name)}.yaml`;
        writeAtomic(join(outDir, rel), yaml);
        out.files.push(rel);
      } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
        out.skipped.push(`monitor ${c.name}: ${e.message} (${e.hint})`);
      }
    }
    return out;
  } finally {
    await state.close();
  }
}
