// `experiment`, the runtime half: publishes every variant's bundle, starts (or updates) the
// experiment in the deployment's pointer so servers route to all arms, and records it in the audit trail.
import { readBlock } from "../../ir/node-config.js";
import { readDeployment, type BundleRef } from "../../serve/deployment.js";
import { startExperiment } from "../../serve/experiment-control.js";
import { bundleModel } from "../../serve/serving-sync.js";
import { appendExperimentEvent, readExperimentEvents } from "../../serve/experiment-log.js";
import type { ExperimentRoute } from "../../serve/experiment-route.js";
import type { ExperimentDesign } from "../../ml/experiments/index.js";
import { NodeFailure, type ExecContext, type Executor, type NodeResult } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { publishModelBundle } from "../deploy/model-bundle.js";
import { countText } from "../../ml/report/html-format.js";
import {
  decodeExperimentConfig,
  ExperimentConfigError,
  planExperiment,
  type ExperimentConfig,
  type ExperimentPlan,
} from "./config.js";
import { readBaselineEvidence } from "./baseline-estimate.js";

export const EXPERIMENT_EXECUTOR_VERSION = "1";

function configOf(ctx: ExecContext): ExperimentConfig {
  try {
    return decodeExperimentConfig(ctx.node.name, readBlock(ctx.node.config, "experiment").attributes);
  } catch (e) {
    if (!(e instanceof ExperimentConfigError)) throw e;
    throw new NodeFailure(`experiment ${ctx.node.name}: ${e.message}`, { code: "MLC2302" });
  }
}

const sameRouting = (a: ExperimentRoute, b: ExperimentRoute): boolean =>
  a.key === b.key &&
  a.control === b.control &&
  a.default_arm === b.default_arm &&
  JSON.stringify(a.arms.map((x) => [x.name, x.share, x.target.version, x.target.bundle])) ===
    JSON.stringify(b.arms.map((x) => [x.name, x.share, x.target.version, x.target.bundle]));

/** What the status analysis needs of the config (the sample size from the plan, its baseline perhaps estimated). */
function designOf(c: ExperimentConfig, plan: ExperimentPlan): ExperimentDesign {
  return {
    arms: c.allocation,
    control: c.control,
    primary: c.primary,
    secondary: Object.keys(c.metrics).filter((m) => m !== c.primary && m !== c.covariate),
    guardrails: c.guardrails,
    alpha: c.alpha,
    test: c.test,
    mde: c.mde,
    ...(plan.sized ? { plannedUnits: Object.fromEntries(plan.perArm.map((a) => [a.name, a.units])) } : {}),
    ...(c.covariate ? { cuped: true } : {}),
  };
}

