// A plan as a Kubeflow Pipelines (v2) pipeline: the compiled PipelineSpec (one `mlc exec NODE` task
// per stale node, dependencies from the graph, retries, KFP's cache off since mlc decides what is
// up to date) followed by its Kubernetes platform spec, which sets the state and store settings as
// environment variables from a Secret. Two YAML documents, each written as JSON (valid YAML), as
// `kfp.compiler` writes a pipeline with kfp-kubernetes settings.
import type { Json } from "../../ir/graph-ir.js";
import type { Plan } from "../plan.js";
import { workflowSteps } from "./steps.js";

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
  const tasks: { [k: string]: Json } = {};
  for (const s of workflowSteps(plan))
    tasks[s.name] = {
      taskInfo: { name: s.name },
      componentRef: { name: COMPONENT },
      ...(s.dependencies.length ? { dependentTasks: s.dependencies } : {}),
      inputs: { parameters: { node: { runtimeValue: { constant: s.node } } } },
      cachingOptions: { enableCache: false },
      retryPolicy: { maxRetryCount: o.retries },
    };
  const pipeline = {
    pipelineInfo: { name: o.name },
    schemaVersion: "2.1.0",
    sdkVersion: "mlc-0.1.0",
    components: {
      [COMPONENT]: {
        executorLabel: EXECUTOR,
        inputDefinitions: { parameters: { node: { parameterType: "STRING" } } },
      },
    },
    deploymentSpec: {
      executors: {
        [EXECUTOR]: {
          container: {
            image: o.image,
            command: ["mlc", "exec"],
            // Tasks of independent branches may start together; each waits for the state's apply lock.
            args: ["{{$.inputs.parameters['node']}}", "--dir", o.dir, "--lock-timeout", "60m"],
          },
        },
      },
    },
    root: { dag: { tasks } },
  };
  const platform = {
    platforms: {
      kubernetes: {
        deploymentSpec: {
          executors: {
            [EXECUTOR]: {
              secretAsEnv: [
                {
                  secretName: o.secret,
                  keyToEnv: o.secretKeys.map((k) => ({ secretKey: k, envVar: k })),
                },
              ],
            },
          },
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
