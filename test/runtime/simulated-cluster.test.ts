// A simulated cluster: the Argo workflow `mlc compile` writes is run step by step, each step an
// `mlc exec NODE` in its own process and its own fresh checkout (the spec and the data only, as an
// image holds them), steps of one wave in parallel, against PostgreSQL and an S3-compatible server.
// Nothing but the state and the store passes between steps. The end state equals a local apply's.
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

type Task = { name: string; arguments: { parameters: { value: string }[] }; dependencies?: string[] };

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
    await applyQuiet(local);
    const expected = await stateOf(local);

    const schema = freshSchema("mlc_cluster");
    process.env.MLC_STATE_SCHEMA = schema;
    process.env.MLC_TEST_S3_ENDPOINT = server.endpoint;
    const image = writeProject(); // what the image holds: the spec and the data
    dirs.push(image);
    writeFileSync(join(image, "synth.mlspec"), SPEC.replace("project synth {\n  seed = 7\n}\n", SHARED));
    const wf = await runCli(["compile", image, "--target", "argo", "--image", "registry.example/synth:1"]);
    expect(wf.stderr).toBe("");
    const spec = JSON.parse(wf.stdout) as {
      spec: { entrypoint: string; templates: { name: string; dag?: { tasks: Task[] } }[] };
    };
    const tasks = spec.spec.templates.find((t) => t.name === spec.spec.entrypoint)!.dag!.tasks;
    expect(tasks.length).toBe(expected.length);

    const step = (node: string) => {
      const pod = mkdtempSync(join(tmpdir(), "mlc-pod-"));
      dirs.push(pod);
      cpSync(join(image, "synth.mlspec"), join(pod, "synth.mlspec"));
      cpSync(join(image, "data"), join(pod, "data"), { recursive: true });
      const child = spawn(process.execPath, [main, "exec", node, "--dir", pod, "--lock-timeout", "5m"], {
        env: { ...process.env, NO_COLOR: "1" },
      });
      let out = "";
      child.stdout.on("data", (d) => (out += String(d)));
      child.stderr.on("data", (d) => (out += String(d)));
      return new Promise<{ node: string; code: number | null; out: string }>((res) =>
        child.on("close", (code) => res({ node, code, out })),
      );
    };
    const done = new Set<string>();
    let waves = 0;
    while (done.size < tasks.length) {
      const ready = tasks.filter(
        (t) => !done.has(t.name) && (t.dependencies ?? []).every((d) => done.has(d)),
      );
      expect(ready.length).toBeGreaterThan(0);
      const ends = await Promise.all(ready.map((t) => step(t.arguments.parameters[0]!.value)));
      for (const e of ends) expect(e.code, `${e.node}: ${e.out}`).toBe(0);
      for (const t of ready) done.add(t.name);
      waves++;
    }
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
