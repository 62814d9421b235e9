// Distributed tuning: `mlc apply --trial-workers` queues the trials of a study in the PostgreSQL
// state and three `mlc worker` processes fit them. Every trial is fitted exactly once, the trial
// count is exact, and the study (parameters, values, statuses, best trial) equals a local run's.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPEC, writeProject } from "../cli/model-project.js";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { trialsOfModel } from "../../src/registry/trial-store.js";
import { openProjectTrialQueue, PgTrialQueue } from "../../src/runtime/trial-queue/pg-queue.js";
import { runTrialWorker } from "../../src/runtime/trial-queue/worker.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { PG, pgSchemas } from "./pg-schemas.js";
import { buildForSubprocess } from "./subprocess-build.js";

const freshSchema = pgSchemas();
const TUNE = `  tune {
    method    = random
    trials    = 6
    parallel  = 3
    objective = maximize(valid.auc)
  }`;
const spec = (projectBlock: string) =>
  SPEC.replace("project synth {\n  seed = 7\n}\n", projectBlock).replace(
    / {2}tune \{\n {4}method {4}= random\n {4}trials {4}= 3\n {4}objective = maximize\(valid.auc\)\n {2}\}/,
    TUNE,
  );

async function applied(dir: string, trialWorkers: boolean): Promise<void> {
  const out = await applyProject(dir, {
    log: () => undefined,
    parallel: 2,
    trialWorkers,
    targets: ["model.m"],
  });
  if (!out.ok) throw new Error(out.diagnostics.map((d) => d.message).join("\n"));
  if (!out.result.ok) throw new Error(JSON.stringify(out.result.outcomes.filter((o) => o.error)));
}

async function trialsOfFull(dir: string) {
  const state = await openState(dir);
  try {
    return (await trialsOfModel(state, "m"))
      .map((t) => t.trial)
      .sort((a, b) => a.index - b.index)
      .map((t) => ({
        index: t.index,
        status: t.status,
        params: t.params,
        values: t.values,
        prunedAt: t.prunedAt,
        intermediate: t.intermediate,
      }));
  } finally {
    await state.close();
  }
}

async function trialsOf(dir: string) {
  const state = await openState(dir);
  try {
    return (await trialsOfModel(state, "m"))
      .map((t) => t.trial)
      .sort((a, b) => a.index - b.index)
      .map((t) => ({ index: t.index, status: t.status, params: t.params, values: t.values }));
  } finally {
    await state.close();
  }
}

describe.skipIf(!PG)("TPE with a median pruner on workers (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  it("prunes the same trials at the same steps and picks the same best trial as a local run", async () => {
    const tpe = (projectBlock: string) =>
      spec(projectBlock)
        .replace("method    = random", "method    = tpe")
        .replace("trials    = 6", "trials    = 12")
        .replace("parallel  = 3", "parallel  = 2\n    pruner    = median")
        .replace("trees         = 30", "trees         = 40");
    const local = writeProject();
    dirs.push(local);
    writeFileSync(join(local, "synth.mlspec"), tpe("project synth {\n  seed = 7\n}\n"));
    await applied(local, false);
    const expected = await trialsOfFull(local);
    expect(expected.some((t) => t.status === "pruned")).toBe(true);

    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_tpe");
    const store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const dir = writeProject();
    dirs.push(dir);
    const shared = `project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`;
    writeFileSync(join(dir, "synth.mlspec"), tpe(shared));
    // Two workers in this process, each with its own connection.
    const stop = new AbortController();
    const queues = await Promise.all([0, 1].map(() => openProjectTrialQueue(dir)));
    const loops = queues.map((queue) =>
      runTrialWorker({
        queue,
        artifacts: openArtifacts(dir),
        model: "m",
        pollMs: 50,
        signal: stop.signal,
        log: () => undefined,
      }),
    );
    try {
      await applied(dir, true);
    } finally {
      stop.abort();
      await Promise.all(loops);
      for (const q of queues) await q.close();
    }
    expect(await trialsOfFull(dir)).toEqual(expected);
  }, 300_000);
});

