// The churn example's experiment end to end against a real server: the plan sizes it, apply serves
// both models side by side, examples/churn/simulate.mjs sends seeded customers and outcomes through
// HTTP; routing shares, sticky assignment, SRM when the allocation is deliberately broken, a watched
// guardrail stop (and a watch ended by SIGTERM), and on_win = promote under load with no failed request.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands/experiment.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { applyProject } from "../../src/runtime/project.js";
import { experimentDecisions } from "../../src/runtime/registry/experiment-decision.js";
import { openState } from "../../src/runtime/state/open.js";
import { readDeployment, writeDeployment } from "../../src/serve/deployment.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { runCli } from "../cli/run-cli.js";
import { runCommand } from "../serve/cli-harness.js";

const repo = resolve(__dirname, "../..");
const example = join(repo, "examples/churn");
const bin = join(repo, "dist/src/cli/main.js");

interface Simulated {
  customers: number;
  experiment: string | null;
  arms: Record<string, { units: number; retained: number; revenue: number }>;
  outcomes_stored: number;
  assignments: Record<string, string>;
}

/** Runs a node script to its end; its stdout, stderr and exit code. */
function run(
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, args, {
      cwd: opts.cwd ?? repo,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => done({ code, out, err }));
  });
}

/** The first customer of the data as a request record (without the label). */
function firstRecord(dir: string): Record<string, unknown> {
  const [header, line] = readFileSync(join(dir, "data/churn.csv"), "utf8").split("\n");
  const values = line!.split(",");
  const rec: Record<string, unknown> = {};
  header!.split(",").forEach((n, i) => {
    const v = values[i]!;
    if (n !== "churn") rec[n] = v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
  });
  return rec;
}

async function until(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached in time");
}

