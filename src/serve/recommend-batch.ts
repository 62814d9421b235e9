// Batch top-K: the recommendation of every user a deployment's version knows (or of the users given),
// through the same code as POST /v1/recommend (recommendFor), written as JSON lines
// `{"user", "path", "items": [{"item", "score"}…]}` to a file by temp + rename (a reader never sees half).
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Retrieval } from "../ml/recommend/retrieval.js";
import { BundleError, loadBundle, readBundleRetrieval } from "./bundle.js";
import { DeploymentError, readDeployment, resolveBundlePath } from "./deployment.js";
import { maskOf } from "./recommend.js";
import type { ItemFilter } from "../ml/recommend/item-attributes.js";
import { ModelRunner } from "./model-runner.js";
import { loadReranker, recommendRanked, rerankKProblem, type Reranker } from "./recommend-rerank.js";

export interface BatchRecommendOptions {
  k: number;
  excludeSeen: boolean;
  /** The users to recommend for; default every user with training rows, in index order. */
  users?: readonly number[];
  /** Only items whose attributes pass, as a request's `filter` (src/serve/recommend-filter.ts). */
  filter?: ItemFilter;
}

export interface BatchRecommendResult {
  model: string;
  version: number;
  users: number;
  /** Users answered by each path. */
  paths: Record<string, number>;
  unknown: number;
  /** The re-ranking stage the known users' lists went through, when the deployment has one. */
  rerank?: { model: string; version: number; candidates: number };
}

/** Writes the deployment's top-K lists to `out`; throws a DeploymentError or BundleError naming the problem. */
export async function recommendToFile(
  projectDir: string,
  deployment: string,
  out: string,
  opts: BatchRecommendOptions,
): Promise<BatchRecommendResult> {
  const pointer = readDeployment(projectDir, deployment);
  if (!pointer)
    throw new DeploymentError(`deployment '${deployment}' has no current version in ${projectDir}`);
  const bundle = loadBundle(resolveBundlePath(projectDir, pointer.bundle));
  const bytes = readBundleRetrieval(bundle);
  if (!bytes)
    throw new BundleError(
      `${bundle.meta.model} version ${bundle.meta.version} has no user and item embeddings: batch top-K needs a bpr, matrix_factorization or two_tower model`,
    );
  const retrieval = Retrieval.deserialize(bytes);
  if (opts.filter) {
    const m = maskOf(retrieval, opts.filter);
    if (!(m instanceof Uint8Array)) throw new BundleError(`${m.field}: ${m.message}`);
  }
  // `rerank`: the ranker's bundle and history, as the server loads them
  let reranker: Reranker | undefined;
  if (pointer.rerank) {
    const rb = loadBundle(resolveBundlePath(projectDir, pointer.rerank.bundle));
    reranker = loadReranker(await ModelRunner.load(rb), pointer.rerank);
    const kProblem = rerankKProblem(reranker, opts.k);
    if (kProblem) {
      reranker.runner.retire();
      throw new DeploymentError(`--k: ${kProblem}`);
    }
  }
  const users =
    opts.users ??
    Array.from({ length: retrieval.tables.nUsers }, (_, u) => u).filter((u) => retrieval.userRow(u) >= 0);
  const target = resolve(out);
  const tmp = join(
    dirname(target),
    `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  const paths: Record<string, number> = {};
  let unknown = 0;
  const fd = openSync(tmp, "w");
  try {
    let buf = "";
    for (const user of users) {
      const r = await recommendRanked(
        retrieval,
        pointer.cold_start,
        {
          user,
          k: opts.k,
          excludeSeen: opts.excludeSeen,
          ...(opts.filter ? { filter: opts.filter } : {}),
        },
        reranker,
      );
      if (!("path" in r)) {
        unknown++;
        continue;
      }
      paths[r.path] = (paths[r.path] ?? 0) + 1;
      buf +=
        JSON.stringify({ user, path: r.path, items: r.items, ...(r.reranked ? { reranked: true } : {}) }) +
        "\n";
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    reranker?.runner.retire();
  }
  return {
    model: bundle.meta.model,
    version: bundle.meta.version,
    users: users.length - unknown,
    paths,
    unknown,
    ...(pointer.rerank
      ? {
          rerank: {
            model: pointer.rerank.model,
            version: pointer.rerank.version,
            candidates: pointer.rerank.candidates,
          },
        }
      : {}),
  };
}
