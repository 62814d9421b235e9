// The model result that other kinds read (gates, deployments, reports): the typed part of a model
// node's summary, with its one encoder (the model executor) and one decoder (every reader).
import { NodeFailure } from "../../ir/executor.js";
import type { Json } from "../../ir/graph-ir.js";
import type { Task } from "../../ml/estimator.js";
import { INPUT_TYPES, type BundleInput, type InputType } from "../../serve/bundle.js";

export interface ModelResult {
  task: Task;
  /** The raw input columns serving validates records with. */
  inputs: BundleInput[];
  /** Scores per row (1, or the number of classes). */
  outputWidth: number;
  /** The decision threshold of a binary classifier, when the spec set one. */
  threshold?: number;
  /** The model registry's version of this model, when the run had a state store. */
  version?: number;
}

type Obj = { [key: string]: Json };
const isObj = (j: Json | undefined): j is Obj => typeof j === "object" && j !== null && !Array.isArray(j);
const isString = (j: Json): j is string => typeof j === "string";

/** A task as the summary stores it. */
export function taskJson(t: Task): Json {
  return "classes" in t ? { kind: t.kind, classes: [...t.classes] } : { kind: t.kind };
}

/** Input columns as the summary stores them. */
export function inputsJson(inputs: readonly BundleInput[]): Json {
  return inputs.map((i) => ({
    name: i.name,
    type: i.type,
    nullable: i.nullable,
    ...(i.values ? { values: [...i.values] } : {}),
    ...(i.unseen ? { unseen: i.unseen } : {}),
  }));
}

function decodeTask(j: Json | undefined): Task | undefined {
  if (!isObj(j)) return undefined;
  const classes = Array.isArray(j.classes) && j.classes.every(isString) ? j.classes : undefined;
  switch (j.kind) {
    case "binary":
      return classes?.length === 2 ? { kind: "binary", classes: [classes[0]!, classes[1]!] } : undefined;
    case "multiclass":
      return classes ? { kind: "multiclass", classes } : undefined;
    case "regression":
    case "ranking":
    case "anomaly":
      return { kind: j.kind };
    default:
      return undefined;
  }
}

const isInputType = (j: Json | undefined): j is InputType =>
  typeof j === "string" && (INPUT_TYPES as readonly string[]).includes(j);

function decodeInput(j: Json): BundleInput | undefined {
  if (!isObj(j) || typeof j.name !== "string" || !isInputType(j.type) || typeof j.nullable !== "boolean")
    return undefined;
  const values = Array.isArray(j.values) && j.values.every(isString) ? j.values : undefined;
  return {
    name: j.name,
    type: j.type,
    nullable: j.nullable,
    ...(values ? { values } : {}),
    ...(j.unseen === "error" ? { unseen: "error" as const } : {}),
  };
}

/** The model result of model `name` from its node's summary; a NodeFailure names what is missing. */
export function decodeModelResult(name: string, summary: { [key: string]: Json } | undefined): ModelResult {
  const s = summary ?? {};
  const task = decodeTask(s.task);
  if (!task) throw new NodeFailure(`model ${name} recorded no task; re-apply the model`);
  const inputs = Array.isArray(s.inputs) ? s.inputs.map(decodeInput) : [];
  if (inputs.some((i) => i === undefined))
    throw new NodeFailure(`model ${name} recorded malformed input columns; re-apply the model`);
  return {
    task,
    inputs: inputs.filter((i): i is BundleInput => i !== undefined),
    outputWidth: typeof s.output_width === "number" ? s.output_width : 1,
    ...(typeof s.threshold === "number" ? { threshold: s.threshold } : {}),
    ...(typeof s.version === "number" ? { version: s.version } : {}),
  };
}
