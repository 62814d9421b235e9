// `mlc compile --target kubeflow`: a Kubeflow Pipelines v2 PipelineSpec and its Kubernetes platform
// spec. The test checks the structure KFP resolves (component, executor, task and input references,
// an acyclic DAG, the Secret's keys as environment), then runs each task's command as its own
// `mlc exec` in dependency order, as the cluster would: nothing is left to plan.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { loadExecutors } from "../../src/runtime/executor-loader.js";
import { overrideExecutor } from "../../src/runtime/executor-registry.js";
import { CHURN_CSV, fakeExecutors, makeProject, TWO_MODELS } from "../runtime/fixtures.js";

interface Task {
  taskInfo: { name: string };
  componentRef: { name: string };
  dependentTasks?: string[];
  inputs: { parameters: Record<string, { runtimeValue: { constant: string } }> };
  cachingOptions: { enableCache: boolean };
  retryPolicy: { maxRetryCount: number };
}
interface PipelineSpec {
  pipelineInfo: { name: string };
  schemaVersion: string;
  components: Record<
    string,
    { executorLabel: string; inputDefinitions: { parameters: Record<string, { parameterType: string }> } }
  >;
  deploymentSpec: {
    executors: Record<string, { container: { image: string; command: string[]; args: string[] } }>;
  };
  root: { dag: { tasks: Record<string, Task> } };
}
interface PlatformSpec {
  platforms: {
    kubernetes: {
      deploymentSpec: {
        executors: Record<
          string,
          { secretAsEnv: { secretName: string; keyToEnv: { secretKey: string; envVar: string }[] }[] }
        >;
      };
    };
  };
}

beforeAll(async () => {
  await loadExecutors();
  for (const e of fakeExecutors().executors.values()) overrideExecutor(e);
});

