// `deploy`: serves a model's gated versions as one ONNX bundle (preprocessing + model) through a
// serving target and a rollout strategy. Checks that the serving path can compute every feature.
import type { Expr } from "../../compiler/ast.js";
import { lookupBuiltin } from "../../compiler/builtins/registry.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";
import { lowerDeploy } from "./lower-online.js";
import { alertBlock, checkAlerts } from "./alert.js";
import { checkColdStart } from "./cold-start.js";
import { checkCache } from "./cache.js";
import { checkRerank } from "./rerank.js";
import { checkBatchKeep } from "./batch-keep.js";
import { COLD_START_PATHS } from "../../serve/recommend-config.js";

export const deployLanguage: BlockKindSchema = {
  kind: "deploy",
  doc: "A deployment of a model. A version is deployed once the gates in `when` pass; it becomes the champion. Every feature of the model must be computable on the serving path (inside the ONNX bundle or by online lookup).",
  name: "required",
  modelBehind: { attribute: "model" },
  lower: lowerDeploy,
  attributes: [
    { name: "model", type: t.ref("model"), required: true, doc: "the model deployed" },
    {
      name: "when",
      type: t.union(t.ref("gate"), t.list(t.ref("gate"), 1)),
      required: false,
      doc: "the gate(s) a version must pass; without one every trained version is deployed (a warning)",
    },
    {
      name: "serve",
      type: t.call("serving"),
      required: false,
      default: d.name("rest"),
      doc: 'the serving target: `rest { port = 8080 }`, `batch { input = …, output = … }`, `container { … }`, `stream { url = env("…"), input = "events", output = "scores" }` (specs/streaming.md), `serverless { provider = aws_lambda }` (specs/serverless.md)',
    },
    {
      name: "rollout",
      type: t.call("rollout"),
      required: false,
      default: d.name("immediate"),
      doc: "how traffic moves to a new version: `canary(10%)`, `shadow`, `immediate`",
    },
    {
      name: "online",
      type: t.call("online"),
      required: false,
      doc: 'where window aggregations and joined values the model reads are kept for lookup by entity key when serving: `sqlite` (default, `.mlc/online.db`) or `redis { url = env("MLC_ONLINE_URL") }`',
    },
    {
      name: "log",
      type: t.call("log"),
      required: false,
      doc: 'where `mlc serve` logs predictions and stores feedback labels, shared by every replica: `files` (default, `.mlc/predictions/`), `postgres { url = env("MLC_LOG_URL") }` or `redis { url = env("…") }`; each takes `retention = 30d` and `exclude = ["field", …]`',
    },
    {
      name: "cold_start",
      type: t.list(t.enum(...COLD_START_PATHS), 1),
      required: false,
      doc: "`POST /v1/recommend`'s fallback chain for a user the model never saw in training, tried in order: `two_tower` (a `two_tower` model's user tower, from the side features the request gives as `features`; skipped without them) and `popularity` (the items' recent popularity: relevant training rows, decayed with age). Without it such a user gets a 404. Only for `bpr`, `matrix_factorization` and `two_tower` models, `two_tower` only for the last (specs/recommend.md)",
    },
    {
      name: "cache",
      type: t.call("cache"),
      required: false,
      doc: '`POST /v1/recommend`\'s answer cache: `redis { url = env("MLC_CACHE_URL"), ttl = 10m }`. An answer is kept per model version, user, `k` and `exclude_seen` for `ttl`, so a new version never serves the old one\'s; a hit says `"cache": "hit"`; an unreachable Redis only costs the cache (counted in `/metrics`); a request with `features` or `new_items` is computed, never cached. Only for `bpr`, `matrix_factorization` and `two_tower` models served over rest or a container: a stream or batch target answers no `/v1/recommend` (specs/recommend.md)',
    },
    {
      name: "rerank",
      type: t.ref("model"),
      required: false,
      doc: "`POST /v1/recommend`'s re-ranking stage: a model with a `history { … }` block (a re-ranker, e.g. a `gbdt` with `objective = \"lambdarank\"`) that orders the top `candidates` items retrieval gives a known user; the best `k` of them answer, with `\"reranked\": true`. Its version's bundle is published beside the model's. Only for `bpr`, `matrix_factorization` and `two_tower` models served over rest (`mlc serve`; a container image or serverless package would not carry the ranker's bundle) (specs/recommend.md)",
    },
    {
      name: "candidates",
      type: t.int(),
      required: false,
      doc: "how many retrieved items the `rerank` model orders per request, 1–1000 (default 100), at least the ranker's task `k`; a request's `k` above it is a 400",
    },
  ],
  nested: [alertBlock],
  check(ctx) {
    const model = ctx.refName(ctx.attribute("model"));
    const when = ctx.attribute("when");
    if (!when) {
      ctx.report(
        CheckCode.deployWithoutGate,
        ctx.block.nameSpan ?? ctx.block.kindSpan,
        `deployment \`${ctx.name}\` has no gate: every trained version of \`${model ?? "its model"}\` will be deployed`,
        {
          hint: "add `when = GATE` naming a gate of the model",
        },
      );
    }
    checkStreamRollout(ctx);
    checkBatchKeep(ctx);
    checkServerless(ctx, model);
    checkAlerts(ctx, model);
    if (model) {
      checkGatesOfModel(ctx, model, when);
      checkServable(ctx, model);
      checkLogExclude(ctx, model);
      checkColdStart(ctx, model);
      checkCache(ctx, model);
      checkRerank(ctx, model);
    }
  },
};

