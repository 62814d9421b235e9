// The anomaly example end to end against the real Redis (MLC_TEST_REDIS_URL): `mlc apply` trains the
// forest and records the stream target with its alert, the built `mlc serve` consumes, the example's
// replay script writes sensor rows to the stream, every row gets one `{score, anomaly, threshold}`
// output, the burst of anomalies posts one alert to a receiver on loopback, and the state records it.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import { ALERT_COLLECTION } from "../../src/serve/stream-alert-dispatch.js";
import { readStreamTarget } from "../../src/serve/stream-config.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;
const cli = resolve("dist/src/cli/main.js");
const built = existsSync(resolve("dist/src/serve/stream-alert-dispatch.js"));
const example = resolve(__dirname, "../../examples/anomaly");

describe.skipIf(!REDIS || !built)(
  `the anomaly example on a stream${!REDIS ? " (skipped: MLC_TEST_REDIS_URL is not set)" : !built ? " (skipped: needs npm run build)" : ""}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-anomaly-stream-"));
    const base = `mlc-test-anomaly-${process.pid}`;
    const redis = REDIS ? new Redis(REDIS) : undefined;
    const children: ChildProcess[] = [];
    const alerts: Record<string, unknown>[] = [];
    let server: Server | undefined;
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      const keys = [
        ...(await redis!.keys(`mlc:stream:${base}*`)),
        ...(await redis!.keys(`mlc:alert:${base}*`)),
      ];
      await redis!.del(
        `${base}.readings`,
        `${base}.scores`,
        `${base}.scores.alerts`,
        `${base}.readings.dead`,
        ...keys,
      );
      await redis!.quit();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      rmSync(dir, { recursive: true, force: true });
    });
    const until = async (what: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    it("applies, serves the stream, scores every replayed row once and alerts on the burst", async () => {
      // the example as it is, on stream names of this test only
      cpSync(example, dir, { recursive: true, filter: (s) => !s.includes(".mlc") });
      const spec = join(dir, "shuttle.mlspec");
      writeFileSync(
        spec,
        readFileSync(spec, "utf8")
          .replaceAll('"shuttle.readings"', `"${base}.readings"`)
          .replaceAll('"shuttle.scores"', `"${base}.scores"`),
      );
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          alerts.push(JSON.parse(body) as Record<string, unknown>);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
      const env = {
        ...process.env,
        MLC_STREAM_URL: REDIS!,
        ALERT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
      };

      execFileSync(process.execPath, [cli, "apply", dir, "--parallel", "2"], { env, stdio: "pipe" });
      expect(readStreamTarget(dir, "radiator_watch")).toMatchObject({
        url_env: "MLC_STREAM_URL",
        input: `${base}.readings`,
        output: `${base}.scores`,
        alerts: [
          {
            name: "burst",
            webhook_env: "ALERT_URL",
            count: 5,
            within_ms: 600_000,
            cooldown_ms: 1_800_000,
            retries: 3,
          },
        ],
      });

      const child = spawn(process.execPath, [cli, "serve", "radiator_watch", "--dir", dir], {
        stdio: ["ignore", "pipe", "pipe"],
        env,
      });
      children.push(child);
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      await until(() => out.includes("consuming"));

      const replay = execFileSync(
        process.execPath,
        [join(example, "replay.mjs"), "--stream", `${base}.readings`, "--rows", "300", "--seed", "7"],
        { env, encoding: "utf8" },
      );
      expect(replay).toMatch(/^replay: 300 rows of data\/shuttle.csv onto .* \(seed 7\)/);
      await until(async () => (await redis!.xlen(`${base}.scores`)) >= 300);

      const outputs = (await redis!.xrange(`${base}.scores`, "-", "+")).map(([, f]) => {
        const o: Record<string, string> = {};
        for (let i = 0; i + 1 < f.length; i += 2) o[f[i]!] = f[i + 1]!;
        return o;
      });
      expect(outputs).toHaveLength(300);
      expect(new Set(outputs.map((o) => o.id)).size).toBe(300);
      expect(await redis!.xlen(`${base}.readings.dead`)).toBe(0);
      const predictions = outputs.map(
        (o) => JSON.parse(o.prediction!) as { score: number; anomaly: boolean; threshold: number },
      );
      const threshold = predictions[0]!.threshold;
      for (const p of predictions) {
        expect(p.threshold).toBe(threshold);
        expect(p.anomaly).toBe(p.score >= threshold);
      }
      const flagged = outputs.filter((_, i) => predictions[i]!.anomaly).map((o) => o.id!);
      // the seed's sample holds a burst: at least 5 flagged rows, all within the 10-minute window
      expect(flagged.length).toBeGreaterThanOrEqual(5);

      await until(() => alerts.length >= 1);
      await new Promise((r) => setTimeout(r, 500)); // the cooldown holds back any other
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        deployment: "radiator_watch",
        rule: "burst",
        count: 5,
        within_s: 600,
        events: flagged.slice(0, 5),
        event: flagged[4],
        suppressed: 0,
      });

      child.kill("SIGTERM");
      await until(() => child.exitCode !== null);
      expect(child.exitCode).toBe(0);
      expect(out).toMatch(
        /stopped after 300 scored, 0 dead-lettered, 0 duplicates skipped, 1 alert delivered \(0 failed\)/,
      );

      const state = await openState(dir);
      try {
        const records = await state.records.list(ALERT_COLLECTION, "radiator_watch/");
        expect(records).toHaveLength(1);
        expect(records[0]!.value).toMatchObject({
          rule: "burst",
          delivered: true,
          attempts: 1,
          status: 204,
          events: flagged.slice(0, 5),
        });
      } finally {
        await state.close();
      }
    }, 180_000);
  },
);
