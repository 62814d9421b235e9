// `monitor`, the runtime half at apply: registers the monitor — its decoded configuration is recorded
// in the state store (collection `monitors`) for `mlc monitor NAME` to run. Registering never fails
// because of the deployment's log: the checks run later, and say then when there is not enough data.
import { readBlock } from "../../ir/node-config.js";
import {
  NodeFailure,
  type DestroyContext,
  type ExecContext,
  type Executor,
  type NodeResult,
} from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { decodeMonitorConfig, MonitorConfigError, windowText, type MonitorConfig } from "./config.js";
import { MONITORS, encodeRegistration, type MonitorRegistration } from "./results.js";

export const MONITOR_EXECUTOR_VERSION = "1";

function configOf(ctx: ExecContext): MonitorConfig {
  const block = readBlock(ctx.node.config, "monitor");
  try {
    return decodeMonitorConfig(ctx.node.name, block.attributes, block.assertions);
  } catch (e) {
    if (!(e instanceof MonitorConfigError)) throw e;
    throw new NodeFailure(`monitor ${ctx.node.name}: ${e.message}`, { code: "MLC2370" });
  }
}

async function run(ctx: ExecContext): Promise<NodeResult> {
  const config = configOf(ctx);
  const registration: MonitorRegistration = {
    config,
    seed: ctx.seed,
    registered: new Date().toISOString(),
    ...(ctx.runId ? { runId: ctx.runId } : {}),
  };
  if (ctx.state) await ctx.state.records.put(MONITORS, config.name, encodeRegistration(registration));
  ctx.log(
    `monitor ${config.name} registered: deployment ${config.deployment}, ${windowText(config.window)}, ${config.assertions.length} assertion${config.assertions.length === 1 ? "" : "s"}, every ${config.scheduleSeconds}s with mlc monitor ${config.name} --watch`,
  );
  const summary: { [k: string]: Json } = {
    deployment: config.deployment,
    assertions: config.assertions.length,
    actions: config.onBreach.map((a) => a.kind),
  };
  return { artifacts: {}, metrics: { assertions: config.assertions.length }, summary };
}

async function destroy(ctx: DestroyContext): Promise<void> {
  if (ctx.state) await ctx.state.records.delete(MONITORS, ctx.node.name);
}

export const monitorExecutor: Executor = { kind: "monitor", version: MONITOR_EXECUTOR_VERSION, run, destroy };
