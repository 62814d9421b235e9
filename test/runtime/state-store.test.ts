// The same state-store suite against SQLite and PostgreSQL (MLC_TEST_PG_URL; skipped when unset).
import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import type { NodeRecord, RunRecord, StateStore } from "../../src/ir/state-store.js";
import type { GraphNode } from "../../src/ir/graph-ir.js";
import { PG, pgSchemas } from "./pg-schemas.js";

const freshSchema = pgSchemas();

interface Backend {
  name: string;
  skip?: string;
  /** Opens a store on a fresh, empty state; `same` opens a second connection to the same state. */
  fresh(): Promise<{ store: StateStore; same(): Promise<StateStore> }>;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), "mlc-state-"));
      return {
        store: await openState(dir, { url: join(dir, "state.db") }),
        same: () => openState(dir, { url: join(dir, "state.db") }),
      };
    },
  },
  {
    name: "postgres",
    skip: PG ? undefined : "MLC_TEST_PG_URL is not set",
    async fresh() {
      const schema = freshSchema("mlc_test");
      return {
        store: await openState("/nonexistent", { url: PG!, schema }),
        same: () => openState("/nonexistent", { url: PG!, schema }),
      };
    },
  },
];

const gnode = (id: string): GraphNode => ({
  id,
  kind: id.split(".")[0]!,
  name: id.split(".")[1]!,
  config: { threshold: 0.5 },
  inputs: [],
});

function nodeRecord(id: string, fingerprint: string, runId: string, artifact: string): NodeRecord {
  return {
    id,
    kind: id.split(".")[0]!,
    fingerprint,
    columns: { a: "c1" },
    node: gnode(id),
    inputFingerprints: {},
    data: { hash: "xxh64:0011", rows: 3, description: "data/x.csv" },
    executorVersion: "1",
    result: { artifacts: { out: artifact }, metrics: { rows: 3 } },
    status: "ok",
    runId,
    updated: new Date().toISOString(),
  };
}

function run(id: string, node: string): RunRecord {
  return {
    id,
    applyId: "apply-1",
    node,
    kind: node.split(".")[0]!,
    fingerprint: "fp",
    started: new Date().toISOString(),
    status: "running",
    timings: {},
    inputs: [],
    config: {},
    executorVersion: "1",
  };
}

const H1 = "a".repeat(64);
const H2 = "b".repeat(64);

