// A stream target end to end (MLC_TEST_REDIS_URL; MLC_TEST_NATS_URL for `transport = nats`): apply
// records the target, the built `mlc serve` consumes the events; one consumer is killed with SIGKILL
// mid-stream, another claims (NATS: is redelivered) its pending events, and every input event has
// exactly one output; SIGTERM drains and exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { connect, headers } from "nats";
import { afterAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { readStreamTarget } from "../../src/serve/stream-config.js";
import { jetStreamNameOf } from "../../src/serve/stream-nats.js";

const REDIS = process.env.MLC_TEST_REDIS_URL;
const NATS = process.env.MLC_TEST_NATS_URL;
const cli = resolve("dist/src/cli/main.js");
const built = existsSync(resolve("dist/src/serve/stream-serve.js"));

describe.skipIf(!REDIS || !built)(
  `mlc serve with a stream target${!REDIS ? " (skipped: MLC_TEST_REDIS_URL is not set)" : !built ? " (skipped: needs npx tsc -p tsconfig.json)" : ""}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-stream-"));
    const base = `mlc-test-e2e-${process.pid}`;
    const redis = REDIS ? new Redis(REDIS) : undefined;
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      const keys = await redis!.keys(`mlc:stream:${base}*`);
      await redis!.del(`${base}:events`, `${base}:scores`, `${base}:dead`, ...keys);
      await redis!.quit();
      rmSync(dir, { recursive: true, force: true });
    });

    const serve = (): { child: ChildProcess; out: () => string } => {
      const child = spawn(process.execPath, [cli, "serve", "flower_stream", "--dir", dir], {
        stdio: ["ignore", "pipe", "pipe"],
        env: process.env,
      });
      children.push(child);
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      return { child, out: () => out };
    };
    const until = async (what: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    it("applies, consumes, survives a SIGKILL with exactly one output per event, and drains on SIGTERM", async () => {
      cpSync(resolve(__dirname, "../../examples/iris"), dir, {
        recursive: true,
        filter: (s) => !s.includes(".mlc"),
      });
      appendFileSync(
        join(dir, "iris.mlspec"),
        `
deploy flower_stream {
  model = forest
  serve = stream {
    url        = env("MLC_TEST_REDIS_URL")
    input      = "${base}:events"
    output     = "${base}:scores"
    dead_letter = "${base}:dead"
    batch      = 20
    claim_idle = 1s
    workers    = 2
  }
}
`,
      );
      const applied = await applyProject(dir, { log: () => undefined, parallel: 2 });
      expect(applied.ok && applied.result.ok).toBe(true);
      expect(readStreamTarget(dir, "flower_stream")).toMatchObject({
        url_env: "MLC_TEST_REDIS_URL",
        group: "mlc-flower_stream",
        batch: 20,
        claim_idle_ms: 1000,
        workers: 2,
      });
      expect(existsSync(join(dir, ".mlc/containers/flower_stream/k8s/deployment.yaml"))).toBe(true);
      expect(readFileSync(join(dir, ".mlc/deployments/flower_stream/stream.json"), "utf8")).not.toContain(
        "redis://",
      );

      const rows = readFileSync(join(dir, "data/iris.csv"), "utf8").trim().split("\n").slice(1);
      const n = 3000;
      const first = serve();
      await until(() => first.out().includes("consuming"));
      expect(first.out()).toMatch(/with 2 consumers, forest version 1/);
      const p = redis!.pipeline();
      for (let i = 0; i < n; i++) {
        const [a, b, c, d] = rows[i % rows.length]!.split(",").map(Number);
        p.xadd(
          `${base}:events`,
          "*",
          "id",
          `f${i}`,
          "data",
          JSON.stringify({ sepal_length_cm: a, sepal_width_cm: b, petal_length_cm: c, petal_width_cm: d }),
        );
      }
      await p.exec();
      // kill -9 mid-stream: its unacknowledged batches stay pending in the group
      await until(async () => (await redis!.xlen(`${base}:scores`)) >= 200);
      first.child.kill("SIGKILL");
      await new Promise((r) => first.child.once("exit", r));
      expect(await redis!.xlen(`${base}:scores`)).toBeLessThan(n);

      const second = serve();
      await until(async () => {
        const pending = (await redis!.xpending(`${base}:events`, "mlc-flower_stream")) as [number];
        return (await redis!.xlen(`${base}:scores`)) >= n && Number(pending[0]) === 0;
      });
      const out = await redis!.xrange(`${base}:scores`, "-", "+");
      const ids = out.map(([, f]) => f[f.indexOf("id") + 1]);
      expect(out.length).toBe(n);
      expect(new Set(ids).size).toBe(n);
      const pred = JSON.parse(out[0]![1][out[0]![1].indexOf("prediction") + 1]!) as { label: string };
      expect(["setosa", "versicolor", "virginica"]).toContain(pred.label);
      expect(await redis!.xlen(`${base}:dead`)).toBe(0);

      const code = await new Promise<number | null>((r) => {
        second.child.once("exit", (c) => r(c));
        second.child.kill("SIGTERM");
      });
      expect(code, second.out()).toBe(0);
      expect(second.out()).toMatch(/SIGTERM, draining/);
      expect(second.out()).toMatch(/stopped after \d+ scored, 0 dead-lettered/);
    }, 120_000);
  },
);

describe.skipIf(!NATS || !built)(
  `mlc serve with a NATS JetStream target${!NATS ? " (skipped: MLC_TEST_NATS_URL is not set)" : !built ? " (skipped: needs npx tsc -p tsconfig.json)" : ""}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-stream-nats-"));
    const base = `mlc-test-e2e-${process.pid}`;
    const subjects = [`${base}.events`, `${base}.scores`, `${base}.dead`];
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      const nc = await connect({ servers: NATS! });
      const jsm = await nc.jetstreamManager();
      for (const s of subjects) await jsm.streams.delete(jetStreamNameOf(s)).catch(() => undefined);
      await nc.drain();
      rmSync(dir, { recursive: true, force: true });
    });
    const serve = (): { child: ChildProcess; out: () => string } => {
      const child = spawn(process.execPath, [cli, "serve", "flower_nats", "--dir", dir], {
        stdio: ["ignore", "pipe", "pipe"],
        env: process.env,
      });
      children.push(child);
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      return { child, out: () => out };
    };
    const until = async (what: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await what())) {
        if (Date.now() > end) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it("applies, consumes, survives a SIGKILL with exactly one output per event, and drains on SIGTERM", async () => {
      cpSync(resolve(__dirname, "../../examples/iris"), dir, {
        recursive: true,
        filter: (s) => !s.includes(".mlc"),
      });
      appendFileSync(
        join(dir, "iris.mlspec"),
        `
deploy flower_nats {
  model = forest
  serve = stream {
    transport   = nats
    url         = env("MLC_TEST_NATS_URL")
    input       = "${base}.events"
    output      = "${base}.scores"
    dead_letter = "${base}.dead"
    batch       = 20
    claim_idle  = 1s
    workers     = 2
  }
}
`,
      );
      const applied = await applyProject(dir, { log: () => undefined, parallel: 2 });
      expect(applied.ok && applied.result.ok).toBe(true);
      expect(readStreamTarget(dir, "flower_nats")).toMatchObject({
        transport: "nats",
        url_env: "MLC_TEST_NATS_URL",
        group: "mlc-flower_nats",
        claim_idle_ms: 1000,
        workers: 2,
      });
      expect(existsSync(join(dir, ".mlc/containers/flower_nats/k8s/deployment.yaml"))).toBe(true);

      const nc = await connect({ servers: NATS! });
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const count = async (subject: string): Promise<number> =>
        (await jsm.streams.info(jetStreamNameOf(subject)).catch(() => undefined))?.state.messages ?? 0;
      try {
        const rows = readFileSync(join(dir, "data/iris.csv"), "utf8").trim().split("\n").slice(1);
        const n = 2000;
        const first = serve();
        await until(() => first.out().includes("consuming"));
        expect(first.out()).toMatch(/on NATS JetStream with 2 consumers, forest version 1/);
        for (let i = 0; i < n; i += 200)
          await Promise.all(
            Array.from({ length: Math.min(200, n - i) }, (_, k) => {
              const [a, b, c, d] = rows[(i + k) % rows.length]!.split(",").map(Number);
              const h = headers();
              h.set("Nats-Msg-Id", `f${i + k}`);
              return js.publish(
                `${base}.events`,
                JSON.stringify({
                  sepal_length_cm: a,
                  sepal_width_cm: b,
                  petal_length_cm: c,
                  petal_width_cm: d,
                }),
                { headers: h },
              );
            }),
          );
        // kill -9 mid-stream: its unacknowledged batches are redelivered after claim_idle
        await until(async () => (await count(`${base}.scores`)) >= 200);
        first.child.kill("SIGKILL");
        await new Promise((r) => first.child.once("exit", r));
        expect(await count(`${base}.scores`)).toBeLessThan(n);

        const second = serve();
        const consumer = async () => jsm.consumers.info(jetStreamNameOf(`${base}.events`), "mlc-flower_nats");
        await until(async () => {
          const c = await consumer();
          return (await count(`${base}.scores`)) >= n && c.num_pending + c.num_ack_pending === 0;
        });
        await new Promise((r) => setTimeout(r, 1500)); // past claim_idle: time for a wrong second output
        const ids: string[] = [];
        const name = jetStreamNameOf(`${base}.scores`);
        const info = await jsm.streams.info(name);
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
          const m = await jsm.streams.getMessage(name, { seq });
          ids.push((JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id);
        }
        expect(ids.length).toBe(n);
        expect(new Set(ids).size).toBe(n);
        expect(await count(`${base}.dead`)).toBe(0);

        const code = await new Promise<number | null>((r) => {
          second.child.once("exit", (c) => r(c));
          second.child.kill("SIGTERM");
        });
        expect(code, second.out()).toBe(0);
        expect(second.out()).toMatch(/SIGTERM, draining/);
        expect(second.out()).toMatch(/stopped after \d+ scored, 0 dead-lettered/);
      } finally {
        await nc.drain();
      }
    }, 180_000);
  },
);
