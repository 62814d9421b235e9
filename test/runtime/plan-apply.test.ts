// plan and apply end to end on a real spec (parsed and checked) with fake executors.
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyProject, planProject, type ApplyOutcome } from "../../src/runtime/project.js";
import type { Change, Plan } from "../../src/runtime/plan.js";
import { openState } from "../../src/runtime/state/open.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { collectGarbage } from "../../src/runtime/gc.js";
import { lineageOf, renderLineage, type LineageNode } from "../../src/runtime/lineage.js";
import { savePlan } from "../../src/runtime/plan-file.js";
import { CHURN_CSV, fakeExecutors, makeProject, TWO_MODELS, type FakeRuns } from "./fixtures.js";
import { PG, pgSchemas } from "./pg-schemas.js";

async function plan(
  dir: string,
  fake: FakeRuns,
  extra: { targets?: string[]; replace?: string[] } = {},
): Promise<Plan> {
  const o = await planProject(dir, { executors: fake.lookup, ...extra });
  if (!o.ok) throw new Error(o.diagnostics.map((d) => d.message).join("\n"));
  return o.plan;
}

async function apply(
  dir: string,
  fake: FakeRuns,
  extra: Parameters<typeof applyProject>[1] = {},
): Promise<Extract<ApplyOutcome, { ok: true }>> {
  const o = await applyProject(dir, { executors: fake.lookup, parallel: 2, ...extra });
  if (!o.ok) throw new Error(o.diagnostics.map((d) => d.message).join("\n"));
  return o;
}

const changed = (p: Plan): Record<string, string> =>
  Object.fromEntries(p.changes.filter((c) => c.action !== "noop").map((c) => [c.id, c.action]));
const change = (p: Plan, id: string): Change => p.changes.find((c) => c.id === id)!;

async function appliedProject(): Promise<{ dir: string; fake: FakeRuns }> {
  const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
  const fake = fakeExecutors();
  const r = await apply(dir, fake);
  expect(r.result.ok).toBe(true);
  fake.ran.length = 0;
  return { dir, fake };
}

const edit = (dir: string, from: string, to: string) => {
  const p = join(dir, "main.mlspec");
  const text = readFileSync(p, "utf8");
  expect(text).toContain(from);
  writeFileSync(p, text.replace(from, to));
};

// The same suite runs on SQLite and, when MLC_TEST_PG_URL is set, on PostgreSQL (a fresh schema per test).
const freshSchema = pgSchemas();
const backends = [{ name: "sqlite", pg: false }, ...(PG ? [{ name: "postgres", pg: true }] : [])];
if (!PG)
  describe.skip("plan and apply on postgres (skipped: MLC_TEST_PG_URL is not set)", () =>
    it("needs PostgreSQL", () => undefined));

