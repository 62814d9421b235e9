// Model cards from state: gathers one version's facts (registry record, its report's metrics and
// fairness, the lineage of its training data, the deploy and monitor blocks of the graph, the
// serving pointers) into a ModelCardInput, renders it, and keeps each rendering with the version:
// an artifact (content-addressed, so nothing earlier is overwritten) named by the `model_cards` record.
import type { ArtifactAccess } from "../ir/executor.js";
import type { Graph, GraphNode, Json } from "../ir/graph-ir.js";
import { isObj } from "../ir/graph-ir.js";
import { exprJsonText, isRef } from "../ir/expr-json.js";
import { MlcError } from "../ir/errors.js";
import type { StateStore } from "../ir/state-store.js";
import { ALIASES, ModelRegistry, type Alias, type ModelVersion } from "../registry/model-registry.js";
import { renderModelCard, type CardFormat, type ModelCardInput } from "../ml/report/model-card.js";
import type { ReportJson } from "../ml/report/report-json.js";
import { readDeployment } from "../serve/deployment.js";
import { LineageNotFound, lineageOf, type LineageNode } from "./lineage.js";

export class ModelCardError extends MlcError {
  constructor(message: string) {
    super("MLC2005", message);
  }
}

const CARDS = "model_cards";
const HEADLINES = ["test.auc", "test.rmse", "test.accuracy", "test.ndcg", "test.r2"];

const refName = (j: Json | undefined): string | undefined =>
  j !== undefined && isRef(j) ? j.$ref[0] : undefined;

const textOf = (j: Json | undefined): string | undefined => (typeof j === "string" ? j : undefined);

/** The sources the version's training read, from its lineage (each once, in the order met). */
function trainingData(root: LineageNode): ModelCardInput["data"] {
  const out: ModelCardInput["data"] = [];
  const seen = new Set<string>();
  const walk = (n: LineageNode) => {
    if (n.kind === "source" && n.data && !seen.has(n.node)) {
      seen.add(n.node);
      out.push({
        node: n.node,
        description: n.data.description,
        hash: n.data.hash,
        ...(n.data.rows !== undefined ? { rows: n.data.rows } : {}),
        ...(n.data.bytes !== undefined ? { bytes: n.data.bytes } : {}),
      });
    }
    for (const i of n.inputs) if (i.producedBy) walk(i.producedBy);
  };
  walk(root);
  return out;
}

/** A monitor node's assertions and actions as source-like text, whatever block shape it has. */
function monitorOf(n: GraphNode, deployment: string): ModelCardInput["monitors"][number] {
  const assertions = Array.isArray(n.config.assertions)
    ? n.config.assertions.map((a) => exprJsonText(a))
    : [];
  const breach = n.config.on_breach;
  const actions = Array.isArray(breach)
    ? breach.map((a) => exprJsonText(a))
    : breach
      ? [exprJsonText(breach)]
      : [];
  const schedule = n.config.schedule;
  return {
    name: n.name,
    deployment,
    assertions,
    actions,
    ...(schedule !== undefined ? { schedule: exprJsonText(schedule) } : {}),
  };
}

async function aliasesByVersion(reg: ModelRegistry, model: string): Promise<Map<number, Alias[]>> {
  const out = new Map<number, Alias[]>();
  for (const a of ALIASES) {
    const v = await reg.alias(model, a);
    if (v) out.set(v.version, [...(out.get(v.version) ?? []), a]);
  }
  return out;
}

async function readReport(artifacts: ArtifactAccess, v: ModelVersion): Promise<ReportJson | undefined> {
  const hash = v.artifacts.report_json;
  if (!hash) return undefined;
  const parsed: unknown = JSON.parse(Buffer.from(await artifacts.get(hash)).toString("utf8"));
  return isObj(parsed as Json) ? (parsed as ReportJson) : undefined;
}

export interface CardSources {
  projectDir: string;
  graph: Graph;
  store: StateStore;
  artifacts: ArtifactAccess;
}

