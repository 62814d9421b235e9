// A simulated cluster: the Argo workflow `mlc compile` writes is run step by step, each step an
// `mlc exec NODE` in its own process and its own fresh checkout (the spec and the data only, as an
// image holds them), steps of one wave in parallel, against PostgreSQL and an S3-compatible server.
// Nothing but the state and the store passes between steps. The tuned model's trials are fitted by
// the `mlc worker` pods the workflow starts beside its step (`--trial-workers`), each in its own
// checkout too. The end state equals a local apply's.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyQuiet, SPEC, writeProject } from "../cli/model-project.js";
import { runCli } from "../cli/run-cli.js";
import { planProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { PG, pgSchemas } from "./pg-schemas.js";
import { BUCKET, s3Server } from "./s3-server.js";
import { buildForSubprocess } from "./subprocess-build.js";

const server = s3Server();
const freshSchema = pgSchemas();

const SHARED = `project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = s3 {
    bucket   = "${BUCKET}"
    prefix   = "cluster"
    endpoint = env("MLC_TEST_S3_ENDPOINT")
  }
}
`;

/** Model m's tune.parallel = 2 (worker threads in a local apply, two `mlc worker` pods in the cluster). */
const PARALLEL = (spec: string) =>
  spec.replace("    trials    = 3\n", "    trials    = 3\n    parallel  = 2\n");

type Task = {
  name: string;
  template: string;
  arguments?: { parameters: { name: string; value: string }[] };
  dependencies?: string[];
  withSequence?: { count: string };
};
type Template = {
  name: string;
  daemon?: boolean;
  dag?: { tasks: Task[] };
  container?: { command: string[] };
};

/** Each node's fingerprint, status, artifacts (but reports) and metrics (but durations), as the state records them. */
async function stateOf(dir: string) {
  const state = await openState(dir);
  try {
    const nodes = await state.listNodes();
    return nodes
      .map((n) => ({
        id: n.id,
        status: n.status,
        fingerprint: n.fingerprint,
        // reports carry their run's time and durations; every other artifact is byte for byte the same
        artifacts: Object.fromEntries(
          Object.entries(n.result?.artifacts ?? {}).filter(([role]) => !role.startsWith("report")),
        ),
        // durations are the only values a rerun changes
        metrics: Object.fromEntries(
          Object.entries(n.result?.metrics ?? {}).filter(([k]) => !k.endsWith("_ms")),
        ),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  } finally {
    await state.close();
  }
}

describe.skipIf(!PG)("the Argo workflow run as separate processes (needs MLC_TEST_PG_URL)", () => {
  let main = "";
  const dirs: string[] = [];
  beforeAll(() => {
    main = join(buildForSubprocess(), "src", "cli", "main.js");
  }, 300_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
    delete process.env.MLC_TEST_S3_ENDPOINT;
  });

  it("ends in the state of a local mlc apply, each step in a fresh checkout", async () => {
    const local = writeProject();
    dirs.push(local);
    writeFileSync(join(local, "synth.mlspec"), PARALLEL(SPEC));
    await applyQuiet(local);
    const expected = await stateOf(local);

    const schema = freshSchema("mlc_cluster");
    process.env.MLC_STATE_SCHEMA = schema;
    process.env.MLC_TEST_S3_ENDPOINT = server.endpoint;
    const image = writeProject(); // what the image holds: the spec and the data
    dirs.push(image);
    // tune.parallel = 2: the workflow runs two `mlc worker` pods beside model m's step
    writeFileSync(
      join(image, "synth.mlspec"),
      PARALLEL(SPEC.replace("project synth {\n  seed = 7\n}\n", SHARED)),
    );
    const wf = await runCli([
      "compile",
      image,
      "--target",
      "argo",
      "--image",
      "registry.example/synth:1",
      "--trial-workers",
    ]);
    expect(wf.stderr).toBe("");
    const workflow = JSON.parse(wf.stdout) as { spec: { entrypoint: string; templates: Template[] } };
    const templates = new Map(workflow.spec.templates.map((t) => [t.name, t]));
    const tasks = templates.get(workflow.spec.entrypoint)!.dag!.tasks;
    expect(tasks.length).toBe(expected.length);

    // A pod: a fresh checkout (what the image holds) running the template's command, `mlc` being this build.
    const pod = (t: Template, args: Record<string, string>) => {
      const dir = mkdtempSync(join(tmpdir(), "mlc-pod-"));
      dirs.push(dir);
      cpSync(join(image, "synth.mlspec"), join(dir, "synth.mlspec"));
      cpSync(join(image, "data"), join(dir, "data"), { recursive: true });
      const command = t.container!.command.map((c, i, all) =>
        all[i - 1] === "--dir"
          ? dir
          : c.replace(/\{\{inputs\.parameters\.(\w+)\}\}/g, (_m, k: string) => args[k]!),
      );
      expect(command[0]).toBe("mlc");
      const child = spawn(process.execPath, [main, ...command.slice(1)], {
        env: { ...process.env, NO_COLOR: "1" },
      });
      let out = "";
      child.stdout.on("data", (d) => (out += String(d)));
      child.stderr.on("data", (d) => (out += String(d)));
      const ended = new Promise<{ what: string; code: number | null; out: string }>((res) =>
        child.on("close", (code) => res({ what: command.join(" "), code, out })),
      );
      return { child, ended };
    };
    const argsOf = (task: Task) =>
      Object.fromEntries((task.arguments?.parameters ?? []).map((p) => [p.name, p.value]));
    let workerPods = 0;
    // A task: a container template runs as one pod; a DAG template (a tuned model) starts its daemons
    // (the `mlc worker` pods), runs its other tasks, then stops the daemons, as Argo does.
    const run = async (task: Task): Promise<void> => {
      const t = templates.get(task.template)!;
      if (t.container) {
        const e = await pod(t, argsOf(task)).ended;
        expect(e.code, `${e.what}: ${e.out}`).toBe(0);
        // each step locks only its node: steps of one wave never wait for each other
        expect(e.out).not.toMatch(/waiting for the lock/);
        return;
      }
      const daemons = t.dag!.tasks.filter((x) => templates.get(x.template)!.daemon);
      const started = daemons.flatMap((d) =>
        Array.from({ length: Number(d.withSequence?.count ?? 1) }, () =>
          pod(templates.get(d.template)!, argsOf(d)),
        ),
      );
      workerPods += started.length;
      for (const x of t.dag!.tasks.filter((x) => !daemons.includes(x))) await run(x);
      for (const d of started) d.child.kill("SIGTERM");
      for (const e of await Promise.all(started.map((d) => d.ended))) {
        expect(e.code, `${e.what}: ${e.out}`).toBe(0);
        expect(e.out).toMatch(/mlc worker: \d+ trials? answered/);
      }
      const answered = (await Promise.all(started.map((d) => d.ended))).map((e) =>
        Number(/(\d+) trials? answered/.exec(e.out)![1]),
      );
      expect(answered.reduce((a, b) => a + b, 0)).toBe(3); // the study's 3 trials, each fitted once
    };
    const done = new Set<string>();
    let waves = 0;
    while (done.size < tasks.length) {
      const ready = tasks.filter(
        (t) => !done.has(t.name) && (t.dependencies ?? []).every((d) => done.has(d)),
      );
      expect(ready.length).toBeGreaterThan(0);
      await Promise.all(ready.map(run));
      for (const t of ready) done.add(t.name);
      waves++;
    }
    expect(workerPods).toBe(2); // model m: tune.parallel = 2
    expect(waves).toBeLessThan(tasks.length); // independent steps ran side by side

    // A fresh checkout plans nothing, and the state is the local apply's.
    const fresh = mkdtempSync(join(tmpdir(), "mlc-fresh-"));
    dirs.push(fresh);
    cpSync(join(image, "synth.mlspec"), join(fresh, "synth.mlspec"));
    cpSync(join(image, "data"), join(fresh, "data"), { recursive: true });
    const planned = await planProject(fresh);
    expect(planned.ok && planned.plan.changes.filter((c) => c.action !== "noop")).toEqual([]);
    expect(await stateOf(fresh)).toEqual(expected);
  }, 400_000);
});
