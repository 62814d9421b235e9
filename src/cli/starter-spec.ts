// The first spec `mlc init --from data.csv` writes: the file's inferred schema, a features block
// (numbers as they are or imputed, categories one-hot, identifiers and free text left out with a
// comment saying why), a 70/15/15 split (stratified for a class) and a gbdt model whose task
// follows the target's type. Pure: the command reads the data and writes the files.
import type { ColumnSpec } from "../data/column-type.js";
import { renderSchemaBlock, specName } from "../data/schema-infer.js";

/** What the generator needs to know about each column, read from the data. */
export interface ColumnFacts extends ColumnSpec {
  /** Distinct non-null values. */
  distinct: number;
  /** The non-null values, with their counts, when there are at most 20 of them. */
  counts?: Map<string, number>;
}

export interface StarterInput {
  project: string;
  source: string;
  /** The data file's path relative to the project. */
  file: string;
  /** The CSV delimiter, when it is not a comma. */
  delimiter?: string;
  rows: number;
  columns: ColumnFacts[];
  target: string;
}

/** The model's task for a target column, and why (for the command's summary). */
export interface StarterTask {
  text: string;
  kind: "classify" | "regress";
  why: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set(["and", "or", "not", "true", "false", "null"]);
const POSITIVE = /^(yes|y|true|t|1|positive|pos)$/i;

/** A plain name for a block or feature made from any text (`Monthly Charges` → `monthly_charges`). */
export function plainName(text: string, fallback: string): string {
  let n = text
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!n) n = fallback;
  if (/^\d/.test(n)) n = `_${n}`;
  return KEYWORDS.has(n) ? `${n}_` : n;
}

const written = (name: string): string => specName(name) ?? JSON.stringify(name);

/** The task of a model predicting `target`. */
export function starterTask(target: ColumnFacts): StarterTask {
  const t = written(target.name);
  if (target.type === "float")
    return { text: `regress(${t})`, kind: "regress", why: "a float target: regression" };
  if (target.type === "int" && target.distinct > 10)
    return {
      text: `regress(${t})`,
      kind: "regress",
      why: `an int target with ${target.distinct} distinct values: regression`,
    };
  if (target.type === "timestamp")
    throw new Error(`the target ${t} is a timestamp; choose a label column with --target`);
  const values = [...(target.counts ?? new Map<string, number>()).entries()];
  if (values.length === 2 && target.type !== "bool") {
    // the positive class: a yes-like value, else the rarer one (ties: the later in order)
    const sorted = values.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const positive =
      sorted.find(([v]) => POSITIVE.test(v))?.[0] ??
      (sorted[0]![1] < sorted[1]![1] ? sorted[0]![0] : sorted[1]![0]);
    const literal = target.type === "int" ? positive : JSON.stringify(positive);
    return {
      text: `classify(${t}, positive = ${literal})`,
      kind: "classify",
      why: `two classes: binary classification, positive class ${literal}`,
    };
  }
  return {
    text: `classify(${t})`,
    kind: "classify",
    why:
      target.type === "bool"
        ? "a bool target: binary classification"
        : `${target.distinct} classes: multiclass classification`,
  };
}

/** The spec's text. */
export function starterSpec(input: StarterInput): string {
  const target = input.columns.find((c) => c.name === input.target)!;
  const task = starterTask(target);
  const featuresName = plainName(`${input.source}_features`, "features");
  const used = new Set(input.columns.map((c) => c.name));
  const features: string[] = [];
  const leftOut: string[] = [];
  for (const c of input.columns) {
    if (c.name === input.target) continue;
    const col = written(c.name);
    const identifier = c.distinct === input.rows && input.rows > 20;
    let expr: string | undefined;
    if ((c.type === "int" || c.type === "string" || c.type === "category") && identifier)
      leftOut.push(`${col}: every value is distinct (an identifier), left out`);
    else if (c.type === "int" || c.type === "float")
      expr = c.nullable ? `impute(${col}, method = median)` : col;
    else if (c.type === "category" || c.type === "bool")
      expr = c.distinct > 20 ? `onehot(${col}, top = 20)` : `onehot(${col})`;
    else if (c.type === "string") leftOut.push(`${col}: free text (${c.distinct} distinct values), left out`);
    else leftOut.push(`${col}: a timestamp; use it in window features or a temporal split`);
    if (expr === undefined) continue;
    let name = IDENT.test(c.name) && !KEYWORDS.has(c.name) ? c.name : plainName(c.name, "feature");
    if (name !== c.name) {
      const base = name;
      for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
      used.add(name);
    }
    features.push(`${name} = ${expr}`);
  }
  if (features.length === 0)
    throw new Error(
      `no column besides the target ${written(input.target)} can be a feature (${leftOut.join("; ")})`,
    );
  const width = Math.max(...features.map((f) => f.indexOf(" =")), "from".length);
  const pad = (line: string): string => {
    const at = line.indexOf(" =");
    return `  ${line.slice(0, at).padEnd(width)}${line.slice(at)}`;
  };
  const lines = [
    `# A first project for ${input.file}, written by \`mlc init --from\`: ${input.rows} rows, target ${written(input.target)} (${task.why}).`,
    "# Edit the features, the split and the model; `mlc validate` checks the spec, `mlc apply` trains.",
    "",
    `project ${input.project} {`,
    "  seed = 7",
    "}",
    "",
    `source ${input.source} {`,
    `  file = ${JSON.stringify(input.file)}`,
    ...(input.delimiter && input.delimiter !== ","
      ? [`  delimiter = ${JSON.stringify(input.delimiter)}`]
      : []),
    renderSchemaBlock(input.columns, "  ").trimEnd(),
    "}",
    "",
    `features ${featuresName} {`,
    pad(`from = ${input.source}`),
    ...features.map(pad),
    ...leftOut.map((l) => `  # ${l}`),
    "}",
    "",
    "split holdout {",
    `  from   = ${featuresName}`,
    `  method = ${task.kind === "classify" ? `stratified(${written(input.target)})` : "random"}`,
    "  train  = 70%",
    "  valid  = 15%",
    "  test   = 15%",
    "}",
    "",
    `model ${plainName(`${input.target}_model`, "model")} {`,
    `  task      = ${task.text}`,
    "  data      = holdout",
    `  features  = ${featuresName}.*`,
    "  algorithm = gbdt",
    "  params {",
    "    trees = 100",
    "  }",
    "}",
    "",
  ];
  return lines.join("\n");
}
