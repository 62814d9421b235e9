import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { startServe, type ServeFlags } from "../../src/cli/commands/serve.js";
import { CliExit } from "../../src/cli/exit.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { buildFixtureBundle, tempProject } from "./fixtures.js";

const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };

function project(): string {
  const p = tempProject();
  buildFixtureBundle(join(p, ".mlc/bundles/churn_api/v1"), { version: 1 });
  writeDeployment(p, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "deploy");
  return p;
}

const flags = (dir: string, extra: Partial<ServeFlags> = {}): ServeFlags => ({
  dir,
  port: "0",
  host: "127.0.0.1",
  maxBatch: "1024",
  bodyLimit: "1mb",
  predictionLog: false,
  ...extra,
});

async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await f();
  } finally {
    process.stdout.write = orig;
  }
}

describe("mlc serve", () => {
  it("listens on --port 0 and reports the bound address", async () => {
    const { server, address } = await quietly(() => startServe("churn_api", flags(project())));
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(address).not.toMatch(/:0$/);
    const res = await fetch(`${address}/v1/predict`, { method: "POST", body: JSON.stringify(rec) });
    expect(res.status).toBe(200);
    await server.close();
  });

  it("rejects bad flags and unknown deployments with a clear message", async () => {
    const p = project();
    await expect(startServe("churn_api", flags(p, { port: "99999" }))).rejects.toThrow(
      /--port must be an integer from 0 to 65535/,
    );
    await expect(startServe("churn_api", flags(p, { bodyLimit: "lots" }))).rejects.toThrow(
      /invalid size 'lots'/,
    );
    await expect(startServe("churn_api", flags(p, { headersTimeout: "0" }))).rejects.toThrow(
      /--headers-timeout must be a number of seconds from 0.01 to 86400, got '0'/,
    );
    const err = await quietly(() => startServe("nope", flags(p))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliExit);
    expect((err as CliExit).exitCode).toBe(1);
    expect((err as CliExit).message).toContain("cannot load deployment 'nope'");
  });

  it("drains in-flight requests on shutdown: they finish, new ones are refused, readiness goes down", async () => {
    const { server, address } = await quietly(() => startServe("churn_api", flags(project())));
    const runner = server.live.routing!.stable;
    let entered = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const score = runner.score.bind(runner);
    runner.score = (b) => {
      entered++;
      const p = score(b); // taken synchronously, as the server requires
      return gate.then(() => p);
    };
    const inflight = Array.from({ length: 5 }, () =>
      fetch(`${address}/v1/predict`, { method: "POST", body: JSON.stringify(rec) }),
    );
    while (entered < 5) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false); // waiting for the five requests
    // new work is refused: a new connection fails, or a reused one gets 503
    const late = await fetch(`${address}/readyz`).then(
      (r) => r.status,
      () => "refused",
    );
    expect([503, "refused"]).toContain(late);
    open();
    const responses = await Promise.all(inflight);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await closing;
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  });

  const cli = resolve("dist/src/cli/main.js");
  it.skipIf(!existsSync(resolve("dist/src/cli/commands/serve.js")))(
    "the built CLI serves with --workers 2 and exits 0 on SIGTERM (needs npm run build)",
    async () => {
      const p = project();
      const child = spawn(
        process.execPath,
        [cli, "serve", "churn_api", "--dir", p, "--port", "0", "--workers", "2"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      for (let i = 0; i < 1200 && (out.match(/ready, serving/g) ?? []).length < 2; i++)
        await new Promise((r) => setTimeout(r, 25));
      const addresses = [...out.matchAll(/listening on (http:\/\/\S+)/g)].map((m) => m[1]);
      expect(addresses, out).toHaveLength(2);
      expect(addresses[0]).toBe(addresses[1]); // one port shared by the workers
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${addresses[0]}/v1/predict`, { method: "POST", body: JSON.stringify(rec) });
        expect(res.status).toBe(200);
        ids.add(((await res.json()) as { request_id: string }).request_id.split("-")[0]!);
      }
      expect(ids.size).toBe(2); // both workers answered
      const code = await new Promise<number | null>((r) => {
        child.once("exit", (c) => r(c));
        child.kill("SIGTERM");
      });
      expect(code, out).toBe(0);
      expect((out.match(/mlc serve: stopped/g) ?? []).length).toBe(3);
    },
  );
});
