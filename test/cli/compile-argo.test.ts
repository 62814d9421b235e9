// `mlc compile --target argo`: one DAG task per stale node running `mlc exec NODE`, edges from the
// graph; running the tasks' commands in dependency order leaves nothing to plan.
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { loadExecutors } from "../../src/runtime/executor-loader.js";
import { overrideExecutor } from "../../src/runtime/executor-registry.js";
import { CHURN_CSV, fakeExecutors, makeProject, TWO_MODELS } from "../runtime/fixtures.js";

type Task = { name: string; arguments: { parameters: { value: string }[] }; dependencies?: string[] };
type Workflow = {
  apiVersion: string;
  kind: string;
  spec: {
    entrypoint: string;
    templates: {
      name: string;
      dag?: { tasks: Task[] };
      container?: { command: string[]; envFrom: unknown[] };
    }[];
  };
};

beforeAll(async () => {
  await loadExecutors();
  for (const e of fakeExecutors().executors.values()) overrideExecutor(e);
});

const compile = async (dir: string): Promise<Workflow> => {
  const r = await runCli(["compile", dir, "--target", "argo", "--image", "registry.example/churn:1"]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as Workflow;
};
const tasksOf = (wf: Workflow) => wf.spec.templates.find((t) => t.name === wf.spec.entrypoint)!.dag!.tasks;

describe("mlc compile --target argo", () => {
  it("writes a Workflow whose DAG follows the graph, and whose steps, run in order, apply the plan", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const wf = await compile(dir);
    expect(wf).toMatchObject({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow" });
    const exec = wf.spec.templates.find((t) => t.name === "exec")!.container!;
    expect(exec.command.slice(0, 2)).toEqual(["mlc", "exec"]);
    expect(exec.envFrom).toEqual([{ secretRef: { name: "mlc-shared" } }]);
    const tasks = tasksOf(wf);
    expect(tasks).toHaveLength(7);
    const byName = new Map(tasks.map((t) => [t.name, t]));
    expect(byName.get("source-customers")!.dependencies).toBeUndefined();
    expect(byName.get("model-a")!.dependencies).toContain("split-holdout");
    expect(byName.get("gate-ship-a")!.dependencies).toContain("model-a");

    // Run each task's `mlc exec NODE` once its dependencies are done, as the cluster would.
    const done = new Set<string>();
    while (done.size < tasks.length) {
      const ready = tasks.filter(
        (t) => !done.has(t.name) && (t.dependencies ?? []).every((d) => done.has(d)),
      );
      expect(ready.length).toBeGreaterThan(0);
      for (const t of ready) {
        const r = await runCli(["exec", t.arguments.parameters[0]!.value, "--dir", dir]);
        expect(r.stderr).toBe("");
        done.add(t.name);
      }
    }
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(0);
    expect(tasksOf(await compile(dir))).toEqual([]);
  });

  it("leaves out nodes that are up to date, and their edges", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    await runCli(["exec", "source.customers", "--dir", dir]);
    const tasks = tasksOf(await compile(dir));
    expect(tasks.map((t) => t.name)).not.toContain("source-customers");
    expect(tasks.find((t) => t.name === "features-usage")!.dependencies).toBeUndefined();
  });
});