for (const backend of backends)
  describe(`on ${backend.name}`, () => {
    beforeEach(() => {
      if (!backend.pg) return;
      const schema = freshSchema("mlc_pa");
      process.env.MLC_STATE_URL = PG;
      process.env.MLC_STATE_SCHEMA = schema;
    });
    afterEach(() => {
      delete process.env.MLC_STATE_URL;
      delete process.env.MLC_STATE_SCHEMA;
    });

    describe(`plan (${backend.name})`, () => {
      it("plans every node as new on a fresh project, and nothing after apply", async () => {
        const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const fake = fakeExecutors();
        const first = await plan(dir, fake);
        expect(first.summary).toEqual({ create: 7, update: 0, replace: 0, delete: 0, noop: 0 });
        expect(change(first, "source.customers").reasons).toEqual([{ type: "new_node" }]);
        const r = await apply(dir, fake);
        expect(r.result.counts.ok).toBe(7);
        expect(fake.ran.indexOf("source.customers")).toBeLessThan(fake.ran.indexOf("features.usage"));
        expect(fake.ran.indexOf("split.holdout")).toBeLessThan(fake.ran.indexOf("model.a"));
        const second = await plan(dir, fake);
        expect(changed(second)).toEqual({});
        expect(second.summary.noop).toBe(7);
      });

      it("a gate threshold change plans only the gate", async () => {
        const { dir, fake } = await appliedProject();
        edit(dir, "model = a\n  test.auc >= 0.8", "model = a\n  test.auc >= 0.9");
        const p = await plan(dir, fake);
        expect(changed(p)).toEqual({ "gate.ship_a": "update" });
        const r = change(p, "gate.ship_a").reasons[0]!;
        expect(r).toMatchObject({ type: "attribute_changed", path: "assertions[0]" });
        await apply(dir, fake);
        expect(fake.ran).toEqual(["gate.ship_a"]);
      });

      it("changing a feature used by one of two models plans only that model's branch", async () => {
        const { dir, fake } = await appliedProject();
        edit(dir, "tenure_z    = standardize(tenure)", "tenure_z    = minmax(tenure)");
        const p = await plan(dir, fake);
        expect(changed(p)).toEqual({
          "features.usage": "update",
          "split.holdout": "update",
          "model.b": "update",
          "gate.ship_b": "update",
        });
        expect(change(p, "features.usage").reasons[0]).toMatchObject({
          type: "attribute_changed",
          path: "tenure_z",
        });
        expect(change(p, "model.b").reasons).toContainEqual({
          type: "upstream_changed",
          node: "split.holdout",
        });
      });

      it("a comment or formatting change plans nothing", async () => {
        const { dir, fake } = await appliedProject();
        edit(
          dir,
          "# two models over one features block",
          "// reformatted\n\n# two models over one features block  ",
        );
        edit(dir, "spend_ratio = monthly / (tenure + 1)", "spend_ratio=monthly/(tenure+1)  # why not");
        expect(changed(await plan(dir, fake))).toEqual({});
      });

      it("a data edit plans the source with rows and hash before and after", async () => {
        const { dir, fake } = await appliedProject();
        writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV + "4,7,50.0,pro,true\n");
        const p = await plan(dir, fake);
        const reason = change(p, "source.customers").reasons[0]!;
        expect(reason).toMatchObject({
          type: "data_changed",
          description: "data/customers.csv",
          before: { rows: 3 },
          after: { rows: 4 },
        });
        if (reason.type === "data_changed") expect(reason.before.hash).not.toBe(reason.after.hash);
        expect(Object.keys(changed(p)).sort()).toEqual([
          "features.usage",
          "gate.ship_a",
          "gate.ship_b",
          "model.a",
          "model.b",
          "source.customers",
          "split.holdout",
        ]);
      });

      it("the source's declared version replaces the content hash", async () => {
        const dir = makeProject({
          "main.mlspec": TWO_MODELS.replace(
            'file = "data/customers.csv"',
            'file = "data/customers.csv"\n  version = "2024-01"',
          ),
          "data/customers.csv": CHURN_CSV,
        });
        const fake = fakeExecutors();
        await apply(dir, fake);
        writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV + "4,7,50.0,pro,true\n");
        expect(changed(await plan(dir, fake))).toEqual({});
      });

      it("a corrupt object makes its node stale, and apply recomputes it", async () => {
        const { dir, fake } = await appliedProject();
        const store = await openState(dir);
        const hash = (await store.getNode("model.a"))!.result!.artifacts.out!;
        await store.close();
        const file = openArtifacts(dir).pathOf(hash);
        writeFileSync(file, "garbage");
        const p = await plan(dir, fake);
        expect(changed(p)).toEqual({ "model.a": "replace" });
        expect(change(p, "model.a").reasons).toEqual([{ type: "artifact_corrupt", role: "out", hash }]);
        await expect(openArtifacts(dir).get(hash)).rejects.toThrow(/corrupt/);
        await apply(dir, fake);
        expect(fake.ran).toEqual(["model.a"]);
        expect(new TextDecoder().decode(await openArtifacts(dir).get(hash))).toContain('"id":"model.a"');
        expect(changed(await plan(dir, fake))).toEqual({});
      });

      it("a missing object makes its node stale", async () => {
        const { dir, fake } = await appliedProject();
        const store = await openState(dir);
        const hash = (await store.getNode("split.holdout"))!.result!.artifacts.out!;
        await store.close();
        const { rmSync } = await import("node:fs");
        rmSync(openArtifacts(dir).pathOf(hash));
        const p = await plan(dir, fake);
        expect(changed(p)).toEqual({ "split.holdout": "replace" });
        expect(change(p, "split.holdout").reasons).toEqual([{ type: "artifact_missing", role: "out", hash }]);
      });

      it("an executor version change is a reason", async () => {
        const { dir } = await appliedProject();
        const p = await plan(dir, fakeExecutors({ versions: { gate: "2" } }));
        expect(changed(p)).toEqual({ "gate.ship_a": "update", "gate.ship_b": "update" });
        expect(change(p, "gate.ship_a").reasons).toEqual([
          { type: "executor_version_changed", old: "1", new: "2" },
        ]);
      });

      it("--replace forces a node, --target limits the plan to a node and its ancestors", async () => {
        const { dir, fake } = await appliedProject();
        expect(changed(await plan(dir, fake, { replace: ["model.b"] }))).toEqual({ "model.b": "replace" });
        const fresh = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const t = await plan(fresh, fake, { targets: ["model.a"] });
        expect(t.changes.map((c) => c.id)).toEqual([
          "source.customers",
          "features.usage",
          "split.holdout",
          "model.a",
        ]);
        await expect(planProject(fresh, { executors: fake.lookup, targets: ["model.zzz"] })).rejects.toThrow(
          /no such node/,
        );
      });

      it("reports spec errors as diagnostics, not exceptions", async () => {
        const dir = makeProject({
          "main.mlspec": TWO_MODELS.replace(
            "data     = holdout\n  features = [usage.spend_ratio]",
            "data     = holdot\n  features = [usage.spend_ratio]",
          ),
          "data/customers.csv": CHURN_CSV,
        });
        const o = await planProject(dir, { executors: fakeExecutors().lookup });
        expect(o.ok).toBe(false);
        if (!o.ok) expect(o.diagnostics.some((d) => d.severity === "error")).toBe(true);
      });
    });

    describe(`apply (${backend.name})`, () => {
      it("a failed node stops its dependents but not independent branches, and is retried next time", async () => {
        const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const failing = fakeExecutors({ failing: new Set(["model.a"]) });
        const r = await apply(dir, failing);
        expect(r.result.ok).toBe(false);
        const by = Object.fromEntries(r.result.outcomes.map((o) => [o.id, o]));
        expect(by["model.a"]).toMatchObject({ status: "failed", error: "model.a failed on purpose" });
        expect(by["gate.ship_a"]).toMatchObject({ status: "skipped", error: "upstream model.a failed" });
        expect(by["gate.ship_b"]!.status).toBe("ok");
        const p = await plan(dir, fakeExecutors());
        expect(changed(p)).toEqual({ "model.a": "create", "gate.ship_a": "create" });
        expect(change(p, "model.a").reasons).toEqual([
          { type: "new_node" },
          { type: "previously_failed", error: "model.a failed on purpose" },
        ]);
      });

      it("a kind without an executor fails that node clearly, not the apply", async () => {
        const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const fake = fakeExecutors();
        fake.executors.delete("gate");
        const r = await apply(dir, fake);
        const gate = r.result.outcomes.find((o) => o.id === "gate.ship_a")!;
        expect(gate.status).toBe("failed");
        expect(gate.error).toMatch(/no executor is registered for node kind 'gate'/);
        expect(r.result.outcomes.find((o) => o.id === "model.a")!.status).toBe("ok");
      });

      it("removing a block plans a destroy; apply runs the destroy hook and retires the node; gc then removes its objects", async () => {
        const { dir, fake } = await appliedProject();
        const destroyed: string[] = [];
        fake.executors.get("gate")!.destroy = async (ctx) => {
          destroyed.push(ctx.node.id);
        };
        const store = await openState(dir);
        const gateObject = (await store.getNode("gate.ship_b"))!.result!.artifacts.out!;
        await store.close();
        edit(dir, "gate ship_b {\n  model = b\n  test.auc >= 0.8\n}\n", "");
        const p = await plan(dir, fake);
        expect(changed(p)).toEqual({ "gate.ship_b": "delete" });
        expect(change(p, "gate.ship_b").reasons).toEqual([{ type: "removed_from_spec" }]);
        const r = await apply(dir, fake);
        expect(r.result.outcomes.find((o) => o.id === "gate.ship_b")!.status).toBe("destroyed");
        expect(destroyed).toEqual(["gate.ship_b"]);
        expect(changed(await plan(dir, fake))).toEqual({});
        const artifacts = openArtifacts(dir);
        expect(await artifacts.has(gateObject)).toBe(true);
        const s2 = await openState(dir);
        const gc = await collectGarbage(s2, artifacts);
        await s2.close();
        expect(gc.removed).toBe(1);
        expect(await artifacts.has(gateObject)).toBe(false);
        expect(gc.kept).toBe(6);
      });

      it("a saved plan applies as is, and is refused once the state or the data changed", async () => {
        const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const fake = fakeExecutors();
        const p = await plan(dir, fake);
        const file = join(dir, "plan.json");
        await savePlan(file, p, dir);
        // another apply moves the state on
        await apply(dir, fake, { targets: ["source.customers"] });
        await expect(applyProject(dir, { executors: fake.lookup, planFile: file })).rejects.toThrow(
          /state changed since the plan was made/,
        );
        const p2 = await plan(dir, fake);
        await savePlan(file, p2, dir);
        writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV + "9,1,1.0,pro,false\n");
        await expect(applyProject(dir, { executors: fake.lookup, planFile: file })).rejects.toThrow(
          /data data\/customers.csv changed/,
        );
        writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV);
        fake.ran.length = 0;
        const ok = await applyProject(dir, { executors: fake.lookup, planFile: file });
        expect(ok.ok && ok.result.ok).toBe(true);
        expect(fake.ran.sort()).toEqual([
          "features.usage",
          "gate.ship_a",
          "gate.ship_b",
          "model.a",
          "model.b",
          "split.holdout",
        ]);
      });

      it("a second concurrent apply fails at once naming the holder; with a lock timeout it waits", async () => {
        const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const slow = fakeExecutors({ delayMs: 150 });
        let started!: () => void;
        const running = new Promise<void>((r) => (started = r));
        const first = apply(dir, slow, {
          command: "mlc apply first",
          onEvent: (e) => e.type === "start" && started(),
        });
        await running;
        const second = await applyProject(dir, {
          executors: fakeExecutors().lookup,
          command: "mlc apply second",
        }).then(
          () => "applied",
          (e: Error) => e.message,
        );
        expect(second).toMatch(
          new RegExp(`locked by another apply: pid ${process.pid} on .*, running \`mlc apply first\` since`),
        );
        const waiting = applyProject(dir, { executors: fakeExecutors().lookup, lockTimeoutMs: 60_000 });
        expect((await first).result.ok).toBe(true);
        const w = await waiting;
        expect(w.ok && w.result.counts.unchanged).toBe(7);
      });

      it("writes OpenLineage START and COMPLETE/FAIL events with the spec's required fields", async () => {
        const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
        const file = join(dir, "ol.ndjson");
        process.env.MLC_OPENLINEAGE_FILE = file;
        try {
          await apply(dir, fakeExecutors({ failing: new Set(["gate.ship_b"]) }));
        } finally {
          delete process.env.MLC_OPENLINEAGE_FILE;
        }
        const events = readFileSync(file, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(events.filter((e) => e.eventType === "START")).toHaveLength(7);
        expect(events.filter((e) => e.eventType === "COMPLETE")).toHaveLength(6);
        const fail = events.find((e) => e.eventType === "FAIL")!;
        expect(fail.job.name).toBe("gate.ship_b");
        expect(fail.run.facets.errorMessage).toMatchObject({
          message: "gate.ship_b failed on purpose",
          _producer: expect.any(String),
          _schemaURL: expect.stringMatching(/^https:\/\//),
        });
        const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
        for (const e of events) {
          // RunEvent required: eventTime, run, job, producer, schemaURL; run.runId (uuid); job.namespace, job.name.
          expect(Number.isNaN(Date.parse(e.eventTime))).toBe(false);
          expect(e.eventTime).toMatch(/T.*Z$/);
          expect(e.run.runId).toMatch(uuid);
          expect(typeof e.job.namespace).toBe("string");
          expect(typeof e.job.name).toBe("string");
          expect(e.producer).toMatch(/^https?:\/\//);
          expect(e.schemaURL).toMatch(
            /^https:\/\/openlineage\.io\/spec\/\d+-\d+-\d+\/OpenLineage\.json#\/\$defs\/RunEvent$/,
          );
          expect(["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]).toContain(e.eventType);
          for (const d of [...e.inputs, ...e.outputs]) {
            expect(typeof d.namespace).toBe("string");
            expect(typeof d.name).toBe("string");
          }
        }
        const complete = events.find((e) => e.eventType === "COMPLETE" && e.job.name === "model.a")!;
        expect(complete.inputs.map((d: { name: string }) => d.name)).toContain("split.holdout");
        expect(complete.outputs.map((d: { name: string }) => d.name)).toEqual(["model.a/out"]);
        const start = events.find((e) => e.eventType === "START" && e.job.name === "model.a")!;
        expect(start.run.runId).toBe(complete.run.runId);
      });

      it("lineage walks from a node or an artifact hash back to the source data", async () => {
        const { dir } = await appliedProject();
        const store = await openState(dir);
        try {
          const tree = await lineageOf(store, "model.a");
          expect(tree.node).toBe("model.a");
          // A run shared by two paths (model.a reads features.usage directly and through the split) appears once.
          const find = (n: LineageNode, id: string): LineageNode | undefined => {
            for (const i of n.inputs) {
              if (i.producedBy?.node === id) return i.producedBy;
              const deeper = i.producedBy && find(i.producedBy, id);
              if (deeper) return deeper;
            }
            return undefined;
          };
          expect(find(tree, "split.holdout")).toBeDefined();
          expect(find(tree, "features.usage")).toBeDefined();
          const source = find(tree, "source.customers")!;
          expect(source.data).toMatchObject({ description: "data/customers.csv", rows: 3 });
          expect(source.data!.hash).toMatch(/^xxh64:[0-9a-f]{16}$/);
          const byHash = await lineageOf(store, tree.outputs[0]!.hash.slice(0, 10));
          expect(byHash.runId).toBe(tree.runId);
          expect(renderLineage(tree)).toMatch(/source\.customers .*\n.*data data\/customers\.csv/);
          await expect(lineageOf(store, "nothing")).rejects.toThrow(/no node or artifact/);
        } finally {
          await store.close();
        }
      });

      it("objects are written under .mlc/objects/ab/cdef… with no temporary files left", async () => {
        const { dir } = await appliedProject();
        const objects = join(dir, ".mlc", "objects");
        const prefixes = readdirSync(objects).filter((p) => p !== "tmp");
        expect(prefixes.length).toBeGreaterThan(0);
        for (const p of prefixes) {
          expect(p).toMatch(/^[0-9a-f]{2}$/);
          for (const f of readdirSync(join(objects, p))) expect(f).toMatch(/^[0-9a-f]{62}$/);
        }
        const tmp = join(objects, "tmp");
        expect(statSync(tmp).isDirectory() ? readdirSync(tmp) : []).toEqual([]);
      });
    });
  });
