// The monitor loop on the churn example against a real server on loopback and a real webhook
// receiver: apply (registers `monitor watch` from examples/churn/monitor.mlspec); replay rows of the
// data set with their labels → no breach (no false alarm) and a live AUC; replay a drifted stream
// (total_day_minutes +30%, international_plan flipped) → breach, exactly one alert (a second run
// inside the cooldown sends none), retrain applied through the gate; every run in --history.
// With the files log by default, and with the PostgreSQL log sink when MLC_TEST_PG_URL is set.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { register } from "../../src/cli/commands/monitor.js";
import { register as registerModels } from "../../src/cli/commands/models.js";
import { applyProject } from "../../src/runtime/project.js";
import {
  driftReportDir,
  latestMonitorResults,
  monitorHistory,
  runMonitor,
} from "../../src/runtime/monitor/run-monitor.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { monitorGauges } from "../../src/serve/monitor-gauges.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { runCommand } from "../serve/cli-harness.js";
import { runCli } from "../cli/run-cli.js";

const example = resolve(__dirname, "../../examples/churn");
const PG = process.env.MLC_TEST_PG_URL;

type Row = Record<string, string | number>;

function readRows(dir: string): Row[] {
  const [header, ...lines] = readFileSync(join(dir, "data/churn.csv"), "utf8").trim().split("\n");
  const names = header!.split(",");
  return lines.map((line) => {
    const values = line.split(",");
    const rec: Row = {};
    names.forEach((n, i) => {
      const v = values[i]!;
      rec[n] = v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
    });
    return rec;
  });
}

/** Serves the deployment on loopback, sends each record as its own request, posts the labels, stops. */
async function replay(dir: string, rows: Row[], labels: boolean): Promise<void> {
  const s = createPredictionServer({ projectDir: dir, deployment: "churn_api" });
  await s.loaded;
  const base = await s.listen(0, "127.0.0.1");
  try {
    const items: { request_id: string; label: string }[] = [];
    for (const row of rows) {
      const { churn, ...record } = row;
      const r = await fetch(`${base}/v1/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(record),
      });
      expect(r.status).toBe(200);
      items.push({
        request_id: ((await r.json()) as { request_id: string }).request_id,
        label: String(churn),
      });
    }
    if (labels) {
      const f = await fetch(`${base}/v1/feedback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ items }),
      });
      expect(f.status).toBe(200);
      expect(((await f.json()) as { stored: number }).stored).toBe(rows.length);
    }
  } finally {
    await s.close(); // flushes the log
  }
}

