// Renders the language reference (specs/reference.md) from the block-kind and built-in
// registries and the diagnostic codes, so the documentation cannot drift from the checker.
import { RECOMMEND_REFERENCE } from "./recommend-doc.js";
import { REVIEW_REFERENCE } from "./review-doc.js";
import { builtinsOf } from "../builtins/registry.js";
import {
  BUILTIN_FAMILIES,
  FAMILY_DOCS,
  type FunctionBuiltin,
  type MetricBuiltin,
  type ParamSpec,
} from "../builtins/types.js";
import { FAMILY_NOUNS } from "../checker/family-nouns.js";
import { RUNTIME_CODES } from "../../ir/runtime-codes.js";
import { DIAGNOSTIC_CODES } from "../diagnostic-codes.js";
import { algorithmParamsSection, paramsLink } from "../params-reference.js";
import { allBlockKinds } from "./index.js";
import { defaultToString, typeToString } from "./type-builders.js";
import type { AttributeSchema, BlockKindSchema, BodySchema, NestedBlockSchema, ValueType } from "./types.js";

const RUNTIME_CODES_DOC = [
  "A failure while `mlc plan` or `mlc apply` runs is reported like a spec diagnostic: the failing block's",
  "`file:line:col`, its source line with a caret, the code, the message and a hint. With `--json`, each",
  "failed outcome of `mlc apply` carries a `diagnostic` object (`code`, `severity`, `message`, `node`,",
  "`file`, `line`, `column`, `endLine`, `endColumn`, `hint`, `details`), and an error before any node runs",
  "prints `{ format_version, ok: false, diagnostics: [...] }`. `details` holds structured facts such as the",
  "row, column and value of a data error or the results of a failed gate. Only MLC2999, a bug in mlc,",
  "prints a stack trace.",
].join("\n");

/** One sentence per kind of the type language; the reference test requires every kind here. */
/** How a type is written in the reference where that differs from its tag (as typeToString writes it). */
const TYPE_LABELS: Partial<Record<ValueType["kind"], string>> = { "feature-list": "features" };

export const TYPE_DOCS: Record<ValueType["kind"], string> = {
  number: "a number literal (`0.85`, `-1`); `number[a..b]` gives the allowed range",
  int: "an integer literal; `int[a..b]` gives the allowed range",
  string: 'a string literal (`"data/churn.csv"`)',
  bool: "`true` or `false`",
  duration: "a duration literal: `250ms`, `30s`, `15m`, `1h`, `7d`",
  percent: "a percentage literal (`15%`)",
  list: "a list literal `[a, b]` whose items have the given type",
  object: "an object literal `{ k = v }` whose values have the given type",
  enum: "one of the listed bare names (a string with the same text is accepted)",
  ref: "the name of a top-level block of the given kind(s)",
  column: "a column of the block's input, by name (`churn`) or qualified (`customers.churn`)",
  "feature-list": "features of a features block: `usage.*` or `[usage.a, usage.b]`",
  metric: "a metric path of the model: `valid.auc`, `test.rmse`",
  expr: "an expression evaluated per row (or per assertion scope) with the given result type",
  call: "a call of a built-in of the named family; a bare name calls it without arguments (`gbdt`, `tpe`)",
  union: "any of the alternatives",
  literal:
    "any literal value: number, string, bool, duration, percentage, bare name, list or object of literals",
};

const esc = (s: string): string => s.replace(/\|/g, "\\|");

function attributeRow(a: AttributeSchema): string {
  const req = a.required ? "required" : "optional";
  const def = a.default ? `\`${defaultToString(a.default)}\`` : "";
  return `| \`${a.name}\` | \`${esc(typeToString(a.type))}\` | ${req} | ${def} | ${esc(a.doc)} |`;
}

function bodySection(body: BodySchema, out: string[]): void {
  if (body.attributes.length) {
    out.push("| attribute | type | | default | description |", "|---|---|---|---|---|");
    for (const a of body.attributes) out.push(attributeRow(a));
    out.push("");
  }
  if (body.free)
    out.push(
      `Other attributes: each \`${body.free.nameDoc} = value\`, of type \`${esc(typeToString(body.free.type))}\`: ${body.free.doc}.`,
      "",
    );
  if (body.assertions)
    out.push(`Assertions (scope \`${body.assertions.scope}\`): ${body.assertions.doc}.`, "");
}

function nestedSection(parent: string, n: NestedBlockSchema, out: string[]): void {
  out.push(`#### \`${parent}\` › \`${n.kind} { … }\``, "", n.doc, "");
  out.push(
    `${n.multiple ? "May appear several times." : "At most once."}${n.severity === "warning" ? " Failures are warnings." : ""}`,
    "",
  );
  bodySection(n, out);
  for (const inner of n.nested) nestedSection(`${parent} › ${n.kind}`, inner, out);
}