describe.skipIf(!PG)("grid search on workers (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  it("fits the same grid points with the same values as a single-process run", async () => {
    // parallel = 1 locally (one process, one trial at a time) against two workers with parallel = 2:
    // grid points do not depend on history, so the study is the same.
    const grid = (projectBlock: string, parallel: number) => {
      const out = spec(projectBlock)
        .replace("method    = random", "method    = grid")
        .replace("trials    = 6", "trials    = 5")
        .replace("parallel  = 3", `parallel  = ${parallel}`);
      expect(out).toContain("method    = grid");
      return out;
    };
    const local = writeProject();
    dirs.push(local);
    writeFileSync(join(local, "synth.mlspec"), grid("project synth {\n  seed = 7\n}\n", 1));
    await applied(local, false);
    const expected = await trialsOfFull(local);
    expect(expected).toHaveLength(5);

    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_grid");
    const store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const dir = writeProject();
    dirs.push(dir);
    writeFileSync(
      join(dir, "synth.mlspec"),
      grid(
        `project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`,
        2,
      ),
    );
    const stop = new AbortController();
    const queues = await Promise.all([0, 1].map(() => openProjectTrialQueue(dir)));
    const loops = queues.map((queue) =>
      runTrialWorker({
        queue,
        artifacts: openArtifacts(dir),
        model: "m",
        pollMs: 50,
        signal: stop.signal,
        log: () => undefined,
      }),
    );
    let answered: number[];
    try {
      await applied(dir, true);
    } finally {
      stop.abort();
      answered = await Promise.all(loops);
      for (const q of queues) await q.close();
    }
    expect(answered.reduce((a, b) => a + b, 0)).toBe(5);
    expect(await trialsOfFull(dir)).toEqual(expected);
  }, 300_000);
});

describe.skipIf(!PG)("cross-validated trials on workers (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  it("fits a cv.* search's trials on workers, each once, with the values of a local run", async () => {
    const cv = (projectBlock: string) => {
      const out = spec(projectBlock)
        .replace(
          "  method = stratified(y)\n  train  = 60%\n  valid  = 20%\n  test   = 20%\n",
          "  method = kfold(3, by = y)\n  train  = 80%\n  test   = 20%\n",
        )
        .replace("  calibrate = isotonic\n", "")
        .replace("trials    = 6", "trials    = 4")
        .replace("objective = maximize(valid.auc)", "objective = maximize(cv.auc)");
      expect(out).toContain("kfold(3");
      expect(out).toContain("maximize(cv.auc)");
      return out;
    };
    const local = writeProject();
    dirs.push(local);
    writeFileSync(join(local, "synth.mlspec"), cv("project synth {\n  seed = 7\n}\n"));
    await applied(local, false);
    const expected = await trialsOfFull(local);
    expect(expected).toHaveLength(4);
    expect(expected.every((t) => t.status === "complete" && typeof t.values["cv.auc"] === "number")).toBe(
      true,
    );

    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_cvq");
    const store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const dir = writeProject();
    dirs.push(dir);
    writeFileSync(
      join(dir, "synth.mlspec"),
      cv(`project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`),
    );
    const stop = new AbortController();
    const queues = await Promise.all([0, 1].map(() => openProjectTrialQueue(dir)));
    const loops = queues.map((queue) =>
      runTrialWorker({
        queue,
        artifacts: openArtifacts(dir),
        model: "m",
        pollMs: 50,
        signal: stop.signal,
        log: () => undefined,
      }),
    );
    let answered: number[];
    try {
      await applied(dir, true);
    } finally {
      stop.abort();
      answered = await Promise.all(loops);
      for (const q of queues) await q.close();
    }
    // Every trial went through the queue, answered once by a worker.
    expect(answered.reduce((a, b) => a + b, 0)).toBe(4);
    const queue = await openProjectTrialQueue(dir);
    try {
      const [study] = await queue.studiesOf("m");
      const rows = await queue.trials(study!);
      expect(rows.map((r) => [r.index, r.status, r.runs])).toEqual([0, 1, 2, 3].map((i) => [i, "done", 1]));
    } finally {
      await queue.close();
    }
    expect(await trialsOfFull(dir)).toEqual(expected);
  }, 300_000);
});

