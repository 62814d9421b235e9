// `mlc exec NODE` takes only its node's lock, in real processes, on SQLite and on PostgreSQL
// (MLC_TEST_PG_URL): execs of two nodes are inside their runs at once (both listed as lock holders),
// a second exec of the same node waits and then finds it up to date, an apply is refused while an
// exec runs, and a SIGKILLed exec frees its node. Fake executors hold a node's run open until the
// test writes its release file, so nothing depends on timing.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import { CHURN_CSV, makeProject, TWO_MODELS } from "./fixtures.js";
import { PG, pgSchemas } from "./pg-schemas.js";
import { buildForSubprocess } from "./subprocess-build.js";

const freshSchema = pgSchemas();
let main = "";
let fakeModule = "";

beforeAll(() => {
  const root = buildForSubprocess();
  main = join(root, "src", "cli", "main.js");
  // Fake executors: log each start/finish to FAKE_LOG; a node of a kind in FAKE_HOLD stays in its
  // run until the file `release-<node id>` exists beside the log.
  const dir = makeProject({});
  fakeModule = join(dir, "fake-executors.mjs");
  const reg = pathToFileURL(join(root, "src", "runtime", "executor-registry.js")).href;
  const hash = pathToFileURL(join(root, "src", "data", "data-hash.js")).href;
  writeFileSync(
    fakeModule,
    `import { overrideExecutor } from ${JSON.stringify(reg)};
import { fileDataFingerprint } from ${JSON.stringify(hash)};
import { appendFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
const hold = new Set((process.env.FAKE_HOLD ?? "").split(",").filter(Boolean));
const log = (m) => appendFileSync(process.env.FAKE_LOG, m + "\\n");
for (const kind of ["source", "features", "split", "model", "gate"]) {
  overrideExecutor({
    kind, version: "1",
    ...(kind === "source" ? { dataFingerprint: fileDataFingerprint } : {}),
    async run(ctx) {
      log("start " + ctx.node.id);
      if (hold.has(kind)) {
        const release = join(dirname(process.env.FAKE_LOG), "release-" + ctx.node.id);
        while (!existsSync(release)) await new Promise((r) => setTimeout(r, 50));
      }
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
  stderr: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (f: string) =>
  existsSync(f) ? readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];

const backends = [
  { name: "sqlite", skip: false, env: (): Record<string, string> => ({}) },
  {
    name: "postgres",
    skip: !PG,
    env: (): Record<string, string> => ({ MLC_STATE_URL: PG!, MLC_STATE_SCHEMA: freshSchema("mlc_exec") }),
  },
];

for (const b of backends) {
  describe.skipIf(b.skip)(`mlc exec's node lock on ${b.name}`, () => {
    /** A project whose source, features and split are applied; the two models wait to be run. */
    async function project() {
      const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
      const env = { ...b.env(), FAKE_LOG: join(dir, "runs.log") };
      const mlc = (args: string[], extra: Record<string, string> = {}): Run => {
        const child = spawn(process.execPath, [main, ...args], {
          env: { ...process.env, NO_COLOR: "1", MLC_EXECUTOR_MODULES: fakeModule, ...env, ...extra },
        });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += String(d)));
        child.stderr!.on("data", (d) => (stderr += String(d)));
        const done = new Promise<Awaited<Run["done"]>>((res) =>
          child.on("close", (code, signal) => res({ code, signal, stdout, stderr })),
        );
        return { child, stderr: () => stderr, done };
      };
      const setup = await mlc(["apply", dir, "--target", "split.holdout"]).done;
      expect(setup.stderr).toBe("");
      expect(setup.code).toBe(0);
      const log = env.FAKE_LOG;
      writeFileSync(log, "");
      const release = (node: string) => writeFileSync(join(dir, `release-${node}`), "");
      /** Who holds node locks now, as the state records them (opened as the processes open it). */
      const holders = async () => {
        const saved = { url: process.env.MLC_STATE_URL, schema: process.env.MLC_STATE_SCHEMA };
        if (env.MLC_STATE_URL) process.env.MLC_STATE_URL = env.MLC_STATE_URL;
        if (env.MLC_STATE_SCHEMA) process.env.MLC_STATE_SCHEMA = env.MLC_STATE_SCHEMA;
        try {
          const s = await openState(dir);
          try {
            return (await s.lock.nodeHolders()).map((h) => `${h.node} ${h.pid}`).sort();
          } finally {
            await s.close();
          }
        } finally {
          for (const [k, v] of [
            ["MLC_STATE_URL", saved.url],
            ["MLC_STATE_SCHEMA", saved.schema],
          ] as const)
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
      };
      return { dir, log, mlc, release, holders };
    }
    const HOLD = { FAKE_HOLD: "model" };

    it("execs of two nodes run at once; an apply is refused meanwhile", async () => {
      const { dir, log, mlc, release, holders } = await project();
      const a = mlc(["exec", "model.a", "--dir", dir], HOLD);
      const bb = mlc(["exec", "model.b", "--dir", dir], HOLD);
      // both are inside their runs, neither can finish before its release: they overlap
      await waitFor(
        () => lines(log).includes("start model.a") && lines(log).includes("start model.b"),
        "both models to start",
      );
      expect(await holders()).toEqual([`model.a ${a.child.pid}`, `model.b ${bb.child.pid}`].sort());
      const apply = await mlc(["apply", dir]).done;
      expect(apply.code).toBe(1);
      expect(apply.stderr).toMatch(/MLC2002/);
      expect(apply.stderr).toMatch(
        /the state is in use by an exec of model\.[ab]: pid \d+ on \S+, running `mlc exec model\.[ab]`/,
      );
      release("model.a");
      release("model.b");
      const [ra, rb] = await Promise.all([a.done, bb.done]);
      expect([ra.code, ra.stdout, rb.code, rb.stdout]).toEqual([
        0,
        "exec model.a: done (create)\n",
        0,
        "exec model.b: done (create)\n",
      ]);
      expect(await holders()).toEqual([]);
      expect(lines(log).filter((l) => l.startsWith("start"))).toHaveLength(2);
    }, 300_000);

    it("a second exec of the same node waits, then finds it up to date; without a timeout it is refused", async () => {
      const { dir, log, mlc, release } = await project();
      const first = mlc(["exec", "model.a", "--dir", dir], HOLD);
      await waitFor(() => lines(log).includes("start model.a"), "the first exec to start");
      const refused = await mlc(["exec", "model.a", "--dir", dir]).done;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `MLC2440.*node model\\.a is locked by another exec of it: pid ${first.child.pid} on \\S+`,
          "s",
        ),
      );
      const second = mlc(["exec", "model.a", "--dir", dir, "--lock-timeout", "10m"]);
      await waitFor(
        () => /waiting for the lock of model\.a/.test(second.stderr()),
        "the second exec to wait",
      );
      release("model.a");
      expect((await first.done).stdout).toBe("exec model.a: done (create)\n");
      const out = await second.done;
      expect(out.code).toBe(0);
      expect(out.stdout).toBe("exec model.a: up to date\n");
      expect(lines(log).filter((l) => l === "start model.a")).toHaveLength(1);
    }, 300_000);

    it("a SIGKILLed exec frees its node; the next exec runs it and marks the killed run interrupted", async () => {
      const { dir, log, mlc, holders } = await project();
      const killed = mlc(["exec", "model.a", "--dir", dir], HOLD);
      await waitFor(() => lines(log).includes("start model.a"), "the exec to start");
      killed.child.kill("SIGKILL");
      expect((await killed.done).signal).toBe("SIGKILL");
      const again = await mlc(["exec", "model.a", "--dir", dir, "--lock-timeout", "2m"]).done;
      expect(again.code).toBe(0);
      expect(again.stdout).toBe("exec model.a: done (create)\n");
      expect(lines(log)).toEqual(["start model.a", "start model.a", "done model.a"]);
      expect(await holders()).toEqual([]);
      const show = await mlc(["state", "show", "model.a", "-C", dir]).done;
      expect(show.stdout).toMatch(/run [0-9a-f]{8}\s+ok/);
      expect(show.stdout).toMatch(/run [0-9a-f]{8}\s+interrupted/);
    }, 300_000);
  });
}