describe.each([
  ["files", undefined],
  ["postgres", PG],
] as const)("monitor on the churn example (%s log)", (sink, url) => {
  const skip = sink === "postgres" && !url;
  if (skip) it.skip("needs MLC_TEST_PG_URL (PostgreSQL log sink)", () => undefined);
  if (skip) return;
  let dir: string;
  let receiver: Server;
  const alerts: unknown[] = [];
  const table = `mlc_monitor_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlc-monitor-"));
    // without the example's experiment: a deploy refuses a new version beside a running experiment, and
    // this test's retrain ships one (the experiment has its own test)
    cpSync(example, dir, {
      recursive: true,
      filter: (src) => !src.includes(".mlc") && !src.endsWith("experiment.mlspec"),
    });
    const spec = join(dir, "churn.mlspec");
    let text = readFileSync(spec, "utf8")
      .replace(/trials\s*=\s*\d+/, "trials = 2")
      .replace(/trees\s*=\s*\d+/, "trees = 30"); // small trees: the loop is under test, not the model
    if (sink === "postgres")
      text = text.replace(
        'rollout = canary(10%, key = "state")',
        `rollout = canary(10%, key = "state")\n  log     = postgres { url = env("MLC_TEST_PG_URL")  table = "${table}" }`,
      );
    writeFileSync(spec, text);
    // 600 requests per replay: the window is the newest 600 rows
    const mon = join(dir, "monitor.mlspec");
    writeFileSync(mon, readFileSync(mon, "utf8").replace(/window\s*=\s*1d/, "last       = 600"));
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        alerts.push(JSON.parse(body));
        res.writeHead(200).end("{}");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const addr = receiver.address();
    process.env.ALERT_URL = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/hook`;
  });
  afterAll(async () => {
    if (sink === "postgres") {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_feedback`);
      await client.end();
    }
    delete process.env.ALERT_URL;
    await new Promise((r) => receiver.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("apply trains, deploys and registers the monitor", async () => {
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    expect(out.result.outcomes.find((o) => o.id === "monitor.watch")?.status).toBe("ok");
    // the container target runs the monitor as a CronJob on its schedule, secrets from <deployment>-monitor
    const image = join(dir, "image");
    const exported = await runCli(["export", "churn_api", dir, "--container", "--out", image, "--json"]);
    expect(exported.stderr).toBe("");
    expect((JSON.parse(exported.stdout) as { files: string[] }).files).toContain("k8s/monitor-watch.yaml");
    const job = readFileSync(join(image, "k8s/monitor-watch.yaml"), "utf8");
    expect(job).toMatch(/kind: "?CronJob"?/);
    expect(job).toMatch(/schedule: "?0 \* \* \* \*"?/);
    expect(job).toMatch(/name: "?churn-api-monitor"?/);
    expect(job).toContain("ALERT_URL");
    const shown = await runCommand(registerModels, ["models", "show", "churn_model", "--dir", dir]);
    expect(shown.out).toMatch(
      /reference profile .*: train \d+ rows, valid \d+ rows, test \d+ rows; 16 inputs, output\.score/,
    );
  });

  it("an empty log is not enough data: exit 4, no alarm", async () => {
    const r = await runCommand(register, ["monitor", "watch", "--dir", dir]);
    expect(r.out).toMatch(/NOT ENOUGH DATA/);
    expect(process.exitCode).toBe(4);
    process.exitCode = undefined;
    expect(alerts).toHaveLength(0);
  });

  it("rows of the training distribution with their labels: every assertion passes", async () => {
    const rows = readRows(dir)
      .filter((_, i) => i % 8 === 3)
      .slice(0, 600);
    await replay(dir, rows, true);
    const run = await runMonitor(dir, "watch");
    expect(run.assertions.map((a) => [a.text, a.status])).toEqual(
      run.assertions.map((a) => [a.text, "PASS"]),
    );
    expect(run.outcome).toBe("pass");
    expect(run.window.rows).toBe(600);
    const auc = run.assertions.find((a) => a.text.startsWith("live.auc"))!;
    expect(auc.values["live.auc"]).toBeGreaterThan(0.8);
    // close to the offline test AUC recorded with the version (some replayed rows were training rows)
    const state = await openState(dir);
    const offline = (await new ModelRegistry(state).version("churn_model", 1))!.metrics["test.auc"]!;
    await state.close();
    expect(Math.abs(auc.values["live.auc"]! - offline)).toBeLessThan(0.1);
    expect(auc.rows).toBe(600);
    expect(run.actions).toEqual([]);
    expect(alerts).toHaveLength(0);
  });

  it("a drifted stream breaches: one alert with the report, retrain applied; inside the cooldown no second alert", async () => {
    const rows = readRows(dir)
      .filter((_, i) => i % 8 === 5)
      .slice(0, 600)
      .map((r) => ({
        ...r,
        total_day_minutes: Math.round(Number(r.total_day_minutes) * 1.3 * 10) / 10,
        international_plan: r.international_plan === "yes" ? "no" : "yes",
      }));
    await replay(dir, rows, false);
    // the data moved for good: new labelled rows arrive, so retrain trains a new version on them
    const csv = join(dir, "data/churn.csv");
    const lines = readFileSync(csv, "utf8").trimEnd().split("\n");
    writeFileSync(csv, [...lines, ...lines.slice(1, 301)].join("\n") + "\n");
    const run = await runMonitor(dir, "watch");
    expect(run.outcome).toBe("breach");
    const status = Object.fromEntries(run.assertions.map((a) => [a.text, a.status]));
    expect(status["drift(total_day_minutes) < 0.1"]).toBe("BREACH");
    expect(status["drift(international_plan, psi) < 0.2"]).toBe("BREACH");
    expect(status["live.auc >= 0.8"]).toBe("NOT ENOUGH DATA"); // no labels for the drifted requests
    expect(run.actions.map((a) => [a.kind, a.outcome])).toEqual([
      ["alert", "done"],
      ["retrain", "done"],
    ]);
    expect(alerts).toHaveLength(1);
    const report = alerts[0] as {
      monitor: string;
      model_version: number;
      breached: { assertion: string; threshold: number; statistics: Record<string, number> }[];
    };
    expect(report.monitor).toBe("watch");
    expect(report.model_version).toBe(1);
    const day = report.breached.find((b) => b.assertion === "drift(total_day_minutes) < 0.1")!;
    expect(day.threshold).toBe(0.1);
    expect(day.statistics["drift(total_day_minutes, ks)"]).toBeGreaterThan(0.1);

    // the run's drift report, and the gauges /metrics exports from the latest run
    const html = readFileSync(join(driftReportDir(dir, "watch"), "drift-report.html"), "utf8");
    expect(html).toContain("drift(total_day_minutes) &lt; 0.1");
    expect(html).toContain("total_day_minutes");
    expect(html).not.toMatch(/<script|(src|href)="https?:/);
    const latest = await latestMonitorResults(dir, "churn_api");
    expect(latest).toHaveLength(1);
    const gauges = monitorGauges(latest);
    expect(gauges).toMatch(
      /mlc_monitor_breach\{deployment="churn_api",monitor="watch",feature="total_day_minutes",test="ks",assertion="drift\(total_day_minutes\) < 0\.1"\} 1/,
    );

    // the retrained version passed the gate and went out as the deploy declares: a 10% canary
    const pointer = readDeployment(dir, "churn_api")!;
    expect(pointer.version).toBe(1);
    expect(pointer.rollout).toMatchObject({ kind: "canary", share: 0.1, candidate: { version: 2 } });

    const again = await runMonitor(dir, "watch");
    expect(again.outcome).toBe("breach");
    expect(again.actions[0]).toMatchObject({ kind: "alert", outcome: "skipped" });
    expect(alerts).toHaveLength(1);

    const history = await monitorHistory(dir, "watch");
    expect(history.map((h) => h.outcome)).toEqual(["not_enough_data", "pass", "breach", "breach"]);
    const listed = await runCommand(register, ["monitor", "watch", "--history", "--dir", dir]);
    expect(listed.out.trim().split("\n")).toHaveLength(4);
    expect(listed.out).toMatch(/breach .*actions: alert done, retrain done/);
  }, 180_000);

  it("--watch runs at once and on the schedule until SIGTERM, then exits 0 (built CLI)", async () => {
    const cli = resolve(__dirname, "../../dist/src/cli/main.js");
    const child = spawn(process.execPath, [cli, "monitor", "watch", "--watch", "--dir", dir], {
      env: { ...process.env },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const end = Date.now() + 150_000;
    while (!out.includes("assertions breached") && Date.now() < end)
      await new Promise((r) => setTimeout(r, 200));
    expect(out).toMatch(/^monitor watch \(run 5\)/);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect((await monitorHistory(dir, "watch")).length).toBe(5);
  }, 180_000);
});
