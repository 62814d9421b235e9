// A plan as a Kubeflow Pipelines (v2) pipeline: the compiled PipelineSpec (one `mlc exec NODE` task
// per stale node, dependencies from the graph, retries, KFP's cache off since mlc decides what is
// up to date) followed by its Kubernetes platform spec, which sets the state and store settings as
// environment variables from a Secret. Two YAML documents, each written as JSON (valid YAML), as
// `kfp.compiler` writes a pipeline with kfp-kubernetes settings.
import type { Json } from "../../ir/graph-ir.js";
import type { Plan } from "../plan.js";
import { resourceVariants, variantKey, workflowSteps } from "./steps.js";

/** KFP's container resource spec (kfp ≥ 2.8 field names) for a step's requests. */
function kfpResources(r: Record<string, string>): { [k: string]: Json } {
  return {
    ...(r.cpu ? { resourceCpuRequest: r.cpu } : {}),
    ...(r.memory ? { resourceMemoryRequest: r.memory } : {}),
    ...(r.gpu ? { accelerator: { resourceType: "nvidia.com/gpu", resourceCount: r.gpu } } : {}),
  };
}

export interface KubeflowOptions {
  /** The image holding mlc and the project (spec and data) at `dir`. */
  image: string;
  /** The project's folder inside the image. */
  dir: string;
  /** The Secret holding the shared settings. */
  secret: string;
  /** Its keys, each set as the environment variable of the same name. */
  secretKeys: string[];
  /** The pipeline's name. */
  name: string;
  retries: number;
}

const COMPONENT = "comp-exec";
const EXECUTOR = "exec-exec";

/** [pipeline spec, platform spec]. */
export function kubeflowPipeline(
  plan: Plan,
  o: KubeflowOptions,
): [{ [k: string]: Json }, { [k: string]: Json }] {
  const steps = workflowSteps(plan);
  // one component and executor per distinct resource request (a model's `resources = { … }`)
  const variants = resourceVariants(steps);
  const tasks: { [k: string]: Json } = {};
  for (const s of steps)
    tasks[s.name] = {
      taskInfo: { name: s.name },
      componentRef: { name: `${COMPONENT}${variants.get(variantKey(s))!.suffix}` },
      ...(s.dependencies.length ? { dependentTasks: s.dependencies } : {}),
      inputs: { parameters: { node: { runtimeValue: { constant: s.node } } } },
      cachingOptions: { enableCache: false },
      retryPolicy: { maxRetryCount: o.retries },
    };
  const pipeline = {
    pipelineInfo: { name: o.name },
    schemaVersion: "2.1.0",
    sdkVersion: "mlc-0.1.0",
    components: Object.fromEntries(
      [...variants.values()].map((v) => [
        `${COMPONENT}${v.suffix}`,
        {
          executorLabel: `${EXECUTOR}${v.suffix}`,
          inputDefinitions: { parameters: { node: { parameterType: "STRING" } } },
        },
      ]),
    ),
    deploymentSpec: {
      executors: Object.fromEntries(
        [...variants.values()].map((v) => [
          `${EXECUTOR}${v.suffix}`,
          {
            container: {
              image: o.image,
              command: ["mlc", "exec"],
              // Tasks of independent branches run together (an exec locks only its node).
              args: ["{{$.inputs.parameters['node']}}", "--dir", o.dir, "--lock-timeout", "60m"],
              ...(v.resources ? { resources: kfpResources(v.resources) } : {}),
            },
          },
        ]),
      ),
    },
    root: { dag: { tasks } },
  };
  const platform = {
    platforms: {
      kubernetes: {
        deploymentSpec: {
          executors: Object.fromEntries(
            [...variants.values()].map((v) => [
              `${EXECUTOR}${v.suffix}`,
              {
                secretAsEnv: [
                  {
                    secretName: o.secret,
                    keyToEnv: o.secretKeys.map((k) => ({ secretKey: k, envVar: k })),
                  },
                ],
              },
            ]),
          ),
        },
      },
    },
  };
  return [pipeline, platform];
}

/** The two documents as one YAML stream. */
export function kubeflowText(docs: readonly Json[]): string {
  return docs.map((d) => JSON.stringify(d, null, 2)).join("\n---\n") + "\n";
}