function kindSection(k: BlockKindSchema, out: string[]): void {
  out.push(`### \`${k.kind}\``, "", k.doc, "");
  out.push(
    `Syntax: \`${k.kind} ${k.name === "required" ? "NAME" : "[NAME]"} { … }\`.${k.input ? ` Columns come from \`${k.input.attribute}\`.` : ""}${k.model ? ` Metric paths refer to the model named by \`${k.model}\`.` : ""}`,
    "",
  );
  bodySection(k, out);
  if (k.nested.length) {
    out.push(`Nested blocks: ${k.nested.map((n) => `\`${n.kind}\``).join(", ")}.`, "");
    for (const n of k.nested) nestedSection(k.kind, n, out);
  }
}

const paramText = (p: ParamSpec): string =>
  `${p.name}${p.variadic ? "…" : ""}${p.required ? "" : "?"}${p.namedOnly ? " = …" : ""}`;

export function signature(b: FunctionBuiltin): string {
  return `${b.name}(${b.params.map(paramText).join(", ")})`;
}

function functionEntry(b: FunctionBuiltin, out: string[]): void {
  const tags = [
    b.returns !== "any" ? `returns ${b.returns}` : "",
    b.fitted ? "fitted on the training split" : "",
    b.serving ? `serving: ${b.serving}` : "",
  ].filter(Boolean);
  out.push(`#### \`${signature(b)}\``, "", `${b.doc}${tags.length ? ` (${tags.join("; ")})` : ""}`, "");
  const link = b.family === "algorithm" ? paramsLink(b.name) : undefined;
  if (link) out.push(link, "");
  for (const p of b.params) {
    const def = p.default ? `, default \`${defaultToString(p.default)}\`` : "";
    out.push(
      `- \`${p.name}\` (\`${esc(typeToString(p.type))}\`, ${p.required ? "required" : "optional"}${p.namedOnly ? ", by name only" : ""}${p.variadic ? ", repeatable" : ""}${def}): ${p.doc}`,
    );
  }
  if (b.params.length) out.push("");
}

function metricTable(ms: MetricBuiltin[], out: string[]): void {
  out.push("| metric | tasks | better | description |", "|---|---|---|---|");
  for (const m of ms)
    out.push(
      `| \`${m.name}\` | ${m.tasks.join(", ")} | ${m.direction === "maximize" ? "larger" : "smaller"} | ${esc(m.doc)} |`,
    );
  out.push("");
}

export function renderReference(): string {
  const out: string[] = [
    "# The .mlspec language reference",
    "",
    "<!-- Generated from the block-kind schemas, the built-in registry and the diagnostic codes by `npm run reference` (scripts/gen-reference.ts). Do not edit by hand: a test fails when this file is stale. -->",
    "",
    "A project is every `*.mlspec` file of a directory. A file is a list of blocks `KIND NAME { … }`; a body holds attributes `name = value`, nested blocks, and, where a block takes them, bare boolean assertions. All top-level block names share one namespace. References are dotted paths: `customers.tenure`, `usage.*`, `test.auc`, `champion.test.auc`.",
    "",
    "## Names",
    "",
    "A name is letters, digits and `_`, not starting with a digit, and none of the keywords `and`, `or`, `not`, `true`, `false`, `null`. A column or feature whose name is anything else (spaces, dots, punctuation, a keyword) is written in backticks, wherever a name goes: in a `schema` (`` `Monthly Charges` = float ``), in expressions and column attributes (`` spend = `Monthly Charges` * 12 ``, `` key = `customer id` ``), as a feature's name, and in a qualified path (`` customers.`x.1` ``). The backticks are not part of the name: the data's header, the ONNX bundle's inputs and the JSON a served model reads carry `Monthly Charges`. A quoted name holds no backtick and no line break. `mlc fmt` writes a name bare when it needs no backticks, and `mlc schema infer` writes them where they are needed. A block's own name is always a plain name (MLC1153): it names the node, its files and its URLs.",
    "",
    "## Types",
    "",
    "| type | meaning |",
    "|---|---|",
    ...(Object.keys(TYPE_DOCS) as ValueType["kind"][]).map(
      (k) => `| \`${TYPE_LABELS[k] ?? k}\` | ${esc(TYPE_DOCS[k])} |`,
    ),
    "",
    "Expression types: `number`, `string`, `bool`, `timestamp`, `duration`, `percent`, `vector` (the columns of `onehot`), `list`, `object`. Column types map to them: `int`/`float` → number, `string`/`category` → string, `bool` → bool, `timestamp` → timestamp.",
    "",
    "Operators, loosest first: `or`, `and`, `not`, comparisons `== != < <= > >=`, `+ -`, `* / %`, unary `-`.",
    "",
    "## Block kinds",
    "",
  ];
  for (const k of allBlockKinds()) kindSection(k, out);
  out.push("## Built-in functions", "");
  for (const fam of BUILTIN_FAMILIES) {
    const list = builtinsOf(fam);
    if (!list.length) continue;
    out.push(
      `### ${FAMILY_NOUNS[fam][0]!.toUpperCase()}${FAMILY_NOUNS[fam].slice(1)}s (\`${fam}\`)`,
      "",
      FAMILY_DOCS[fam],
      "",
    );
    if (fam === "metric")
      metricTable(
        list.filter((b): b is MetricBuiltin => b.family === "metric"),
        out,
      );
    else for (const b of list) if (b.family !== "metric") functionEntry(b, out);
  }
  algorithmParamsSection(out);
  out.push(...REVIEW_REFERENCE);
  out.push(...RECOMMEND_REFERENCE);
  out.push("## Diagnostic codes", "", "| code | severity | meaning |", "|---|---|---|");
  for (const [code, info] of Object.entries(DIAGNOSTIC_CODES).sort(([a], [b]) => a.localeCompare(b)))
    out.push(`| ${code} | ${info.severity} | ${esc(info.summary)} |`);
  out.push("", "## Run-time failure codes", "", RUNTIME_CODES_DOC, "", "| code | meaning |", "|---|---|");
  for (const [code, info] of Object.entries(RUNTIME_CODES)) out.push(`| ${code} | ${esc(info.title)} |`);
  out.push("");
  return out.join("\n");
}
