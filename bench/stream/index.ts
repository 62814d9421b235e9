// `npm run bench -- stream`: events per second and p99 end-to-end latency of a stream target's consumer
// against a bare ioredis XREADGROUP → XADD → XACK loop with no model, both on the same Redis in the same run.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { writeDeployment } from "../../src/serve/deployment.js";
import type { StreamTarget } from "../../src/serve/stream-config.js";
import { ensureGroup } from "../../src/serve/stream-consumer.js";
import { startStreamService } from "../../src/serve/stream-serve.js";
import { buildBenchBundle } from "../serve/index.js";

const URL_ENV = "MLC_BENCH_REDIS_URL";
const BATCH = 256;

const record = (i: number): string =>
  JSON.stringify({
    tenure: i % 72,
    monthly: 20 + (i % 90),
    total: (i % 72) * (20 + (i % 90)),
    tickets: i % 5,
    plan: ["basic", "standard", "premium"][i % 3],
    contract: i % 4 === 0 ? "yearly" : "monthly",
  });

/** A consumer under test: started on a target, stopped when the run ends. */
interface Contender {
  name: string;
  start(t: StreamTarget): Promise<() => Promise<void>>;
}

/** The peer: read a batch, add one output per event, acknowledge; no parsing, no model. */
function bareLoop(url: string): Contender {
  return {
    name: "bare ioredis loop",
    async start(t) {
      const r = new Redis(url);
      await ensureGroup(r, t);
      let stopping = false;
      const loop = (async () => {
        while (!stopping) {
          const reply = (await r.xreadgroup(
            "GROUP",
            t.group,
            "bare",
            "COUNT",
            BATCH,
            "BLOCK",
            50,
            "STREAMS",
            t.input,
            ">",
          )) as [string, [string, string[]][]][] | null;
          const entries = reply?.[0]?.[1] ?? [];
          if (!entries.length) continue;
          const p = r.pipeline();
          for (const [id, f] of entries)
            p.xadd(t.output, "*", "id", f[f.indexOf("id") + 1] ?? id, "entry", id);
          p.xack(t.input, t.group, ...entries.map((e) => e[0]));
          await p.exec();
        }
      })();
      return async () => {
        stopping = true;
        await loop;
        await r.quit();
      };
    },
  };
}

function mlcConsumer(project: string): Contender {
  return {
    name: "mlc stream consumer",
    async start(t) {
      const s = await startStreamService({
        projectDir: project,
        deployment: "bench_api",
        target: t,
        blockMs: 50,
      });
      return () => s.stop();
    },
  };
}

interface Figures {
  eps: number;
  p50: number;
  p99: number;
}

const msOf = (streamId: string): number => Number(streamId.slice(0, streamId.indexOf("-")));

/**
 * A backlog of `n` events drained (throughput), then `paced` events at `rate` per second (latency:
 * the output entry's time minus the input entry's, both stamped by the Redis server's clock).
 */
async function measure(
  redis: Redis,
  url: string,
  c: Contender,
  n: number,
  rate: number,
  paced: number,
  tag: string,
): Promise<Figures> {
  const base = `mlc-bench-${process.pid}-${tag}`;
  const t: StreamTarget = {
    format: "mlc-stream/1",
    url_env: URL_ENV,
    input: `${base}:in`,
    output: `${base}:out`,
    group: `${base}:g`,
    dead_letter: `${base}:dead`,
    batch: BATCH,
    claim_idle_ms: 30_000,
    dedup_s: 600,
    workers: 1,
  };
  process.env[URL_ENV] = url;
  try {
    for (let i = 0; i < n; i += 5000) {
      const p = redis.pipeline();
      for (let j = i; j < Math.min(n, i + 5000); j++) p.xadd(t.input, "*", "id", `e${j}`, "data", record(j));
      await p.exec();
    }
    const stop = await c.start(t);
    const t0 = process.hrtime.bigint();
    while ((await redis.xlen(t.output)) < n) await new Promise((r) => setTimeout(r, 5));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // latency at a steady rate below capacity
    const gap = 1000 / rate;
    const startAt = Date.now();
    for (let i = 0; i < paced; i++) {
      const due = startAt + i * gap;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await redis.xadd(t.input, "*", "id", `p${i}`, "data", record(i));
    }
    while ((await redis.xlen(t.output)) < n + paced) await new Promise((r) => setTimeout(r, 5));
    await stop();
    const out = await redis.xrange(t.output, "-", "+");
    const lat = out
      .slice(n)
      .map(([id, f]) => msOf(id) - msOf(f[f.indexOf("entry") + 1]!))
      .sort((a, b) => a - b);
    const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    return { eps: n / seconds, p50: q(0.5), p99: q(0.99) };
  } finally {
    const done = await redis.keys(`mlc:stream:${t.output}:*`);
    for (let i = 0; i < done.length; i += 10_000) await redis.del(...done.slice(i, i + 10_000));
    await redis.del(t.input, t.output, t.dead_letter);
  }
}

/** Whether Redis answers at `url` (one attempt, no retries). */
async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * `--events=N` sets the backlog (30,000 by default); `--smoke` drains 500 and paces 100 (the test
 * suite's smoke run). Skips with a message when Redis does not answer.
 */
export async function run(args: string[]): Promise<void> {
  const url = process.env.MLC_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const smoke = args.includes("--smoke");
  const n = Number(args.find((a) => a.startsWith("--events="))?.slice(9) ?? (smoke ? 500 : 30_000));
  const paced = smoke ? 100 : 2000;
  if (!(await answers(url))) {
    process.stdout.write(`skipped: Redis does not answer at ${url} (set MLC_TEST_REDIS_URL)\n`);
    return;
  }
  const redis = new Redis(url);
  const project = mkdtempSync(join(tmpdir(), "mlc-bench-stream-"));
  try {
    buildBenchBundle(join(project, ".mlc/bundles/bench_api/v1"));
    writeDeployment(project, "bench_api", { version: 1, bundle: ".mlc/bundles/bench_api/v1" }, "bench");
    process.stdout.write(
      `${n} events backlog, then ${paced} events at 1000/s; batch ${BATCH}, one consumer\n`,
    );
    const load = (): string => `load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`;
    process.stdout.write(`before: ${load()}\n`);
    const bare = await measure(redis, url, bareLoop(url), n, 1000, paced, "bare");
    const mlc = await measure(redis, url, mlcConsumer(project), n, 1000, paced, "mlc");
    for (const [name, f] of [
      ["bare ioredis loop", bare],
      ["mlc stream consumer", mlc],
    ] as const)
      process.stdout.write(
        `${name.padEnd(22)} ${f.eps.toFixed(0).padStart(8)} events/s   p50 ${f.p50} ms   p99 ${f.p99} ms\n`,
      );
    process.stdout.write(
      `mlc / bare throughput: ${(mlc.eps / bare.eps).toFixed(2)} (target ≥ 0.50)   p99 mlc ${mlc.p99} ms vs bare ${bare.p99} ms; after: ${load()}\n`,
    );
  } finally {
    rmSync(project, { recursive: true, force: true });
    await redis.quit();
  }
}