/** A stream consumer scores every event with the stable version: it has no canary or shadow arm. */
function checkStreamRollout(ctx: KindCheckContext): void {
  const serve = ctx.attribute("serve");
  const rollout = ctx.attribute("rollout");
  const callee = (e: Expr | undefined): string | undefined =>
    e?.type === "call" ? e.callee : e?.type === "ref" && e.path.length === 1 ? e.path[0] : undefined;
  const kind = callee(rollout);
  if (callee(serve) !== "stream" || !rollout || kind === "immediate") return;
  ctx.report(
    CheckCode.conflictingAttributes,
    rollout.span,
    `deployment \`${ctx.name}\` serves a stream, which scores every event with one version: \`rollout = ${kind ?? "…"}\` is not supported there`,
    { hint: "remove `rollout` (a new version replaces the old one at once), or serve over rest" },
  );
}

/**
 * A serverless function serves one version from its package: no canary, shadow or experiment arm,
 * no prediction log, and no online store to look features up in.
 */
function checkServerless(ctx: KindCheckContext, model: string | undefined): void {
  const serve = ctx.attribute("serve");
  const target = serve?.type === "call" ? serve.callee : serve?.type === "ref" ? serve.path[0] : undefined;
  if (!serve || target !== "serverless") return;
  const rollout = ctx.attribute("rollout");
  const kind =
    rollout?.type === "call" ? rollout.callee : rollout?.type === "ref" ? rollout.path[0] : undefined;
  if (rollout && ctx.written("rollout") && kind !== "immediate")
    ctx.report(
      CheckCode.conflictingAttributes,
      rollout.span,
      `deployment \`${ctx.name}\` is a serverless function, which serves one version: \`rollout = ${kind ?? "…"}\` is not supported there`,
      { hint: "remove `rollout` (a new version replaces the function's package), or serve over rest" },
    );
  const keeps: Record<string, string> = {
    log: "prediction log",
    online: "online feature store",
    cache: "answer cache (it serves no /v1/recommend)",
  };
  for (const attr of ["log", "online", "cache"]) {
    const v = ctx.attribute(attr);
    if (v && ctx.written(attr))
      ctx.report(
        CheckCode.conflictingAttributes,
        v.span,
        `deployment \`${ctx.name}\` is a serverless function, which keeps no ${keeps[attr]}: \`${attr}\` is not supported there`,
        { hint: `remove \`${attr}\`, or serve over rest or a container` },
      );
  }
  if (!model) return;
  const modelBlock = ctx.lookup(model);
  const features = modelBlock?.body.find((i) => i.type === "attribute" && i.name === "features");
  if (features?.type !== "attribute") return;
  const refs = ctx.featuresOf(features.value);
  const joined = [...new Set(refs.map((f) => f.block))].find((b) =>
    ctx.lookup(b)?.body.some((i) => i.type === "block" && i.kind === "join"),
  );
  const windowed = refs.find((f) =>
    [...ctx.builtinsUsed(f.block, f.feature)].some((n) => lookupBuiltin(n, ["window"]) !== undefined),
  );
  if (joined === undefined && windowed === undefined) return;
  ctx.report(
    CheckCode.notServable,
    serve.span,
    windowed
      ? `deployment \`${ctx.name}\` is a serverless function, which has no online store: feature \`${windowed.block}.${windowed.feature}\` is a window aggregation looked up when serving`
      : `deployment \`${ctx.name}\` is a serverless function, which has no online store: features block \`${joined}\` joins values looked up when serving`,
    { hint: "serve over rest or a container, which look such features up in the online store" },
  );
}