describe("the churn example's experiment against a real server", () => {
  let dir: string;
  let server: PredictionServer | undefined;
  let base = "";
  const spec = (f: string) => join(dir, f);
  const edit = (file: string, from: string | RegExp, to: string) =>
    writeFileSync(spec(file), readFileSync(spec(file), "utf8").replace(from, to));
  const simulate = async (...args: string[]): Promise<Simulated> => {
    const r = await run([join(dir, "simulate.mjs"), "--url", base, "--json", ...args]);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as Simulated;
  };
  const status = async (name: string) => {
    const r = await runCommand(register, ["experiment", "status", name, "--dir", dir, "--json"]);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as {
      verdict: string;
      winner?: string;
      srm: { mismatch: boolean; p_value: number };
      arms: { arm: string; units: number }[];
      outcomes_unmatched: number;
    };
  };
  const model = async () =>
    (await (await fetch(`${base}/v1/model`)).json()) as {
      model: string;
      experiment?: { name: string; arms: { name: string; share: number }[] };
    };
  /** Renames the experiment in the spec and applies: a concluded experiment is never restarted under its name. */
  const startAs = async (from: string, to: string) => {
    edit("experiment.mlspec", `experiment ${from} {`, `experiment ${to} {`);
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(out.ok && out.result.ok).toBe(true);
    await until(async () => (await model()).experiment?.name === to);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mlc-experiment-"));
    cpSync(example, dir, { recursive: true, filter: (src) => !src.includes(".mlc") });
    edit("churn.mlspec", /trials\s*=\s*\d+/, "trials = 2"); // keep CI fast; the search is tested elsewhere
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plan shows the sample size per arm; apply serves both models side by side", async () => {
    const plan = await runCli(["plan", dir]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(
      /experiment\.churn_offer: sample size per arm \(sequential test, alpha 0\.05, power 0\.8, mde 20%\): control 1,681, small 1,681; 1\.7 days at 2,000 units\/day/,
    );
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    expect(out.ok && out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    const p = readDeployment(dir, "churn_api")!;
    expect(p.experiment!.arms.map((a) => [a.name, a.share, a.target.bundle])).toEqual([
      ["control", 0.5, ".mlc/bundles/churn_api/v1"],
      ["small", 0.5, ".mlc/bundles/churn_api/churn_small-v1"],
    ]);
    server = createPredictionServer({ projectDir: dir, deployment: "churn_api", logLevel: "silent" });
    base = await server.listen(0, "127.0.0.1");
    await server.loaded;
    expect((await model()).experiment?.name).toBe("churn_offer");
  }, 600_000);

  it("routes by customer_id in the allocation's shares, sticky across requests and servers", async () => {
    const sim = await simulate("--customers", "2000", "--seed", "1", "--lift", "0");
    expect(sim.experiment).toBe("churn_offer");
    expect(sim.outcomes_stored).toBe(4000);
    expect(Math.abs(sim.arms.small!.units / 2000 - 0.5)).toBeLessThan(0.04);
    const ids = Object.keys(sim.assignments).slice(0, 300);
    const rec = firstRecord(dir);
    const second = createPredictionServer({ projectDir: dir, deployment: "churn_api", logLevel: "silent" });
    const base2 = await second.listen(0, "127.0.0.1");
    await second.loaded;
    try {
      for (const url of [base, base2]) {
        const res = await fetch(`${url}/v1/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ instances: ids.map((customer_id) => ({ ...rec, customer_id })) }),
        });
        const body = (await res.json()) as { predictions: { arm: string }[] };
        ids.forEach((id, i) => expect(body.predictions[i]!.arm, id).toBe(sim.assignments[id]));
      }
    } finally {
      await second.close();
    }
    const s = await status("churn_offer");
    expect(s.srm.mismatch).toBe(false);
    expect(s.outcomes_unmatched).toBe(0);
  }, 120_000);

  it("detects a sample ratio mismatch when the allocation is deliberately broken, and withholds the decision; a watch ends cleanly on SIGTERM", async () => {
    const p = readDeployment(dir, "churn_api")!;
    const broken = p.experiment!.arms.map((a) => ({ ...a, share: a.name === "control" ? 0.8 : 0.2 }));
    writeDeployment(dir, "churn_api", { ...p, experiment: { ...p.experiment!, arms: broken } }, "broken");
    await until(async () => (await model()).experiment?.arms[0]?.share === 0.8);
    await simulate("--customers", "3000", "--seed", "2", "--lift", "0.6");
    const s = await status("churn_offer");
    expect(s.srm.mismatch).toBe(true);
    expect(s.srm.p_value).toBeLessThan(0.001);
    expect(s.verdict).toBe("continue");
    const once = await runCommand(register, ["experiment", "churn_offer", "--dir", dir]);
    expect(once.out).toMatch(
      /churn_offer: continue: sample ratio mismatch: decision withheld; nothing to do/,
    );
    expect(readDeployment(dir, "churn_api")!.experiment).toBeDefined();

    if (existsSync(bin)) {
      const pidFile = join(dir, "watch.pid");
      const w = spawn(
        process.execPath,
        [
          bin,
          "experiment",
          "churn_offer",
          "--dir",
          dir,
          "--watch",
          "--every",
          "300ms",
          "--pid-file",
          pidFile,
        ],
        { env: { ...process.env, NO_COLOR: "1" } },
      );
      let out = "";
      w.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const exit = new Promise<number | null>((r) => w.on("close", (code) => r(code)));
      await until(async () => (out.match(/nothing to do/g) ?? []).length >= 2);
      expect(existsSync(pidFile)).toBe(true);
      w.kill("SIGTERM");
      expect(await exit).toBe(0);
      expect(out).toMatch(/churn_offer: watch stopped/);
      expect(existsSync(pidFile)).toBe(false);
    }
    const stop = await runCommand(register, [
      "experiment",
      "stop",
      "churn_offer",
      "--dir",
      dir,
      "--reason",
      "assignment broken",
    ]);
    expect(stop.code, stop.err).toBe(0);
    await until(async () => (await model()).experiment === undefined);
  }, 120_000);

  it("a breached guardrail stops the arm by the declared decision, applied by the watch", async () => {
    await startAs("churn_offer", "churn_offer_guard");
    // the small model's customers stay more often but bring far less revenue (a guardrail at -5%)
    await simulate("--customers", "3000", "--seed", "3", "--lift", "0.5", "--revenue-lift", "-0.7");
    const s = await status("churn_offer_guard");
    expect(s.srm.mismatch).toBe(false);
    expect(s.verdict).toBe("guardrail");
    const args = ["experiment", "churn_offer_guard", "--dir", dir, "--watch", "--every", "300ms"];
    const w = existsSync(bin)
      ? await run([bin, ...args])
      : await runCommand(register, args).then((r) => ({ code: r.code, out: r.out, err: r.err }));
    expect(w.code, w.err).toBe(0);
    expect(w.out).toMatch(
      /all traffic to control \(version 1\); experiment churn_offer_guard stopped by its declared decision \(guardrail\)/,
    );
    await until(async () => (await model()).experiment === undefined);
    const p = readDeployment(dir, "churn_api")!;
    expect([p.version, p.bundle]).toEqual([1, ".mlc/bundles/churn_api/v1"]);
    const state = await openState(dir);
    try {
      expect(
        (await experimentDecisions(state, "churn_offer_guard")).map((d) => [d.event, d.by, d.verdict]),
      ).toEqual([["stopped", "decision", "guardrail"]]);
      expect((await experimentDecisions(state, "churn_offer")).map((d) => [d.event, d.by, d.reason])).toEqual(
        [["stopped", "hand", "assignment broken"]],
      );
    } finally {
      await state.close();
    }
  }, 300_000);

  it("on_win = promote moves the pointer to the winner with zero failed requests under load", async () => {
    await startAs("churn_offer_guard", "churn_offer_win");
    await simulate("--customers", "3000", "--seed", "4", "--lift", "0.6");
    const s = await status("churn_offer_win");
    expect(s.verdict).toBe("win");
    expect(s.winner).toBe("small");

    const rec = firstRecord(dir);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const load = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${base}/v1/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ ...rec, customer_id: `load-${worker}-${i % 50}` }),
          });
          if (res.status === 200) ok++;
          else failures.push(`${res.status} ${await res.text()}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(load);
    await until(async () => ok > 50);
    const d = await runCommand(register, ["experiment", "churn_offer_win", "--dir", dir]);
    expect(d.code, d.err).toBe(0);
    expect(d.out).toMatch(
      /all traffic to small \(version 1\); experiment churn_offer_win promoted by its declared decision \(win\)/,
    );
    await until(async () => (await model()).model === "churn_small");
    const before = ok;
    await until(async () => ok > before + 50);
    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    const p = readDeployment(dir, "churn_api")!;
    expect([p.version, p.bundle, p.experiment]).toEqual([
      1,
      ".mlc/bundles/churn_api/churn_small-v1",
      undefined,
    ]);
    const state = await openState(dir);
    try {
      expect((await new ModelRegistry(state).alias("churn_small", "champion"))?.version).toBe(1);
    } finally {
      await state.close();
    }
  }, 300_000);
});