describe.skipIf(!PG)("mlc worker processes (needs MLC_TEST_PG_URL)", () => {
  let main = "";
  const dirs: string[] = [];
  beforeAll(() => {
    main = join(buildForSubprocess(), "src", "cli", "main.js");
  }, 300_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  it("three workers finish one study: each trial fitted once, the same trials as a local run", async () => {
    // The reference: the same project on a local SQLite state, trials fitted in this process.
    const local = writeProject();
    dirs.push(local);
    writeFileSync(join(local, "synth.mlspec"), spec("project synth {\n  seed = 7\n}\n"));
    await applied(local, false);
    const expected = await trialsOf(local);
    expect(expected).toHaveLength(6);

    const schema = freshSchema("mlc_workers");
    process.env.MLC_STATE_SCHEMA = schema;
    const store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const dir = writeProject();
    dirs.push(dir);
    writeFileSync(
      join(dir, "synth.mlspec"),
      spec(`project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`),
    );
    // Each worker runs from its own empty folder: only the spec (for the state and store settings).
    const workers: {
      child: ChildProcess;
      waiting: Promise<void>;
      done: Promise<{ code: number | null; stdout: string; stderr: string }>;
    }[] = [];
    for (let i = 0; i < 3; i++) {
      const wdir = mkdtempSync(join(tmpdir(), "mlc-worker-"));
      dirs.push(wdir);
      writeFileSync(
        join(wdir, "synth.mlspec"),
        `project synth {
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`,
      );
      const child = spawn(
        process.execPath,
        [main, "worker", "m", "--dir", wdir, "--poll", "100ms", "--idle-exit", "90s"],
        {
          env: { ...process.env, NO_COLOR: "1", MLC_STATE_SCHEMA: schema },
        },
      );
      let stdout = "";
      let stderr = "";
      let markWaiting: () => void = () => {};
      const waiting = new Promise<void>((res) => (markWaiting = res));
      child.stdout!.on("data", (d) => (stdout += String(d)));
      child.stderr!.on("data", (d) => {
        stderr += String(d);
        if (stderr.includes("waiting for trials")) markWaiting();
      });
      workers.push({
        child,
        waiting,
        done: new Promise((res) => child.on("close", (code) => res({ code, stdout, stderr }))),
      });
    }
    try {
      // Every worker polls the queue before the trials are queued: on a loaded machine a worker
      // that is still loading its modules would otherwise leave all the trials to the others.
      await Promise.race([
        Promise.all(workers.map((w) => w.waiting)),
        Promise.race(workers.map((w) => w.done)).then((end) => {
          throw new Error(`a worker exited before polling the queue: ${end.stderr}`);
        }),
      ]);
      await applied(dir, true);
    } finally {
      for (const w of workers) w.child.kill("SIGTERM");
    }
    const ends = await Promise.all(workers.map((w) => w.done));
    for (const e of ends) expect(e.code, e.stderr).toBe(0);
    const answered = ends.map((e) => Number(/(\d+) trials? answered/.exec(e.stdout)?.[1]));
    expect(answered.reduce((a, b) => a + b, 0)).toBe(6);
    // More than one worker took part.
    expect(answered.filter((n) => n > 0).length).toBeGreaterThan(1);

    expect(await trialsOf(dir)).toEqual(expected);
    const queue = await PgTrialQueue.open(PG!, schema);
    try {
      const [id] = await queue.studiesOf("m");
      const rows = await queue.trials(id!);
      expect(rows.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(rows.every((r) => r.status === "done" && r.runs === 1)).toBe(true);
    } finally {
      await queue.close();
    }
  }, 300_000);
});
