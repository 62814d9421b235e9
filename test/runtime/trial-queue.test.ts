// The trial queue in PostgreSQL: concurrent claims never hand one trial to two workers (SKIP LOCKED),
// a trial whose worker stops renewing its lease is claimed again and answered, a trial that keeps
// losing its workers is answered with an error, and a late answer from a lost lease is dropped.
import { afterAll, describe, expect, it } from "vitest";
import { PgTrialQueue } from "../../src/runtime/trial-queue/pg-queue.js";
import { PG, pgSchemas } from "./pg-schemas.js";

const freshSchema = pgSchemas();
const queues: PgTrialQueue[] = [];
const open = async (schema: string, o: { maxAttempts?: number } = {}) => {
  const q = await PgTrialQueue.open(PG!, schema, { pollMs: 20, ...o });
  queues.push(q);
  return q;
};
afterAll(async () => {
  for (const q of queues) await q.close();
});
const study = (id: string) => ({
  id,
  model: "m",
  spec: { algorithm: "gbdt" },
  data: { train: "t", valid: "v" },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!PG)("trial queue on PostgreSQL (needs MLC_TEST_PG_URL)", () => {
  it("hands each of 24 trials to exactly one of 4 concurrent workers", async () => {
    const schema = freshSchema("mlc_tq");
    const coord = await open(schema);
    await coord.open(study("s1"));
    const answers = Array.from({ length: 24 }, (_, i) => coord.run("s1", i, { index: i }));
    const workers = await Promise.all([1, 2, 3, 4].map(() => open(schema)));
    const claimedBy = new Map<number, string[]>();
    await Promise.all(
      workers.map(async (w, n) => {
        for (let idle = 0; idle < 20;) {
          const c = await w.claim(`w${n}`, 60_000);
          if (!c) {
            idle++;
            await sleep(25);
            continue;
          }
          claimedBy.set(c.index, [...(claimedBy.get(c.index) ?? []), `w${n}`]);
          expect(await w.answer(c, { values: { auc: c.index / 100 }, progress: [] })).toBe(true);
        }
      }),
    );
    const got = await Promise.all(answers);
    expect(got.map((a) => (a as { values: { auc: number } }).values.auc)).toEqual(
      Array.from({ length: 24 }, (_, i) => i / 100),
    );
    expect([...claimedBy.values()].every((ws) => ws.length === 1)).toBe(true);
    expect(claimedBy.size).toBe(24);
    const rows = await coord.trials("s1");
    expect(rows.every((r) => r.status === "done" && r.runs === 1)).toBe(true);
  });

  it("claims a trial again when its worker stops renewing the lease, and drops the lost worker's late answer", async () => {
    const schema = freshSchema("mlc_tq");
    const coord = await open(schema);
    await coord.open(study("s2"));
    const answer = coord.run("s2", 0, { index: 0 });
    const a = await open(schema);
    const b = await open(schema);
    const first = await a.claim("crashed", 300);
    expect(first).toMatchObject({ index: 0, attempt: 1 });
    // While the lease holds, nobody else gets the trial.
    expect(await b.claim("b", 60_000)).toBeUndefined();
    await sleep(600); // the crashed worker sends no heartbeat
    const again = await b.claim("b", 60_000);
    expect(again).toMatchObject({ index: 0, attempt: 2 });
    expect(await a.heartbeat(first!, 60_000)).toBe(false);
    expect(await a.answer(first!, { values: { auc: 0 }, progress: [] })).toBe(false);
    expect(await b.answer(again!, { values: { auc: 0.75 }, progress: [] })).toBe(true);
    expect(await answer).toEqual({ values: { auc: 0.75 }, progress: [] });
    expect((await coord.trials("s2"))[0]).toMatchObject({ status: "done", runs: 2 });
  });

  it("answers a trial with an error after it lost its worker maxAttempts times, and reuses a recorded answer", async () => {
    const schema = freshSchema("mlc_tq");
    const coord = await open(schema, { maxAttempts: 2 });
    await coord.open(study("s3"));
    const answer = coord.run("s3", 0, { index: 0 });
    for (let i = 0; i < 2; i++) {
      while (!(await coord.claim(`w${i}`, 200))) await sleep(50);
      await sleep(300);
    }
    expect(await coord.claim("w3", 200)).toBeUndefined();
    expect(await answer).toEqual({ error: "the trial's worker stopped 2 times before answering" });
    // The same task again (a resumed apply) gets the recorded answer without a claim.
    expect(await coord.run("s3", 0, { index: 0 })).toEqual({
      error: "the trial's worker stopped 2 times before answering",
    });
  });
});
