// The `deploy` executor: builds the version's bundle (one ONNX file + bundle.json), moves the
// deployment pointer that `mlc serve` follows (immediately, or as a canary/shadow rollout), makes
// the version champion (or challenger during a rollout), and runs batch or container targets.
import { join, relative } from "node:path";
import { isCall, isDuration, isPercent, isRef } from "../../ir/expr-json.js";
import { readBlock } from "../../ir/node-config.js";
import { loadTable } from "../../data/table-artifact.js";
import { columnValues } from "../../data/table-columns.js";
import { predictionColumns, scoreTable } from "../../serve/batch-score.js";
import { mlcAppRoot } from "../../serve/app-root.js";
import { writeContainerManifests } from "../../serve/container.js";
import type { LambdaArch } from "../../serve/serverless-package.js";
import {
  DeploymentError,
  readDeployment,
  writeDeployment,
  type DeploymentTarget,
  type Rollout,
} from "../../serve/deployment.js";
import { stopDeployment } from "../../serve/deployment-absence.js";
import { writeScores } from "../../serve/score-writer.js";
import { writeStreamTarget } from "../../serve/stream-config.js";
import { resolveDataPath } from "../../data/project-path.js";
import {
  NodeFailure,
  type DestroyContext,
  type ExecContext,
  type Executor,
  type NodeResult,
} from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import { syncAliasesToPointer } from "../../serve/serving-sync.js";
import { checkDeployOutputs } from "./check-outputs.js";
import { logConfigOf } from "./log.js";
import { coldStartOf } from "./cold-start.js";
import { cacheOf } from "./cache.js";
import { publishReranker, rerankSettingsOf } from "./rerank.js";
import { publishModelBundle } from "./model-bundle.js";
import { materializeDeployment, pruneOnline } from "./online.js";
import { streamTargetOf } from "./stream.js";
import { alertRulesOf } from "./alert.js";

export const DEPLOY_EXECUTOR_VERSION = "1";

type Call = { $call: string; args: Json[]; named: { [k: string]: Json } };
const asCall = (j: Json | undefined, fallback: string): Call =>
  j !== undefined && isCall(j)
    ? j
    : { $call: j !== undefined && isRef(j) ? j.$ref[0]! : fallback, args: [], named: {} };
const arg = (c: Call, i: number, name: string): Json | undefined => c.named[name] ?? c.args[i];

function rolloutOf(
  c: Call,
  deployment: string,
): { kind: "immediate" } | { kind: "shadow" } | { kind: "canary"; share: number; key?: string } {
  if (c.$call === "immediate") return { kind: "immediate" };
  if (c.$call === "shadow") return { kind: "shadow" };
  if (c.$call === "canary") {
    const share = arg(c, 0, "share");
    const v =
      share !== undefined && isPercent(share)
        ? share.$percent / 100
        : typeof share === "number"
          ? share
          : NaN;
    if (!(v > 0 && v < 1))
      throw new NodeFailure(`deploy ${deployment}: canary share must be between 0% and 100%`, {
        code: "MLC2302",
      });
    const key = arg(c, 1, "key");
    return { kind: "canary", share: v, ...(typeof key === "string" ? { key } : {}) };
  }
  throw new NodeFailure(`deploy ${deployment}: unknown rollout ${c.$call}`, { code: "MLC2302" });
}

/** The current pointer; a damaged one counts as none (writeDeployment sets it aside), so apply rebuilds it. */
function readPointerToRepair(ctx: ExecContext, name: string): ReturnType<typeof readDeployment> {
  try {
    return readDeployment(ctx.projectDir, name);
  } catch (e) {
    if (!(e instanceof DeploymentError)) throw e;
    ctx.log(`the deployment pointer is damaged and is written again: ${e.message}`);
    return undefined;
  }
}