/** Everything the card of `model` version `version` (default: the newest) says. */
export async function gatherModelCard(
  src: CardSources,
  model: string,
  version?: number,
): Promise<ModelCardInput> {
  const reg = new ModelRegistry(src.store);
  const versions = await reg.versions(model);
  if (!versions.length) {
    const known = await reg.models();
    throw new ModelCardError(
      `no versions of model '${model}' are recorded${known.length ? ` (models: ${known.join(", ")})` : " (run mlc apply first)"}`,
    );
  }
  const v = version === undefined ? versions.at(-1)! : versions.find((x) => x.version === version);
  if (!v)
    throw new ModelCardError(
      `model '${model}' has no version ${version} (versions ${versions[0]!.version}–${versions.at(-1)!.version})`,
    );
  const aliases = await aliasesByVersion(reg, model);
  const node = src.graph.nodes.find((n) => n.kind === "model" && n.name === model);
  const notes = node?.annotations ?? {};
  const lim = notes.limitations;
  const limitations = Array.isArray(lim)
    ? lim.filter((x): x is string => typeof x === "string")
    : typeof lim === "string"
      ? [lim]
      : [];
  const report = await readReport(src.artifacts, v);
  // a version whose runs are not recorded (a rebuilt state) has no lineage; any other failure is reported
  const lineage = v.artifacts.model
    ? await lineageOf(src.store, v.artifacts.model).catch((e: unknown) => {
        if (e instanceof LineageNotFound) return undefined;
        throw e;
      })
    : undefined;
  const deploys = src.graph.nodes.filter((n) => n.kind === "deploy" && refName(n.config.model) === model);
  const deployNames = new Set(deploys.map((d) => d.name));
  const monitors = src.graph.nodes
    .filter((n) => n.kind === "monitor")
    .flatMap((n) => {
      const d = refName(n.config.deployment);
      return d && deployNames.has(d) ? [monitorOf(n, d)] : [];
    });
  const headlineName = HEADLINES.find((k) => versions.some((x) => x.metrics[k] !== undefined));
  return {
    model,
    version: v.version,
    algorithm: v.algorithm,
    task:
      report?.model.task ??
      textOf(node?.config.task) ??
      (node ? exprJsonText(node.config.task ?? null) : "?"),
    created: v.created,
    ...(v.specCommit ? { specCommit: v.specCommit } : {}),
    aliases: aliases.get(v.version) ?? [],
    ...(typeof notes.intended_use === "string" ? { intendedUse: notes.intended_use } : {}),
    limitations,
    params: v.params,
    data: lineage ? trainingData(lineage) : [],
    splits: report?.splits ?? {},
    ...(report?.decision
      ? {
          decision: {
            rule: report.decision.rule,
            threshold: report.decision.threshold,
            split: report.decision.split,
            ...(report.decision.costs ? { costs: { ...report.decision.costs } } : {}),
          },
        }
      : {}),
    fairness: report?.fairness ?? [],
    ...(report?.robustness?.length
      ? { robustness: report.robustness.map((r) => ({ suite: r.suite, metrics: { ...r.metrics } })) }
      : {}),
    gates: Object.entries(v.gates)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, g]) => ({ name, passed: g.passed, at: g.at })),
    deployments: deploys.map((d) => {
      const p = readDeployment(src.projectDir, d.name);
      return {
        name: d.name,
        ...(p ? { serving: p.version } : {}),
        ...(p?.rollout ? { rollout: `${p.rollout.kind} of version ${p.rollout.candidate.version}` } : {}),
      };
    }),
    monitors,
    history: versions.map((x) => ({
      version: x.version,
      created: x.created,
      aliases: aliases.get(x.version) ?? [],
      ...(headlineName && x.metrics[headlineName] !== undefined
        ? { headline: { name: headlineName, value: x.metrics[headlineName]! } }
        : {}),
    })),
  };
}

/** Renders the card of a version. */
export async function modelCard(
  src: CardSources,
  model: string,
  format: CardFormat,
  version?: number,
): Promise<string> {
  return renderModelCard(await gatherModelCard(src, model, version), format);
}

/**
 * Keeps the current card of each model's newest version with that version (run by apply): the
 * Markdown card is stored as an artifact and the `model_cards` record `model@version` names it.
 * Returns the models whose card changed.
 */
export async function refreshModelCards(src: CardSources): Promise<string[]> {
  const reg = new ModelRegistry(src.store);
  const known = new Set(await reg.models());
  const changed: string[] = [];
  for (const n of src.graph.nodes) {
    if (n.kind !== "model" || !known.has(n.name)) continue;
    // The state's serial before gathering: concurrent `mlc exec`s each refresh the card, and a card
    // gathered from an older state never replaces one gathered from a newer state.
    const serial = await src.store.serial();
    const input = await gatherModelCard(src, n.name);
    const hash = await src.artifacts.put(new TextEncoder().encode(renderModelCard(input, "md")));
    const key = `${n.name}@${String(input.version).padStart(8, "0")}`;
    const wrote = await src.store.records.update(CARDS, key, (prev) => {
      const p = isObj(prev?.value) ? prev.value : undefined;
      if (p && (p.hash === hash || (typeof p.serial === "number" && p.serial > serial))) return undefined;
      return { value: { hash, model: n.name, version: input.version, serial }, refs: [hash] };
    });
    if (wrote) changed.push(n.name);
  }
  return changed;
}

/** The hash of the card last kept with `model` version `version`, if any. */
export async function storedCardHash(
  store: StateStore,
  model: string,
  version: number,
): Promise<string | undefined> {
  const r = await store.records.get(CARDS, `${model}@${String(version).padStart(8, "0")}`);
  return isObj(r?.value) && typeof r.value.hash === "string" ? r.value.hash : undefined;
}
