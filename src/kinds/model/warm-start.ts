// The runtime half of `init = champion` and `checkpoint { every = N }`: which version a fit starts
// from (the model's champion, read from the registry), the data fingerprint and plan note that make
// the plan say so, and the checkpoints of the final fit (artifacts in the store, one record per
// training naming the latest, removed once the version is stored).
import { createHash } from "node:crypto";
import type { Estimator, TrainedModel } from "../../ml/estimator.js";
import { estimatorFor } from "../../ml/estimator-registry.js";
import { WarmStartError, type TrainingCheckpoints } from "../../ml/warm-start.js";
import { NodeFailure, type DataFingerprint, type ExecContext } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import { nestedBlock, readBlock } from "../../ir/node-config.js";
import type { RegistryRecords } from "../../ir/state-store.js";
import { MlcError } from "../../ir/errors.js";
import { ModelRegistry } from "../../registry/model-registry.js";
import { warmStarts, warmStartText } from "./warm-start-note.js";

export { warmStartText } from "./warm-start-note.js";

export interface WarmStartSettings {
  /** `init = champion`. */
  init: boolean;
  /** `checkpoint { every = N }`. */
  checkpointEvery?: number;
}

export function readWarmStart(config: { [k: string]: Json }): WarmStartSettings {
  const every = nestedBlock(readBlock(config, "model"), "checkpoint")?.attributes.every;
  return { init: warmStarts(config), ...(typeof every === "number" ? { checkpointEvery: every } : {}) };
}

/** Where the model's next fit would start: its champion's version (if any) and its newest version. */
async function startingPoint(
  model: string,
  records: RegistryRecords | undefined,
): Promise<{ champion?: number; newest?: number }> {
  if (!records) return {};
  const registry = new ModelRegistry({ records });
  const champion = (await registry.alias(model, "champion"))?.version;
  const newest = (await registry.versions(model)).at(-1)?.version;
  return { ...(champion !== undefined ? { champion } : {}), ...(newest !== undefined ? { newest } : {}) };
}

/**
 * The part of a warm-started model's fingerprint that the champion decides, so a plan retrains it
 * when another version becomes its starting point (a rollback, a promoted older version). Promoting
 * the model's own newest version changes nothing: that is what its last fit produced, and counting
 * it would retrain the model after every promotion.
 */
export async function warmStartFingerprint(
  model: string,
  records?: RegistryRecords,
): Promise<DataFingerprint> {
  const { champion, newest } = await startingPoint(model, records);
  return {
    hash: champion === undefined || champion === newest ? "init:own" : `init:v${champion}`,
    description: warmStartText(champion),
  };
}

/** The champion a fit continues from: its version and model, or undefined when there is none yet. */
export async function championStart(
  ctx: ExecContext,
  model: string,
  estimator: Estimator,
): Promise<{ version: number; model: TrainedModel } | undefined> {
  if (!ctx.state) return undefined;
  const champion = await new ModelRegistry(ctx.state).alias(model, "champion");
  if (!champion) return undefined;
  // the champion's own estimator reads its model: the same one, or one this estimator continues
  const reader =
    champion.algorithm === estimator.algorithm
      ? estimator
      : estimator.continues?.includes(champion.algorithm)
        ? estimatorFor(champion.algorithm)
        : undefined;
  if (!reader)
    throw new NodeFailure(
      `model ${model}: cannot warm start from version ${champion.version}, a ${champion.algorithm} model, with ${estimator.algorithm}`,
      {
        code: "MLC2460",
        hint: "train from scratch once (remove `init = champion`), then warm start from that version",
      },
    );
  const hash = champion.artifacts.model;
  try {
    if (!hash) throw new Error("the version has no model artifact");
    return { version: champion.version, model: reader.deserialize(await ctx.artifacts.get(hash)) };
  } catch (e) {
    throw new NodeFailure(
      `model ${model}: cannot read the champion, version ${champion.version}, to warm start from: ${(e as Error).message}`,
      { code: "MLC2461", hint: "`mlc state rebuild` restores lost artifacts; or remove `init = champion`" },
    );
  }
}

/** A learner's WarmStartError as the coded failure of the model block. */
export function warmStartFailure(model: string, version: number, e: WarmStartError): NodeFailure {
  return new NodeFailure(`model ${model}: cannot warm start from version ${version}: ${e.message}`, {
    code: "MLC2460",
    hint: "train from scratch once (remove `init = champion`) after changing features, classes or layers",
  });
}

const CHECKPOINTS = "training_checkpoints";

/** The record key of one training: the model, what it learns from and where it starts. */
export function checkpointKey(model: string, trainingKey: string, parent: number | undefined): string {
  const h = createHash("sha256")
    .update(`${trainingKey}|${parent ?? "scratch"}`)
    .digest("hex")
    .slice(0, 32);
  return `${model}:${h}`;
}

/**
 * Checkpoints kept in the artifact store (each written to a temporary file and renamed, its hash
 * verified on read) and named by one state record per training, which `mlc gc` treats as a reference.
 */
export function storeCheckpoints(
  ctx: ExecContext,
  key: string,
  every: number,
): TrainingCheckpoints | undefined {
  const records = ctx.state?.records;
  if (!records) return undefined;
  return {
    every,
    async load() {
      const r = await records.get(CHECKPOINTS, key);
      const v = r?.value as { hash?: string; iteration?: number } | undefined;
      if (!v?.hash) return undefined;
      try {
        const bytes = await ctx.artifacts.get(v.hash);
        ctx.log(`resuming from the checkpoint at iteration ${v.iteration}`);
        return bytes;
      } catch (e) {
        // a corrupt (MLC2400) or lost (MLC2401) checkpoint costs the rounds it saved, not the result
        if (!(e instanceof MlcError) || (e.code !== "MLC2400" && e.code !== "MLC2401")) throw e;
        ctx.log(
          `checkpoint ${v.hash.slice(0, 12)} is unreadable (${(e as Error).message}); training from the start`,
        );
        return undefined;
      }
    },
    async save(iteration, bytes) {
      const hash = await ctx.artifacts.put(bytes);
      await records.put(CHECKPOINTS, key, { hash, iteration, node: ctx.node.id }, [hash]);
    },
  };
}

/**
 * Forgets the model's checkpoints once its version is stored (this training's and any left by a
 * training whose spec or data changed after a crash); `mlc gc` then removes their objects.
 */
export async function dropCheckpoints(ctx: ExecContext, model: string): Promise<void> {
  const records = ctx.state?.records;
  if (!records) return;
  for (const r of await records.list(CHECKPOINTS, `${model}:`)) await records.delete(CHECKPOINTS, r.key);
}
