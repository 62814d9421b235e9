// Registry writes from several connections at once (two `mlc exec` processes sharing one state), on
// SQLite and on PostgreSQL (MLC_TEST_PG_URL; skipped when unset): no history out of order, nothing lost.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import type { StateStore } from "../../src/ir/state-store.js";
import { ModelRegistry, RegistryConflictError } from "../../src/registry/model-registry.js";
import { PG, pgSchemas } from "../runtime/pg-schemas.js";

const freshSchema = pgSchemas();

const backends: { name: string; skip?: string; open(): () => Promise<StateStore> }[] = [
  {
    name: "sqlite",
    open() {
      const dir = mkdtempSync(join(tmpdir(), "mlc-races-"));
      return () => openState(dir);
    },
  },
  {
    name: "postgres",
    skip: PG ? undefined : "MLC_TEST_PG_URL is not set",
    open() {
      const schema = freshSchema("mlc_races");
      return () => openState("/nonexistent", { url: PG!, schema });
    },
  },
];

const base = {
  algorithm: "gbdt",
  params: {},
  runId: "r1",
  metrics: {},
};
const version = (model: string, n: number) => ({
  ...base,
  model,
  fingerprint: `f${n}`,
  artifacts: { model: String(n).repeat(64).slice(0, 64) },
});

for (const b of backends) {
  describe.skipIf(b.skip !== undefined)(`registry races (${b.name})`, () => {
    it("alias moves from several connections at once chain in the history (each previous is the one before)", async () => {
      const open = b.open();
      const stores = [await open(), await open(), await open()];
      const regs = stores.map((s) => new ModelRegistry(s));
      for (let n = 1; n <= 7; n++) await regs[0]!.addVersion(version("churn", n));
      await regs[0]!.setAlias("churn", "champion", 1, "first");
      // six deploy nodes applied at the same moment, from three connections
      await Promise.all(
        [2, 3, 4, 5, 6, 7].map((v, i) => regs[i % 3]!.setAlias("churn", "champion", v, `deploy ${v}`)),
      );
      const history = await regs[1]!.history("churn");
      expect(history).toHaveLength(7);
      expect(history.map((e) => e.version).sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
      for (let i = 1; i < history.length; i++) expect(history[i]!.previous).toBe(history[i - 1]!.version);
      expect((await regs[2]!.alias("churn", "champion"))?.version).toBe(history.at(-1)!.version);
      for (const s of stores) await s.close();
    });

    it("removing an alias while another connection moves it keeps history and alias agreeing", async () => {
      const open = b.open();
      const stores = [await open(), await open()];
      const regs = stores.map((s) => new ModelRegistry(s));
      for (let n = 1; n <= 3; n++) await regs[0]!.addVersion(version("churn", n));
      await regs[0]!.setAlias("churn", "challenger", 1, "first");
      await Promise.all([
        regs[0]!.setAlias("churn", "challenger", null, "stopped"),
        regs[1]!.setAlias("churn", "challenger", 2, "rollout"),
        regs[0]!.setAlias("churn", "challenger", 3, "rollout"),
      ]);
      const history = await regs[1]!.history("churn");
      for (let i = 1; i < history.length; i++) expect(history[i]!.previous).toBe(history[i - 1]!.version);
      expect((await regs[1]!.alias("churn", "challenger"))?.version ?? null).toBe(history.at(-1)!.version);
      for (const s of stores) await s.close();
    });
  });
}

for (const b of backends) {
  describe.skipIf(b.skip !== undefined)(`registry version numbers under races (${b.name})`, () => {
    it("a version imported while another connection adds one: each keeps its own number", async () => {
      const open = b.open();
      const stores = [await open(), await open()];
      const [a, c] = stores.map((s) => new ModelRegistry(s));
      const found = { ...version("churn", 1), version: 1, gates: {}, created: "2026-01-01T00:00:00.000Z" };
      // `mlc state rebuild` re-registers version 1 from its bundle while a model node trains a new one.
      // The two steps serialise in either order; both orders must keep every number to one content.
      const [imported, added] = await Promise.allSettled([
        a!.importVersion(found),
        c!.addVersion(version("churn", 2)),
      ]);
      expect(added.status).toBe("fulfilled");
      const addedVersion = added.status === "fulfilled" ? added.value.version : -1;
      if (imported.status === "fulfilled") {
        // the import went first: the new version is numbered after it
        expect(imported.value).toBe(true);
        expect(addedVersion).toBe(2);
        expect((await a!.version("churn", 1))?.artifacts).toEqual(found.artifacts);
      } else {
        // the add went first and took number 1: the import is refused, never written over it
        expect(imported.reason).toBeInstanceOf(RegistryConflictError);
        expect(addedVersion).toBe(1);
      }
      expect((await a!.version("churn", addedVersion))?.artifacts).toEqual(version("churn", 2).artifacts);
      expect((await c!.addVersion(version("churn", 3))).version).toBe(addedVersion + 1);
      for (const s of stores) await s.close();
    });
  });
}