async function run(ctx: ExecContext): Promise<NodeResult> {
  const c = configOf(ctx);
  const pointer = readDeployment(ctx.projectDir, c.deployment);
  if (!pointer)
    throw new NodeFailure(
      `experiment ${c.name}: deployment ${c.deployment} serves nothing yet; apply it first`,
      {
        code: "MLC2302",
      },
    );
  const arms: ExperimentRoute["arms"] = [];
  const versions: Record<string, number> = {};
  // the deploy block's model keeps the deployment's `v<N>` folders; another model's versions go beside
  const deployed = ctx.inputs.get(`deploy.${c.deployment}`)?.summary?.model;
  const ownModel = typeof deployed === "string" ? deployed : bundleModel(ctx.projectDir, pointer.bundle);
  for (const v of c.variants) {
    const model = ctx.inputs.get(`model.${v.model}`);
    if (!model)
      throw new NodeFailure(`experiment ${c.name}: model ${v.model} of variant ${v.name} has no result`, {
        code: "MLC2302",
      });
    const b = await publishModelBundle(ctx, c.deployment, v.model, model, v.model !== ownModel);
    // a version the deployment already serves keeps its online table; another variant's requests carry every input
    const online = b.bundle === pointer.bundle ? pointer.online : undefined;
    const target: BundleRef = { version: b.version, bundle: b.bundle, ...(online ? { online } : {}) };
    arms.push({ name: v.name, share: c.allocation.find((a) => a.name === v.name)!.share, target });
    versions[v.name] = b.version;
  }
  const route: ExperimentRoute = {
    name: c.name,
    key: c.key,
    salt: c.name,
    control: c.control,
    arms,
    ...(c.defaultArm ? { default_arm: c.defaultArm } : {}),
    started: new Date().toISOString(),
  };
  // an undeclared baseline is estimated from what the deployment served before this start (or its control)
  const plan = planExperiment(c, await readBaselineEvidence(ctx.projectDir, c));
  const events = readExperimentEvents(ctx.projectDir, c.deployment, c.name);
  const last = events[events.length - 1];
  // a concluded experiment stays concluded, whatever its versions now: starting it again under the same
  // name (and salt) would re-expose the same units to the same arms; a new name re-randomises them
  const concluded = last && (last.event === "promoted" || last.event === "stopped");
  let state: string;
  if (concluded) {
    state = last.event;
    ctx.log(
      `experiment ${c.name} was ${last.event} at ${last.ts} (${last.reason}); apply does not start it again (a new experiment name starts a new one)`,
    );
  } else if (pointer.experiment?.name === c.name && sameRouting(pointer.experiment, route)) {
    state = "running";
  } else {
    // checked here, not first: a concluded experiment leaves a later rollout of the deployment alone
    if (pointer.rollout)
      throw new NodeFailure(
        `experiment ${c.name}: deployment ${c.deployment} has a ${pointer.rollout.kind} rollout in progress`,
        { code: "MLC2302", hint: `end it with mlc rollout promote|abort ${c.deployment}, then apply again` },
      );
    const updating = pointer.experiment?.name === c.name;
    if (updating) route.started = pointer.experiment!.started;
    const reason = `experiment ${c.name} ${updating ? "updated" : "started"}: ${arms.map((a) => `${a.name} v${a.target.version} ${+(a.share * 100).toFixed(4)}%`).join(", ")}`;
    try {
      startExperiment(ctx.projectDir, c.deployment, route, reason);
    } catch (e) {
      throw new NodeFailure(`experiment ${c.name}: ${(e as Error).message}`, { code: "MLC2302" });
    }
    appendExperimentEvent(ctx.projectDir, c.deployment, {
      ts: new Date().toISOString(),
      experiment: c.name,
      event: updating ? "updated" : "started",
      versions,
      reason,
      by: "apply",
      design: designOf(c, plan),
      key: c.key,
      decisions: { on_win: c.onWin, on_loss: c.onLoss, on_guardrail: c.onGuardrail },
      ...(c.covariate ? { covariate: c.covariate } : {}),
    });
    ctx.log(reason);
    ctx.log(
      plan.sized
        ? `experiment ${c.name}: ${plan.perArm.map((a) => `${a.name} needs ${countText(a.units)} units`).join(", ")}${plan.estimate ? ` (baseline estimated from ${countText(plan.estimate.units)} units of the prediction log and feedback)` : ""}`
        : `experiment ${c.name}: not sized: ${plan.reason}`,
    );
    state = "running";
  }
  const summary: { [k: string]: Json } = {
    deployment: c.deployment,
    state,
    control: c.control,
    arms: arms.map((a) => ({ name: a.name, share: a.share, version: a.target.version })),
    ...(plan.sized
      ? {
          sample_size: plan.perArm.map((a) => ({ name: a.name, units: a.units })),
          total_units: plan.total,
          ...(plan.estimate
            ? { baseline_estimated: { baseline: plan.estimate.baseline, units: plan.estimate.units } }
            : {}),
        }
      : { unsized: plan.reason }),
  };
  return { artifacts: {}, summary };
}

export const experimentExecutor: Executor = {
  kind: "experiment",
  version: EXPERIMENT_EXECUTOR_VERSION,
  run,
};