function checkGatesOfModel(ctx: KindCheckContext, model: string, when: Expr | undefined): void {
  const gates = when?.type === "list" ? when.items : when ? [when] : [];
  for (const g of gates) {
    const gate = ctx.refName(g);
    const gateBlock = gate ? ctx.lookup(gate) : undefined;
    if (!gateBlock || gateBlock.kind !== "gate") continue;
    const gated = gateBlock.body.find((i) => i.type === "attribute" && i.name === "model");
    const gatedName = gated?.type === "attribute" ? ctx.refName(gated.value) : undefined;
    // a gate of the re-ranker (`rerank = RANKER`) guards the deployment too
    const ranker = ctx.refName(ctx.attribute("rerank"));
    if (gatedName && gatedName !== model && gatedName !== ranker) {
      ctx.report(
        CheckCode.gateForOtherModel,
        g.span,
        `gate \`${gate}\` checks model \`${gatedName}\`, but this deployment serves \`${model}\`${ranker ? ` re-ranked by \`${ranker}\`` : ""}`,
        {
          related: [{ message: "the gate's model", span: gated!.span }],
        },
      );
    }
  }
}

function checkServable(ctx: KindCheckContext, model: string): void {
  const modelBlock = ctx.lookup(model);
  const features = modelBlock?.body.find((i) => i.type === "attribute" && i.name === "features");
  if (!features || features.type !== "attribute") return;
  for (const f of ctx.featuresOf(features.value)) {
    const blocked = [...ctx.builtinsUsed(f.block, f.feature)].filter(
      (name) => lookupBuiltin(name, ["transform", "window"])?.serving === "batch-only",
    );
    if (blocked.length === 0) continue;
    ctx.report(
      CheckCode.notServable,
      ctx.attribute("model")!.span,
      `deployment \`${ctx.name}\` cannot compute feature \`${f.block}.${f.feature}\` when serving: \`${blocked.sort().join("`, `")}\` has no ONNX form`,
      {
        hint: "replace the transform in the feature, or drop the feature from the model",
        ...(ctx.featureSpan(f.block, f.feature)
          ? {
              related: [
                { message: "the feature is defined here", span: ctx.featureSpan(f.block, f.feature)! },
              ],
            }
          : {}),
      },
    );
  }
}

/** A named argument of a call attribute (`canary(10%, key = "id")`, `files { exclude = […] }`). */
function namedArg(e: Expr | undefined, name: string): Expr | undefined {
  return e?.type === "call" ? e.named.find((n) => n.name === name)?.value : undefined;
}

/** `log { exclude = [...] }` may only name fields a request carries: the model's raw inputs or the canary key. */
function checkLogExclude(ctx: KindCheckContext, model: string): void {
  const exclude = namedArg(ctx.attribute("log"), "exclude");
  if (exclude?.type !== "list") return;
  const modelBlock = ctx.lookup(model);
  const features = modelBlock?.body.find((i) => i.type === "attribute" && i.name === "features");
  if (!features || features.type !== "attribute") return;
  const fields = new Set<string>();
  for (const f of ctx.featuresOf(features.value)) {
    fields.add(f.feature);
    for (const col of ctx.lineage(f.block, f.feature)) fields.add(col.slice(col.indexOf(".") + 1));
  }
  const key = namedArg(ctx.attribute("rollout"), "key");
  if (key?.type === "string") fields.add(key.value);
  for (const item of exclude.items) {
    if (item.type !== "string" || fields.has(item.value)) continue;
    ctx.report(
      CheckCode.unknownColumn,
      item.span,
      `the log cannot exclude \`${item.value}\`: requests to \`${ctx.name}\` carry no such field (model \`${model}\` does not read it)`,
      { hint: didYouMean(item.value, [...fields]) ?? `the model reads: ${[...fields].sort().join(", ")}` },
    );
  }
}