async function compile(dir: string, extra: string[] = []): Promise<[PipelineSpec, PlatformSpec]> {
  const r = await runCli([
    "compile",
    dir,
    "--target",
    "kubeflow",
    "--image",
    "registry.example/churn:1",
    ...extra,
  ]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const docs = r.stdout.split(/^---$/m);
  expect(docs).toHaveLength(2);
  return [JSON.parse(docs[0]!) as PipelineSpec, JSON.parse(docs[1]!) as PlatformSpec];
}

/** What the KFP backend resolves before it runs anything; returns the problems found. */
function structuralProblems(p: PipelineSpec, platform: PlatformSpec): string[] {
  const problems: string[] = [];
  if (!/^2\.\d+\.\d+$/.test(p.schemaVersion)) problems.push(`schemaVersion ${p.schemaVersion}`);
  if (!p.pipelineInfo?.name) problems.push("no pipelineInfo.name");
  const tasks = p.root.dag.tasks;
  for (const [name, t] of Object.entries(tasks)) {
    if (t.taskInfo.name !== name) problems.push(`${name}: taskInfo.name ${t.taskInfo.name}`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) problems.push(`${name}: not a DNS-1123 label`);
    const comp = p.components[t.componentRef.name];
    if (!comp) {
      problems.push(`${name}: no component ${t.componentRef.name}`);
      continue;
    }
    if (!p.deploymentSpec.executors[comp.executorLabel])
      problems.push(`${name}: no executor ${comp.executorLabel}`);
    const declared = Object.keys(comp.inputDefinitions.parameters).sort();
    if (JSON.stringify(Object.keys(t.inputs.parameters).sort()) !== JSON.stringify(declared))
      problems.push(`${name}: inputs ${Object.keys(t.inputs.parameters)} vs ${declared}`);
    for (const d of t.dependentTasks ?? []) if (!tasks[d]) problems.push(`${name}: depends on unknown ${d}`);
    if (t.cachingOptions.enableCache) problems.push(`${name}: KFP cache on`);
  }
  // acyclic: peel tasks whose dependencies are peeled
  const left = new Set(Object.keys(tasks));
  for (let progress = true; progress && left.size;) {
    progress = false;
    for (const n of [...left])
      if ((tasks[n]!.dependentTasks ?? []).every((d) => !left.has(d))) {
        left.delete(n);
        progress = true;
      }
  }
  if (left.size) problems.push(`a cycle through ${[...left].join(", ")}`);
  for (const e of Object.keys(platform.platforms.kubernetes.deploymentSpec.executors))
    if (!p.deploymentSpec.executors[e]) problems.push(`platform spec: unknown executor ${e}`);
  return problems;
}

describe("mlc compile --target kubeflow", () => {
  it("writes a pipeline KFP can resolve, whose tasks, each run as its own `mlc exec` in order, apply the plan", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const [p, platform] = await compile(dir, ["--retries", "3", "--secret-keys", "MLC_STATE_URL,AWS_REGION"]);
    expect(structuralProblems(p, platform)).toEqual([]);
    const exec = Object.values(p.deploymentSpec.executors)[0]!.container;
    expect(exec.image).toBe("registry.example/churn:1");
    expect([...exec.command, ...exec.args]).toEqual([
      "mlc",
      "exec",
      "{{$.inputs.parameters['node']}}",
      "--dir",
      "/project",
      "--lock-timeout",
      "60m",
    ]);
    expect(Object.values(platform.platforms.kubernetes.deploymentSpec.executors)[0]!.secretAsEnv).toEqual([
      {
        secretName: "mlc-shared",
        keyToEnv: [
          { secretKey: "MLC_STATE_URL", envVar: "MLC_STATE_URL" },
          { secretKey: "AWS_REGION", envVar: "AWS_REGION" },
        ],
      },
    ]);
    const tasks = p.root.dag.tasks;
    expect(Object.keys(tasks)).toHaveLength(7);
    expect(tasks["model-a"]!.dependentTasks).toContain("split-holdout");
    expect(tasks["source-customers"]!.dependentTasks).toBeUndefined();
    expect(Object.values(tasks).every((t) => t.retryPolicy.maxRetryCount === 3)).toBe(true);

    const done = new Set<string>();
    while (done.size < Object.keys(tasks).length) {
      const ready = Object.entries(tasks).filter(
        ([n, t]) => !done.has(n) && (t.dependentTasks ?? []).every((d) => done.has(d)),
      );
      expect(ready.length).toBeGreaterThan(0);
      for (const [n, t] of ready) {
        const r = await runCli(["exec", t.inputs.parameters.node!.runtimeValue.constant, "--dir", dir]);
        expect(r.stderr).toBe("");
        done.add(n);
      }
    }
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(0);
    expect(Object.keys((await compile(dir))[0].root.dag.tasks)).toEqual([]);
  });

  it("gives a model's `resources` its own executor with the requests; editing them retrains nothing", async () => {
    const spec = TWO_MODELS.replace(
      "model a {\n",
      'model a {\n  resources = { cpu = "2", memory = "4Gi", gpu = "1" }\n',
    );
    expect(spec).not.toBe(TWO_MODELS);
    const dir = makeProject({ "main.mlspec": spec, "data/customers.csv": CHURN_CSV });
    const [p, platform] = await compile(dir);
    expect(structuralProblems(p, platform)).toEqual([]);
    const comp = p.components[p.root.dag.tasks["model-a"]!.componentRef.name]!;
    expect(p.deploymentSpec.executors[comp.executorLabel]!.container).toMatchObject({
      resources: {
        resourceCpuRequest: "2",
        resourceMemoryRequest: "4Gi",
        accelerator: { resourceType: "nvidia.com/gpu", resourceCount: "1" },
      },
    });
    const other = p.components[p.root.dag.tasks["model-b"]!.componentRef.name]!;
    expect(p.deploymentSpec.executors[other.executorLabel]!.container).not.toHaveProperty("resources");
    const argo = JSON.parse((await runCli(["compile", dir, "--target", "argo", "--image", "x"])).stdout) as {
      spec: {
        templates: {
          name: string;
          dag?: { tasks: { name: string; template: string }[] };
          container?: { resources?: unknown };
        }[];
      };
    };
    const a = argo.spec.templates.find((t) => t.dag)!.dag!.tasks.find((t) => t.name === "model-a")!;
    expect(argo.spec.templates.find((t) => t.name === a.template)!.container!.resources).toEqual({
      requests: { cpu: "2", memory: "4Gi", "nvidia.com/gpu": "1" },
      limits: { "nvidia.com/gpu": "1" },
    });
    for (const t of Object.values(p.root.dag.tasks))
      await runCli(["exec", t.inputs.parameters.node!.runtimeValue.constant, "--dir", dir]);
    writeFileSync(join(dir, "main.mlspec"), spec.replace('cpu = "2"', 'cpu = "500m"'));
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(0);
    writeFileSync(join(dir, "main.mlspec"), spec.replace('memory = "4Gi"', 'memory = "lots"'));
    const bad = await runCli(["validate", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/MLC1130[\s\S]*resources\.memory = "lots" is not a Kubernetes quantity/);
  });

  it("refuses an unknown target and a key that is not a variable name", async () => {
    const dir = makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });
    const bad = await runCli(["compile", dir, "--target", "tekton", "--image", "x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown --target 'tekton' \(known: argo, kubeflow\)/);
    const key = await runCli([
      "compile",
      dir,
      "--target",
      "kubeflow",
      "--image",
      "x",
      "--secret-keys",
      "A-B",
    ]);
    expect(key.code).toBe(1);
    expect(key.stderr).toMatch(/--secret-keys must be environment variable names/);
  });
});
