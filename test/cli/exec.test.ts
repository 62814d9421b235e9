// `mlc exec NODE` runs exactly one node: it refuses while an input is stale, runs the node once its
// inputs are up to date, records it as apply would, and does nothing when the node is up to date.
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { loadExecutors } from "../../src/runtime/executor-loader.js";
import { overrideExecutor } from "../../src/runtime/executor-registry.js";
import { CHURN_CSV, fakeExecutors, makeProject, TWO_MODELS } from "../runtime/fixtures.js";

const fake = fakeExecutors();
beforeAll(async () => {
  await loadExecutors();
  for (const e of fake.executors.values()) overrideExecutor(e);
});

describe("mlc exec NODE", () => {
  it("runs one node at a time in dependency order, then plans no changes", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const early = await runCli(["exec", "model.a", "--dir", dir]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /exec model\.a: its inputs are not up to date: source\.customers \(create\)/,
    );
    expect(fake.ran).toEqual([]);

    const order = ["source.customers", "features.usage", "split.holdout", "model.a"];
    for (const id of order) {
      const r = await runCli(["exec", id, "--dir", dir]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(`exec ${id}: done (create)\n`);
    }
    expect(fake.ran).toEqual(order);
    const again = await runCli(["exec", "model.a", "--dir", dir]);
    expect(again.stdout).toBe("exec model.a: up to date\n");
    expect(fake.ran).toEqual(order);

    const plan = await runCli(["plan", dir]);
    expect(plan.stdout).not.toMatch(/model\.a|source\.customers/);
    expect(plan.stdout).toMatch(/\+ model\.b/);
  });
});
