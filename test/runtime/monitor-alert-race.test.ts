// Two `mlc monitor` runs of one monitor breaching at the same moment (cron on two hosts, or a run by
// hand beside the scheduled one): one alert inside the cooldown, not one per process.
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MonitorConfig } from "../../src/kinds/monitor/config.js";
import type { MonitorRun } from "../../src/kinds/monitor/results.js";
import { act } from "../../src/runtime/monitor/run-monitor.js";

const config: MonitorConfig = {
  name: "watch",
  deployment: "churn_api",
  window: { last: 100 },
  minRows: 10,
  scheduleSeconds: 60,
  cooldownSeconds: 3600,
  reference: "test",
  onBreach: [],
  assertions: [],
};
const run = (at: string): MonitorRun => ({
  monitor: "watch",
  seq: 0,
  at,
  deployment: "churn_api",
  modelVersion: 1,
  window: { from: null, to: null, rows: 100, spec: "last 100" },
  outcome: "breach",
  assertions: [],
  actions: [],
});

let server: Server | undefined;
afterEach(() => new Promise<void>((res) => (server ? server.close(() => res()) : res())));

/** A webhook answering `status` to every post; returns its URL and the posts it got. */
async function webhook(status: () => number): Promise<{ url: string; posts: unknown[] }> {
  const posts: unknown[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      posts.push(JSON.parse(body));
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((res) => server!.listen(0, "127.0.0.1", () => res()));
  const a = server.address();
  return { url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/alerts`, posts };
}

describe("a monitor's alert cooldown under concurrent runs", () => {
  it("two runs breaching at once send one alert; the other is skipped inside the cooldown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-alert-race-"));
    const hook = await webhook(() => 200);
    const alert = { kind: "alert" as const, url: { literal: hook.url } };
    const outcomes = await Promise.all([
      act(dir, alert, config, run("2026-12-04T03:00:00.000Z"), {}),
      act(dir, alert, config, run("2026-12-04T03:00:00.010Z"), {}),
    ]);
    expect(hook.posts).toHaveLength(1);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["done", "skipped"]);
    // a later run inside the cooldown is skipped too
    expect((await act(dir, alert, config, run("2026-12-04T03:30:00.000Z"), {})).outcome).toBe("skipped");
    expect(hook.posts).toHaveLength(1);
  });

  it("an alert that was not delivered does not start the cooldown: the next run sends it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-alert-race-"));
    let answer = 500;
    const hook = await webhook(() => answer);
    const alert = { kind: "alert" as const, url: { literal: hook.url } };
    const opts = { alert: { retries: 0, backoffMs: 1 } };
    expect((await act(dir, alert, config, run("2026-12-04T03:00:00.000Z"), opts)).outcome).toBe("failed");
    answer = 200;
    expect((await act(dir, alert, config, run("2026-12-04T03:01:00.000Z"), opts)).outcome).toBe("done");
    expect((await act(dir, alert, config, run("2026-12-04T03:02:00.000Z"), opts)).outcome).toBe("skipped");
    expect(hook.posts).toHaveLength(2);
  });
});
