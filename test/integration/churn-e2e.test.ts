// The churn example end to end, as the README runs it: apply (load, validate, features, split,
// tune, train, evaluate, gate, bundle, deploy), serve, predict a CSV row and compare with the batch
// score of the same row; then a worse model fails the champion comparison; then a canary, its
// promotion and a rollback, with the running server following each move.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject, planProject } from "../../src/runtime/project.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { scoreTable } from "../../src/serve/batch-score.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, resolveBundlePath } from "../../src/serve/deployment.js";
import { createPredictionServer, type PredictionServer } from "../../src/serve/server.js";
import { runCli } from "../cli/run-cli.js";

const example = resolve(__dirname, "../../examples/churn");

function firstRecord(dir: string): Record<string, unknown> {
  const [header, line] = readFileSync(join(dir, "data/churn.csv"), "utf8").split("\n");
  const names = header!.split(",");
  const values = line!.split(",");
  const rec: Record<string, unknown> = {};
  names.forEach((n, i) => {
    const v = values[i]!;
    rec[n] = v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
  });
  delete rec.churn;
  return rec;
}

async function apply(dir: string) {
  const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
  if (!out.ok) throw new Error(`compile failed: ${JSON.stringify(out.diagnostics.map((d) => d.message))}`);
  return out.result;
}

async function predict(
  base: string,
  record: unknown,
): Promise<{
  status: number;
  body: { model_version: number; predictions: { probabilities: Record<string, number> }[] };
}> {
  const r = await fetch(`${base}/v1/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(record),
  });
  return { status: r.status, body: (await r.json()) as never };
}

async function until(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached in time");
}

describe("churn example end to end", () => {
  let dir: string;
  let server: PredictionServer | undefined;
  let base: string;
  const spec = () => join(dir, "churn.mlspec");
  const edit = (from: string | RegExp, to: string) =>
    writeFileSync(spec(), readFileSync(spec(), "utf8").replace(from, to));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mlc-churn-"));
    // the churn pipeline alone: the example's experiment (experiment.mlspec) has its own end-to-end test
    cpSync(example, dir, {
      recursive: true,
      filter: (src) => !src.includes(".mlc") && !src.endsWith("experiment.mlspec"),
    });
    edit(/trials\s*=\s*\d+/, "trials = 4"); // keep CI fast; the search itself is tested elsewhere
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies the whole example and deploys version 1 as champion", async () => {
    const result = await apply(dir);
    expect(result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
    expect(result.ok).toBe(true);
    expect(readDeployment(dir, "churn_api")?.version).toBe(1);
    const state = await openState(dir);
    try {
      expect((await new ModelRegistry(state).alias("churn_model", "champion"))?.version).toBe(1);
    } finally {
      await state.close();
    }
  });

  it("serves a CSV record with the same score as batch scoring of that row", async () => {
    server = createPredictionServer({
      projectDir: dir,
      deployment: "churn_api",
      logLevel: "silent",
      predictionLog: false,
    });
    base = await server.listen(0, "127.0.0.1");
    await server.loaded;
    const record = firstRecord(dir);
    const r = await predict(base, record);
    expect(r.status).toBe(200);
    expect(r.body.model_version).toBe(1);
    const pointer = readDeployment(dir, "churn_api")!;
    const batch = await scoreTable(resolveBundlePath(dir, pointer.bundle), [record]);
    expect(r.body.predictions[0]!.probabilities.yes).toBeCloseTo(batch.scores[0]!, 6);
    const bad = await predict(base, { ...record, account_length: "long" });
    expect(bad.status).toBe(400);
    // A state never seen in training goes to onehot's fallback column `state_code:other`, in both paths.
    const unseen = { ...record, state: "Atlantis" };
    const served = await predict(base, unseen);
    expect(served.status).toBe(200);
    const scored = await scoreTable(resolveBundlePath(dir, pointer.bundle), [unseen]);
    expect(served.body.predictions[0]!.probabilities.yes).toBeCloseTo(scored.scores[0]!, 6);
  });

  it("keeps the declared int type of a column in the bundle and refuses 12.7 for it", async () => {
    const meta = loadBundle(resolveBundlePath(dir, readDeployment(dir, "churn_api")!.bundle)).meta;
    const types = Object.fromEntries(meta.inputs.map((i) => [i.name, i.type]));
    expect(types.account_length).toBe("int");
    expect(types.number_customer_service_calls).toBe("int");
    expect(types.total_day_minutes).toBe("float");
    const r = await predict(base, { ...firstRecord(dir), account_length: 12.7 });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: "account_length" });
    expect((r.body as unknown as { message: string }).message).toMatch(/integer.*12\.7/);
  });

  it("a second apply with nothing changed does nothing", async () => {
    const result = await apply(dir);
    expect(result.outcomes.every((o) => o.status === "unchanged")).toBe(true);
  });

  it("raising the trials plans an update of the model that runs only the new trials", async () => {
    edit(/trials\s*=\s*4/, "trials = 5");
    const planned = await planProject(dir);
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    const change = planned.plan.changes.find((c) => c.id === "model.churn_model")!;
    expect(change.action).toBe("update");
    expect(change.reasons).toEqual([{ type: "incremental", text: "1 more trial" }]);
    const result = await apply(dir);
    expect(result.ok).toBe(true);
    const state = await openState(dir);
    try {
      const tuning = (await state.getNode("model.churn_model"))!.result!.summary!.tuning as {
        trials: number;
        ran: number;
      };
      expect(tuning).toMatchObject({ trials: 5, ran: 1 });
    } finally {
      await state.close();
    }
  });

  it("a worse model fails the champion comparison and is not deployed", async () => {
    // Two stumps: far weaker than the tuned 200-tree model.
    edit(/trees\s*=\s*200/, "trees = 2");
    edit(/max_depth\s*=\s*int\(3, 8\)/, "max_depth = 1");
    const result = await apply(dir);
    expect(result.ok).toBe(false);
    const gate = result.outcomes.find((o) => o.id === "gate.ship")!;
    expect(gate.status).toBe("failed");
    expect(gate.error).toMatch(/FAIL\s+test\.auc >= champion\.test\.auc - 0\.005/);
    expect(readDeployment(dir, "churn_api")?.version).toBe(1);
  });

  it("a new version goes out as a canary, is promoted, and is rolled back; the server follows", async () => {
    edit(/trees\s*=\s*2\b/, "trees = 150");
    edit(/max_depth\s*=\s*1\b/, "max_depth = int(3, 8)");
    edit(/\s*test\.auc >= champion\.test\.auc - 0\.005/, "");
    const result = await apply(dir);
    expect(result.ok).toBe(true);
    const p = readDeployment(dir, "churn_api")!;
    expect(p.version).toBe(1);
    expect(p.rollout?.kind).toBe("canary");
    const v2 = p.rollout!.candidate.version;
    expect(v2).toBeGreaterThan(1);

    expect((await runCli(["rollout", "promote", "churn_api", "--dir", dir])).code).toBe(0);
    await until(async () => (await predict(base, firstRecord(dir))).body.model_version === v2);

    const rb = await runCli(["rollback", "churn_api", "--dir", dir]);
    expect(rb.code).toBe(0);
    expect(rb.stdout).toContain(`version ${v2} → 1`);
    await until(async () => (await predict(base, firstRecord(dir))).body.model_version === 1);
    const state = await openState(dir);
    try {
      const reg = new ModelRegistry(state);
      expect((await reg.alias("churn_model", "champion"))?.version).toBe(1);
      expect((await reg.history("churn_model")).at(-1)?.reason).toMatch(/rollback/);
    } finally {
      await state.close();
    }
  });
});
