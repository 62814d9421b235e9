// `checkpoint { every = N }` against a real crash: an `mlc apply` process killed with SIGKILL in the
// middle of a GBDT's boosting rounds, or of an MLP's epochs (Adam's moments and bias corrections
// included), leaves its last checkpoint in the artifact store; the next apply resumes from it and
// stores the very model bytes of an apply that was never interrupted. Once the version is stored the
// checkpoint record is gone and `mlc gc` removes the checkpoint objects.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { collectGarbage } from "../../src/runtime/gc.js";
import { buildForSubprocess } from "../runtime/subprocess-build.js";

function rows(n: number): string {
  let s = 99;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out = ["id,a,b,c,d,y"];
  for (let i = 0; i < n; i++) {
    const x = [rnd(), rnd(), rnd(), rnd()].map((v) => v * 2 - 1);
    const z = x[0]! * x[1]! + Math.sin(3 * x[2]!) - x[3]! + 0.5 * (rnd() - 0.5);
    out.push(`${i},${x.map((v) => v.toFixed(4)).join(",")},${z > 0 ? "yes" : "no"}`);
  }
  return out.join("\n") + "\n";
}

const spec = (algorithm: string, params: string, every: number) => `project crash { seed = 5 }
source d {
  file = "data/rows.csv"
  key  = id
  schema { id = int  a = float  b = float  c = float  d = float  y = category }
}
features f { from = d  a = a  b = b  c = c  d = d }
split s { from = f  method = random  key = id  train = 80%  valid = 10%  test = 10% }
model m {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = ${algorithm}
  params { ${params} }
  checkpoint { every = ${every} }
}
`;

const LEARNERS = [
  {
    name: "gbdt",
    total: 300,
    spec: spec(
      "gbdt",
      "trees = 300  max_depth = 5  subsample = 0.8  colsample = 0.75  learning_rate = 0.05",
      5,
    ),
  },
  {
    name: "mlp",
    total: 30,
    spec: spec("mlp", 'hidden = "32,16"  epochs = 30  batch_size = 32  dropout = 0.1  early_stop = 0', 2),
  },
];

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "mlc-checkpoint-crash-"));
  for (const l of LEARNERS) {
    const killedDir = join(root, l.name, "killed");
    mkdirSync(join(killedDir, "data"), { recursive: true });
    writeFileSync(join(killedDir, "data/rows.csv"), rows(4000));
    writeFileSync(join(killedDir, "main.mlspec"), l.spec);
    cpSync(killedDir, join(root, l.name, "clean"), { recursive: true });
  }
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function checkpointRecord(dir: string): Promise<{ hash: string; iteration: number } | undefined> {
  const state = await openState(dir);
  try {
    const r = (await state.records.list("training_checkpoints"))[0];
    return r?.value as { hash: string; iteration: number } | undefined;
  } finally {
    await state.close();
  }
}

async function modelHash(dir: string): Promise<string> {
  const state = await openState(dir);
  try {
    return (await state.getNode("model.m"))!.result!.artifacts!.model!;
  } finally {
    await state.close();
  }
}

describe("training checkpoints", () => {
  it.each(LEARNERS)(
    "$name: an apply killed mid-training resumes from its last checkpoint to the same model bytes",
    async (l) => {
      const killedDir = join(root, l.name, "killed");
      const cleanDir = join(root, l.name, "clean");
      const main = join(buildForSubprocess(), "src", "cli", "main.js");
      const child = spawn(process.execPath, [main, "apply", killedDir, "--parallel", "1"], {
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += String(d)));
      let exitedEarly = false;
      const exited = new Promise<NodeJS.Signals | null>((res) =>
        child.on("close", (_c, signal) => {
          exitedEarly = signal === null;
          res(signal);
        }),
      );
      // one read connection for the whole wait (WAL: it never blocks the apply's writes)
      const watcher = await openState(killedDir);
      let seen: { hash: string; iteration: number } | undefined;
      try {
        const end = Date.now() + 120_000;
        while (!seen) {
          if (exitedEarly) throw new Error(`the apply ended before its first checkpoint was seen: ${stderr}`);
          if (Date.now() > end) throw new Error(`no checkpoint within 2 minutes: ${stderr}`);
          await new Promise((r) => setTimeout(r, 25));
          const r = (await watcher.records.list("training_checkpoints"))[0];
          seen = r?.value as { hash: string; iteration: number } | undefined;
        }
      } finally {
        await watcher.close();
      }
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const last = (await checkpointRecord(killedDir))!;
      expect(last.iteration).toBeLessThan(l.total);

      const logs: string[] = [];
      const resumed = await applyProject(killedDir, {
        onEvent: (e) => void (e.type === "log" && logs.push(e.message)),
        parallel: 1,
      });
      expect(resumed.ok && resumed.result.ok).toBe(true);
      expect(logs.join("\n")).toContain(`resuming from the checkpoint at iteration ${last.iteration}`);

      const clean = await applyProject(cleanDir, { log: () => undefined, parallel: 1 });
      expect(clean.ok && clean.result.ok).toBe(true);
      expect(await modelHash(killedDir)).toBe(await modelHash(cleanDir));

      // the version is stored: the record is gone, and gc removes the checkpoint objects
      expect(await checkpointRecord(killedDir)).toBeUndefined();
      const artifacts = openArtifacts(killedDir);
      expect(await artifacts.has(last.hash)).toBe(true);
      const state = await openState(killedDir);
      try {
        await collectGarbage(state, artifacts);
      } finally {
        await state.close();
      }
      expect(await artifacts.has(last.hash)).toBe(false);
    },
    300_000,
  );
});
