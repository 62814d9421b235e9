// A monitor's alert cooldown, shared by every process that runs the monitor: a run claims the alert
// (checks the last one and records its own) in one atomic step before posting, so two runs breaching
// at once send one alert; an alert that was not delivered gives the claim back.
import type { Json } from "../../ir/graph-ir.js";
import type { RegistryRecords } from "../../ir/state-store.js";
import { MONITOR_ALERTS } from "../../kinds/monitor/results.js";

export type AlertClaim = { claimed: true; previous: Json | undefined } | { claimed: false; lastAt: string };

const atOf = (v: Json | undefined): string | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) && typeof v.at === "string" ? v.at : undefined;

/** Records `at` as monitor `name`'s last alert unless one was sent within `cooldownSeconds` before it. */
export function claimAlert(
  records: RegistryRecords,
  name: string,
  at: string,
  cooldownSeconds: number,
): Promise<AlertClaim> {
  return records.atomically(`${MONITOR_ALERTS}.${name}`, async (r) => {
    const last = await r.get(MONITOR_ALERTS, name);
    const lastAt = atOf(last?.value);
    const since = lastAt === undefined ? Infinity : Date.parse(at) - Date.parse(lastAt);
    if (since < cooldownSeconds * 1000) return { claimed: false, lastAt: lastAt! };
    await r.put(MONITOR_ALERTS, name, { at });
    return { claimed: true, previous: last?.value };
  });
}

/** Gives back a claim whose alert was not delivered (only if no later alert has claimed since). */
export async function releaseAlert(
  records: RegistryRecords,
  name: string,
  at: string,
  previous: Json | undefined,
): Promise<void> {
  await records.atomically(`${MONITOR_ALERTS}.${name}`, async (r) => {
    if (atOf((await r.get(MONITOR_ALERTS, name))?.value) !== at) return;
    if (previous === undefined) await r.delete(MONITOR_ALERTS, name);
    else await r.put(MONITOR_ALERTS, name, previous);
  });
}
