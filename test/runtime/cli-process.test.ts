// The built CLI in real processes: kill -9 during apply then a clean re-apply that redoes only
// unfinished nodes; a second apply process refused while the first holds the lock.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CHURN_CSV, makeProject, TWO_MODELS } from "./fixtures.js";
import { buildForSubprocess } from "./subprocess-build.js";

let main = "";
let fakeModule = "";

beforeAll(() => {
  const root = buildForSubprocess();
  main = join(root, "src", "cli", "main.js");
  // Fake executors loaded through MLC_EXECUTOR_MODULES: they log each start/finish to FAKE_LOG,
  // and nodes of the kinds in FAKE_SLOW sleep until killed.
  const dir = makeProject({});
  fakeModule = join(dir, "fake-executors.mjs");
  const reg = pathToFileURL(join(root, "src", "runtime", "executor-registry.js")).href;
  const hash = pathToFileURL(join(root, "src", "data", "data-hash.js")).href;
  writeFileSync(
    fakeModule,
    `import { overrideExecutor } from ${JSON.stringify(reg)};
import { fileDataFingerprint } from ${JSON.stringify(hash)};
import { appendFileSync } from "node:fs";
const slow = new Set((process.env.FAKE_SLOW ?? "").split(",").filter(Boolean));
const log = (m) => appendFileSync(process.env.FAKE_LOG, m + "\\n");
for (const kind of ["source", "features", "split", "model", "gate"]) {
  overrideExecutor({
    kind, version: "1",
    ...(kind === "source" ? { dataFingerprint: fileDataFingerprint } : {}),
    async run(ctx) {
      log("start " + ctx.node.id);
      if (slow.has(kind)) await new Promise((r) => setTimeout(r, 120000));
      const hash = await ctx.artifacts.put(new TextEncoder().encode(JSON.stringify({ id: ctx.node.id, config: ctx.node.config })));
      log("done " + ctx.node.id);
      return { artifacts: { out: hash } };
    },
  });
}
`,
  );
}, 300_000);

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function mlc(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, NO_COLOR: "1", MLC_EXECUTOR_MODULES: fakeModule, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += String(d)));
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((res) => child.on("close", (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

async function waitFor(cond: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (f: string) =>
  existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];

describe("the mlc process", () => {
  it("after kill -9 mid-apply, the next apply redoes only the unfinished nodes", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const log = join(dir, "runs.log");
    const first = mlc(["apply", dir, "--parallel", "2"], { FAKE_LOG: log, FAKE_SLOW: "model" });
    await waitFor(
      () => lines(log).includes("start model.a") && lines(log).includes("start model.b"),
      "the models to start",
    );
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(lines(log)).toContain("done split.holdout");

    writeFileSync(log, "");
    const second = await mlc(["apply", dir], { FAKE_LOG: log }).done;
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    const started = lines(log)
      .filter((l) => l.startsWith("start "))
      .map((l) => l.slice(6))
      .sort();
    expect(started).toEqual(["gate.ship_a", "gate.ship_b", "model.a", "model.b"]);
    expect(second.stdout).toMatch(/model\.a: done in/);
    expect(second.stdout).toMatch(
      /Apply complete: 4 succeeded, 0 failed, 0 skipped, 0 destroyed, 3 unchanged\./,
    );

    const plan = await mlc(["plan", dir, "--detailed-exitcode"], { FAKE_LOG: log }).done;
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/No changes\. 7 nodes up to date\./);
    const state = await mlc(["state", "show", "model.a", "-C", dir], { FAKE_LOG: log }).done;
    expect(state.stdout).toMatch(/run [0-9a-f]{8}\s+ok/);
    expect(state.stdout).toMatch(/run [0-9a-f]{8}\s+interrupted/);
  }, 240_000);

  it("a second apply process fails at once naming the holder", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const log = join(dir, "runs.log");
    const first = mlc(["apply", dir], { FAKE_LOG: log, FAKE_SLOW: "source" });
    await waitFor(() => lines(log).includes("start source.customers"), "the first apply to start");
    const second = await mlc(["apply", dir], { FAKE_LOG: log }).done;
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `locked by another apply: pid ${first.child.pid} on \\S+, running \`mlc apply ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\` since \\d{4}-`,
      ),
    );
    expect(second.stderr).not.toMatch(/at \S+ \(/); // no stack trace
    first.child.kill("SIGKILL");
    await first.done;
  }, 240_000);

  it("answers a repeated no-op plan from the record with the planner's bytes and exit code, through a pipe", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const env = { FAKE_LOG: join(dir, "runs.log") };
    expect((await mlc(["apply", dir], env).done).code).toBe(0);
    // the first plan after the apply process exited is answered from what it recorded (its exit
    // deleted the empty write-ahead log the record saw)
    const cacheFile = join(dir, ".mlc", "plan-cache.json");
    const recorded = readFileSync(cacheFile, "utf8");
    const marked = JSON.parse(recorded);
    marked.plan.summary.noop = 998; // a marker only the record can print
    writeFileSync(cacheFile, JSON.stringify(marked));
    expect((await mlc(["plan", dir], env).done).stdout).toBe("No changes. 998 nodes up to date.\n");
    writeFileSync(cacheFile, recorded);
    const planned = await mlc(["plan", dir, "--detailed-exitcode"], { ...env, MLC_PLAN_CACHE: "off" }).done;
    const plannedJson = await mlc(["plan", dir, "--json"], { ...env, MLC_PLAN_CACHE: "off" }).done;
    const cache = JSON.parse(readFileSync(cacheFile, "utf8"));
    expect(cache.plan.summary.noop).toBe(7);
    const quick = await mlc(["plan", dir, "--detailed-exitcode"], env).done;
    const quickJson = await mlc(["plan", dir, "--json"], env).done;
    expect([quick.code, quick.stdout, quick.stderr]).toEqual([planned.code, planned.stdout, planned.stderr]);
    expect(quick.stdout).toBe("No changes. 7 nodes up to date.\n");
    expect([quickJson.code, quickJson.stdout]).toEqual([plannedJson.code, plannedJson.stdout]);
    // the marker again: those answers were the shortcut's
    cache.plan.summary.noop = 999;
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await mlc(["plan", dir], env).done).stdout).toBe("No changes. 999 nodes up to date.\n");
    expect(JSON.parse((await mlc(["plan", dir, "--json"], env).done).stdout).summary.noop).toBe(999);
  }, 240_000);
});