for (const b of backends) {
  describe.skipIf(b.skip !== undefined)(
    `state store on ${b.name}${b.skip ? ` (skipped: ${b.skip})` : ""}`,
    () => {
      it("migrates an empty state idempotently and starts at serial 0", async () => {
        const { store, same } = await b.fresh();
        const again = await same();
        expect(await store.serial()).toBe(0);
        expect((await again.snapshot()).nodes).toEqual({});
        await again.close();
        await store.close();
      });

      it("records a finished node atomically with its run, artifacts, metrics and lineage", async () => {
        const { store } = await b.fresh();
        await store.startRun(run("r1", "source.s"));
        await store.commitSuccess({
          runId: "r1",
          ended: new Date().toISOString(),
          timings: { run: 5 },
          node: nodeRecord("source.s", "fp1", "r1", H1),
          artifacts: [
            {
              hash: H1,
              size: 10,
              node: "source.s",
              role: "out",
              runId: "r1",
              created: new Date().toISOString(),
            },
          ],
          metrics: { rows: 3 },
          edges: [{ runId: "r1", direction: "output", artifact: H1, node: "source.s", role: "out" }],
        });
        const snap = await store.snapshot();
        expect(snap.serial).toBe(1);
        expect(snap.nodes["source.s"]!.fingerprint).toBe("fp1");
        expect(snap.nodes["source.s"]!.data).toEqual({
          hash: "xxh64:0011",
          rows: 3,
          description: "data/x.csv",
        });
        expect((await store.getRun("r1"))!.status).toBe("ok");
        expect(await store.metricsOfRun("r1")).toEqual({ rows: 3 });
        expect(await store.producersOf(H1)).toEqual(["r1"]);
        expect((await store.artifactsByPrefix("aaaaaa")).map((a) => a.hash)).toEqual([H1]);
        expect(await store.edgesOfRun("r1")).toHaveLength(1);
        await store.close();
      });

      it("a failure keeps the last good result and marks the node failed", async () => {
        const { store } = await b.fresh();
        await store.startRun(run("r1", "model.m"));
        await store.commitSuccess({
          runId: "r1",
          ended: "t",
          timings: {},
          node: nodeRecord("model.m", "fp1", "r1", H1),
          artifacts: [],
          metrics: {},
          edges: [],
        });
        await store.startRun(run("r2", "model.m"));
        await store.commitFailure({
          runId: "r2",
          ended: "t2",
          timings: {},
          error: "boom",
          graphNode: gnode("model.m"),
        });
        const n = (await store.getNode("model.m"))!;
        expect(n.status).toBe("failed");
        expect(n.error).toBe("boom");
        expect(n.fingerprint).toBe("fp1");
        expect(n.result!.artifacts.out).toBe(H1);
        expect((await store.getRun("r2"))!.status).toBe("failed");
        // a node that never succeeded is recorded without a fingerprint
        await store.startRun(run("r3", "gate.g"));
        await store.commitFailure({
          runId: "r3",
          ended: "t3",
          timings: {},
          error: "no",
          graphNode: gnode("gate.g"),
        });
        expect((await store.getNode("gate.g"))!.fingerprint).toBe("");
        await store.close();
      });

      it("marks runs left running by a killed apply as interrupted", async () => {
        const { store } = await b.fresh();
        await store.startRun(run("r1", "model.m"));
        await store.startRun(run("r2", "model.n"));
        // an exec holding only model.m's lock leaves model.n's live run alone
        expect(await store.interruptRunningRuns(["model.m"])).toBe(1);
        expect((await store.getRun("r2"))!.status).toBe("running");
        expect(await store.interruptRunningRuns()).toBe(1);
        expect((await store.getRun("r1"))!.status).toBe("interrupted");
        expect((await store.getRun("r2"))!.status).toBe("interrupted");
        await store.close();
      });

      it("retired nodes leave the snapshot and stop keeping their artifacts alive", async () => {
        const { store } = await b.fresh();
        await store.commitSuccess({
          runId: "r1",
          ended: "t",
          timings: {},
          node: nodeRecord("model.m", "fp", "r1", H1),
          artifacts: [],
          metrics: {},
          edges: [],
        });
        await store.records.put("model_versions", "m@1", { v: 1 }, [H2]);
        expect([...(await store.referencedArtifacts())].sort()).toEqual([H1, H2]);
        await store.retireNode("model.m");
        expect((await store.snapshot()).nodes).toEqual({});
        expect((await store.listNodes({ includeRetired: true })).map((n) => n.status)).toEqual(["retired"]);
        expect([...(await store.referencedArtifacts())]).toEqual([H2]);
        await store.close();
      });

      it("a second holder is refused the lock with the holder's pid, host, command and start", async () => {
        const { store, same } = await b.fresh();
        const other = await same();
        const info = {
          pid: process.pid,
          host: "host-a",
          command: "mlc apply .",
          since: "2026-01-01T00:00:00Z",
        };
        expect(await store.lock.acquire(info)).toEqual({ acquired: true });
        const second = await other.lock.acquire({ ...info, command: "mlc apply again" });
        expect(second).toEqual({ acquired: false, holder: info });
        await store.lock.release();
        expect((await other.lock.acquire({ ...info, command: "mlc apply again" })).acquired).toBe(true);
        expect((await store.lock.holder())!.command).toBe("mlc apply again");
        expect((await store.lock.forceUnlock())!.command).toBe("mlc apply again");
        expect(await store.lock.holder()).toBeUndefined();
        await other.close();
        await store.close();
      });

      it("node locks: different nodes together, the same node and the whole state excluded", async () => {
        const { store, same } = await b.fresh();
        const [b1, c1, d1] = [await same(), await same(), await same()];
        const info = (command: string) => ({
          pid: process.pid,
          host: "host-a",
          command,
          since: "2026-01-01T00:00:00Z",
        });
        expect(await store.lock.acquireNode("model.a", info("mlc exec model.a"))).toEqual({ acquired: true });
        // another node's exec runs at the same time
        expect(await b1.lock.acquireNode("model.b", info("mlc exec model.b"))).toEqual({ acquired: true });
        // the same node is refused, naming its holder
        expect(await c1.lock.acquireNode("model.a", info("mlc exec model.a again"))).toEqual({
          acquired: false,
          holder: { ...info("mlc exec model.a"), node: "model.a" },
        });
        // an apply is refused while any exec holds a node, and names one of them
        const apply = await d1.lock.acquire(info("mlc apply ."));
        expect(apply.acquired).toBe(false);
        expect(!apply.acquired && ["model.a", "model.b"].includes(apply.holder.node!)).toBe(true);
        expect((await store.lock.nodeHolders()).map((h) => h.node).sort()).toEqual(["model.a", "model.b"]);
        await store.lock.release();
        // released: the same node is free again, but the apply still waits for model.b
        expect((await c1.lock.acquireNode("model.a", info("mlc exec model.a again"))).acquired).toBe(true);
        await c1.lock.release();
        const stillB = await d1.lock.acquire(info("mlc apply ."));
        expect(!stillB.acquired && stillB.holder.node).toBe("model.b");
        await b1.lock.release();
        expect(await store.lock.nodeHolders()).toEqual([]);
        expect(await d1.lock.acquire(info("mlc apply ."))).toEqual({ acquired: true });
        // while the apply holds the state, no exec starts
        expect(await store.lock.acquireNode("model.a", info("mlc exec model.a"))).toEqual({
          acquired: false,
          holder: info("mlc apply ."),
        });
        await d1.lock.release();
        for (const s of [b1, c1, d1, store]) await s.close();
      });

      it("a node lock whose holder's pid is dead: SQLite takes it over, PostgreSQL asks the session", async () => {
        const { store, same } = await b.fresh();
        const other = await same();
        const dead = { pid: 2 ** 22 + 12345, host: hostname(), command: "mlc exec model.a", since: "t" };
        // `store` stays open without releasing, as a killed process leaves its row
        expect((await store.lock.acquireNode("model.a", dead)).acquired).toBe(true);
        const live = { pid: process.pid, host: hostname(), command: "mlc exec model.a (2)", since: "t2" };
        if (b.name === "sqlite") {
          // the rows decide: a holder on this host whose process is gone is stale
          expect(await other.lock.acquireNode("model.a", live)).toEqual({ acquired: true });
          expect((await other.lock.nodeHolders()).map((h) => h.command)).toEqual([live.command]);
        } else {
          // the advisory lock decides: its session is alive, whatever pid the row names
          expect(await other.lock.acquireNode("model.a", live)).toEqual({
            acquired: false,
            holder: { ...dead, node: "model.a" },
          });
        }
        expect((await other.lock.forceUnlock("model.a"))!.node).toBe("model.a");
        expect(await other.lock.nodeHolders()).toEqual([]);
        await other.close();
        await store.close();
      });

      it("updates one record atomically from several connections", async () => {
        const { store, same } = await b.fresh();
        const other = await same();
        const bump = (s: StateStore) =>
          s.records.update("counters", "c", (r) => ({
            value: { n: ((r?.value as { n: number } | undefined)?.n ?? 0) + 1 },
          }));
        await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 ? store : other)));
        expect((await store.records.get("counters", "c"))!.value).toEqual({ n: 20 });
        expect(await store.records.update("counters", "c", () => undefined)).toBe(false);
        await other.close();
        await store.close();
      });

      it("keeps registry records with prefixes, batches and atomic sequences", async () => {
        const { store, same } = await b.fresh();
        const other = await same();
        await store.records.putMany([
          { collection: "aliases", key: "churn/champion", value: { version: 2 } },
          { collection: "aliases", key: "churn/challenger", value: { version: 3 } },
          { collection: "aliases", key: "other/champion", value: { version: 1 } },
        ]);
        expect((await store.records.list("aliases", "churn/")).map((r) => r.key)).toEqual([
          "churn/challenger",
          "churn/champion",
        ]);
        expect((await other.records.get("aliases", "churn/champion"))!.value).toEqual({ version: 2 });
        expect(await store.records.delete("aliases", "churn/champion")).toBe(true);
        expect(await store.records.get("aliases", "churn/champion")).toBeUndefined();
        const seqs = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? store : other).records.nextSequence("model.churn")),
        );
        expect(seqs.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
        await other.close();
        await store.close();
      });

      it("persists the stat cache", async () => {
        const { store, same } = await b.fresh();
        await store.saveStatCache([
          { path: "/d/x.csv", size: 10, mtimeMs: 1234.5, hash: "xxh64:ff", rows: 2 },
          { path: "/d/y", size: 1, mtimeMs: 1, hash: "h" },
        ]);
        await store.saveStatCache([{ path: "/d/y", size: 2, mtimeMs: 2, hash: "h2" }]);
        const other = await same();
        const entries = (await other.loadStatCache()).sort((a, c) => (a.path < c.path ? -1 : 1));
        expect(entries).toEqual([
          { path: "/d/x.csv", size: 10, mtimeMs: 1234.5, hash: "xxh64:ff", rows: 2 },
          { path: "/d/y", size: 2, mtimeMs: 2, hash: "h2", rows: undefined },
        ]);
        await other.close();
        await store.close();
      });
    },
  );
}