async function run(ctx: ExecContext): Promise<NodeResult> {
  const name = ctx.node.name;
  const b = readBlock(ctx.node.config, "deploy");
  const modelAttr = b.attributes.model;
  const modelName = modelAttr !== undefined && isRef(modelAttr) ? modelAttr.$ref[0]! : undefined;
  const model = modelName ? ctx.inputs.get(`model.${modelName}`) : undefined;
  if (!modelName || !model)
    throw new NodeFailure(`deploy ${name}: model ${modelName ?? "?"} has no result to deploy`, {
      code: "MLC2302",
    });
  const { version, onnxHash, meta, bundleDir, bundle } = await publishModelBundle(
    ctx,
    name,
    modelName,
    model,
  );
  // The model's window and joined inputs, as of the newest data, in a new online table; the pointer below switches to it.
  const online = await materializeDeployment(ctx, {
    deployment: name,
    model: modelName,
    version,
    inputs: meta.inputs,
  });

  const registry = ctx.state ? new ModelRegistry(ctx.state) : undefined;
  const gates = b.attributes.when;
  const why =
    gates !== undefined
      ? `gate ${[gates]
          .flat()
          .map((g) => (isRef(g) ? g.$ref[0] : "?"))
          .join(", ")} passed; deployed by ${name}`
      : `deployed by ${name}`;
  const rollout = rolloutOf(asCall(b.attributes.rollout, "immediate"), name);
  const log = logConfigOf(b.attributes.log, name);
  const coldStart = coldStartOf(b.attributes.cold_start, name);
  if (coldStart && !model.artifacts.retrieval)
    throw new NodeFailure(
      `deploy ${name}: cold_start needs ${modelName} version ${version}'s retrieval file, which the version does not have`,
      { code: "MLC2208", hint: `re-train the model (mlc apply --replace model.${modelName})` },
    );
  const cache = cacheOf(b.attributes.cache, name);
  if (cache && !model.artifacts.retrieval)
    throw new NodeFailure(
      `deploy ${name}: cache needs ${modelName} version ${version}'s retrieval file, which the version does not have`,
      { code: "MLC2208", hint: `re-train the model (mlc apply --replace model.${modelName})` },
    );
  // `rerank = RANKER`: the ranker's bundle beside the model's, named by the pointer
  const rerankSettings = rerankSettingsOf(b.attributes, name);
  if (rerankSettings && !model.artifacts.retrieval)
    throw new NodeFailure(
      `deploy ${name}: rerank re-orders the candidates of ${modelName} version ${version}'s retrieval file, which the version does not have`,
      { code: "MLC2208", hint: `re-train the model (mlc apply --replace model.${modelName})` },
    );
  const rerank = rerankSettings ? await publishReranker(ctx, name, rerankSettings, model) : undefined;
  const current = readPointerToRepair(ctx, name);
  let target: DeploymentTarget;
  let role: "champion" | "challenger" = "champion";
  if (!current || current.version === version || rollout.kind === "immediate") {
    target = { version, bundle, ...(online ? { online } : {}), log, cold_start: coldStart, cache, rerank };
  } else {
    const candidate = { version, bundle, ...(online ? { online } : {}) };
    let r: Rollout;
    if (rollout.kind === "canary") {
      if (!rollout.key)
        throw new NodeFailure(
          `deploy ${name}: a canary routes by an entity key: write canary(${Math.round(rollout.share * 100)}%, key = "FIELD")`,
          { code: "MLC2302" },
        );
      r = { kind: "canary", share: rollout.share, key: rollout.key, candidate };
    } else r = { kind: "shadow", candidate };
    target = {
      version: current.version,
      bundle: current.bundle,
      ...(current.online ? { online: current.online } : {}),
      log,
      cold_start: coldStart,
      cache,
      rerank,
      rollout: r,
    };
    role = "challenger";
  }
  // a running experiment holds the deployment: it is carried over, never dropped by a new version
  if (current?.experiment && target.version === current.version && target.bundle === current.bundle)
    target = { ...target, experiment: current.experiment };
  else if (current?.experiment)
    throw new NodeFailure(
      `deploy ${name}: experiment ${current.experiment.name} runs on ${name}; ${modelName} version ${version} cannot be deployed beside it`,
      {
        code: "MLC2302",
        hint: `conclude it first (mlc experiment stop|promote ${current.experiment.name}), then apply again`,
      },
    );
  const unchanged =
    current &&
    current.version === target.version &&
    current.bundle === target.bundle &&
    JSON.stringify(current.online ?? null) === JSON.stringify(target.online ?? null) &&
    JSON.stringify(current.log ?? null) === JSON.stringify(target.log ?? null) &&
    JSON.stringify(current.cold_start ?? null) === JSON.stringify(target.cold_start ?? null) &&
    JSON.stringify(current.cache ?? null) === JSON.stringify(target.cache ?? null) &&
    JSON.stringify(current.rerank ?? null) === JSON.stringify(target.rerank ?? null) &&
    JSON.stringify(current.rollout ?? null) === JSON.stringify(target.rollout ?? null) &&
    JSON.stringify(current.experiment ?? null) === JSON.stringify(target.experiment ?? null);
  if (!unchanged)
    writeDeployment(
      ctx.projectDir,
      name,
      target,
      role === "champion" ? why : `${rollout.kind} of version ${version} beside ${current!.version}: ${why}`,
    );
  if (online) {
    const dropped = await pruneOnline(ctx.projectDir, name, online);
    if (dropped) ctx.log(`dropped ${dropped} online table${dropped === 1 ? "" : "s"} no version points at`);
  }
  // champion = the version served, challenger = a rollout's candidate (one rule for every command).
  if (registry) await syncAliasesToPointer(ctx.projectDir, registry, name, why, current);
  ctx.log(
    role === "champion"
      ? `${modelName} version ${version} serves ${name} (champion)`
      : `${modelName} version ${version} is in ${rollout.kind} beside version ${current!.version} (challenger); end it with mlc rollout promote|abort ${name}`,
  );

  const summary: { [k: string]: Json } = {
    model: modelName,
    version,
    bundle,
    role,
    rollout: rollout.kind,
    ...(online ? { online_table: online.table, online_store: online.store.kind } : {}),
    ...(log ? { log: log.store.kind } : {}),
    ...(rerank ? { rerank: rerank.model, rerank_version: rerank.version } : {}),
  };
  const serve = asCall(b.attributes.serve, "rest");
  // `mlc serve` runs consumers when the deployment records a stream target, the HTTP server otherwise
  const alerts = alertRulesOf(b, name);
  const stream =
    serve.$call === "stream"
      ? { ...streamTargetOf(serve, name), ...(alerts.length ? { alerts } : {}) }
      : undefined;
  writeStreamTarget(ctx.projectDir, name, stream);
  if (stream) {
    summary.input = stream.input;
    summary.output = stream.output;
    summary.group = stream.group;
    // the consumers as a container: one Deployment (replicas 1, `workers` consumers per pod)
    const files = writeContainerManifests(`${ctx.projectDir}/.mlc/containers/${name}`, meta, {
      bundleDir,
      stream,
      replicas: 1,
      ...(online ? { online: { ref: online, projectDir: ctx.projectDir } } : {}),
    });
    summary.manifests = files.map((f) => relative(ctx.projectDir, f));
  }
  if (serve.$call === "batch") {
    const input = arg(serve, 0, "input");
    const output = arg(serve, 1, "output");
    const inputName = input !== undefined && isRef(input) ? input.$ref[0]! : undefined;
    const res = inputName
      ? (ctx.inputs.get(`source.${inputName}`) ?? ctx.inputs.get(`features.${inputName}`))
      : undefined;
    if (!res?.artifacts.table || typeof output !== "string")
      throw new NodeFailure(
        `deploy ${name}: batch { input = SOURCE, output = "FILE" } needs a source or features block with a table`,
        { code: "MLC2302" },
      );
    const table = await loadTable(ctx.artifacts, res.artifacts.table);
    const cols: Record<string, ArrayLike<unknown>> = {};
    for (const i of meta.inputs) {
      if (!table.columnNames().includes(i.name))
        throw new NodeFailure(
          `deploy ${name}: batch input ${inputName} has no column '${i.name}' that the model reads`,
          { code: "MLC2302" },
        );
      cols[i.name] = columnValues(table, i.name) as ArrayLike<unknown>;
    }
    const scores = await scoreTable(bundleDir, cols);
    const predicted = predictionColumns(scores);
    // `keep`: input columns carried into the output, so the scores can be joined back
    const kept: Record<string, ArrayLike<unknown>> = {};
    const keep = Array.isArray(serve.named.keep) ? serve.named.keep.map(String) : [];
    for (const k of keep) {
      if (!table.columnNames().includes(k))
        throw new NodeFailure(`deploy ${name}: batch input ${inputName} has no column '${k}' to keep`, {
          code: "MLC2302",
          hint: `keep names columns of ${inputName}: ${table.columnNames().slice(0, 12).join(", ")}`,
        });
      if (k in predicted)
        throw new NodeFailure(
          `deploy ${name}: batch keeps a column '${k}', which is also a column of the scores (${Object.keys(predicted).join(", ")})`,
          { code: "MLC2302", hint: "rename the input column in a features block, or keep another" },
        );
      kept[k] = columnValues(table, k) as ArrayLike<unknown>;
    }
    const outPath = resolveDataPath(ctx.projectDir, output, false);
    writeScores(outPath, { ...kept, ...predicted });
    summary.output = output;
    summary.rows = scores.n;
    ctx.log(
      `scored ${scores.n} rows of ${inputName} into ${output}${keep.length ? ` (with ${keep.join(", ")})` : ""}`,
    );
  } else if (serve.$call === "container") {
    const image = arg(serve, 0, "image");
    const num = (k: string) => (typeof serve.named[k] === "number" ? (serve.named[k] as number) : undefined);
    const out = `${ctx.projectDir}/.mlc/containers/${name}`;
    const files = writeContainerManifests(out, meta, {
      ...(typeof image === "string" ? { image } : {}),
      ...(num("port") ? { port: num("port")! } : {}),
      ...(num("replicas") ? { replicas: num("replicas")! } : {}),
      ...(num("max_replicas") ? { maxReplicas: num("max_replicas")! } : {}),
      ...(typeof serve.named.cpu === "string" ? { cpuRequest: serve.named.cpu } : {}),
      ...(typeof serve.named.memory === "string" ? { memoryRequest: serve.named.memory } : {}),
      bundleDir,
      ...(online ? { online: { ref: online, projectDir: ctx.projectDir } } : {}),
      ...(log ? { log } : {}),
    });
    summary.manifests = files.map((f) => relative(ctx.projectDir, f));
  } else if (serve.$call === "serverless") {
    const appRoot = mlcAppRoot();
    if (!appRoot)
      throw new NodeFailure(`deploy ${name}: cannot find the mlc application to pack into the function`, {
        code: "MLC2302",
      });
    // the packer (and adm-zip) loads only for a serverless target: every apply loads this executor
    const { writeLambdaPackage } = await import("../../serve/serverless-package.js");
    const pkg = (() => {
      try {
        return writeLambdaPackage(`${ctx.projectDir}/.mlc/serverless/${name}`, {
          appRoot,
          bundleDir,
          ...serverlessOptions(serve),
        });
      } catch (e) {
        throw new NodeFailure(
          `deploy ${name}: the function package could not be written: ${(e as Error).message}`,
          {
            code: "MLC2302",
          },
        );
      }
    })();
    summary.package = relative(ctx.projectDir, join(pkg.dir, "handler.zip"));
    summary.package_bytes = pkg.size.zip_bytes;
    summary.unzipped_bytes = pkg.size.unzipped_bytes;
    ctx.log(
      `${name}: function package ${summary.package} (${mib(pkg.size.zip_bytes)} zipped, ${mib(pkg.size.unzipped_bytes)} unzipped, ${pkg.size.files} files)`,
    );
    if (!pkg.size.within_limits)
      ctx.log(
        `${name}: the package exceeds Lambda's limits (${mib(pkg.size.zip_limit_bytes)} zipped, ${mib(pkg.size.unzipped_limit_bytes)} unzipped): see size.json`,
      );
  }
  return { artifacts: { onnx: onnxHash }, metrics: { version }, summary };
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** `serverless { arch, memory, timeout }` with the defaults of the language. */
function serverlessOptions(c: Call): { arch: LambdaArch; memoryMb: number; timeoutSeconds: number } {
  const name = (j: Json | undefined): string | undefined =>
    typeof j === "string" ? j : j !== undefined && isRef(j) ? j.$ref[0] : undefined;
  const memory = c.named.memory;
  const timeout = c.named.timeout;
  return {
    arch: name(c.named.arch) === "arm64" ? "arm64" : "x86_64",
    memoryMb: typeof memory === "number" ? memory : 1024,
    timeoutSeconds: timeout !== undefined && isDuration(timeout) ? timeout.$duration : 10,
  };
}

/** A deploy block removed from the spec: the deployment stops serving (its history stays). */
async function destroy(ctx: DestroyContext): Promise<void> {
  const last = stopDeployment(ctx.projectDir, ctx.node.name, `its deploy block was removed from the spec`);
  writeStreamTarget(ctx.projectDir, ctx.node.name, undefined);
  ctx.log(
    `deployment ${ctx.node.name} stopped${last ? ` (it served version ${last.version})` : ""}: its pointer was removed, its history kept`,
  );
}

export const deployExecutor: Executor = {
  kind: "deploy",
  version: DEPLOY_EXECUTOR_VERSION,
  changeAction: "replace",
  // a gate that changed alone is checked again against the same model version: nothing is replaced
  upstreamChange: (changed) =>
    changed.length > 0 && changed.every((id) => id.startsWith("gate."))
      ? "re-evaluated; same version"
      : undefined,
  run,
  destroy,
  checkOutputs: checkDeployOutputs,
};
