// Renders the reference's "Algorithm parameters" section from the parameter specs (src/ml/params):
// one table per algorithm with each parameter's type, range, default, meaning and other names.
import { algorithmParams, algorithmsWithParams, describeRange } from "../ir/params/index.js";
import type { AlgorithmParams, ParamSpec } from "../ir/params/index.js";

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The Markdown anchor of an algorithm's parameter table. */
export const paramsAnchor = (algorithm: string): string => `${algorithm}-parameters`;

/** The line linking an algorithm's entry to its parameter table, or undefined when it has none. */
export function paramsLink(algorithm: string): string | undefined {
  const specs = algorithmParams(algorithm);
  if (!specs) return undefined;
  return `Parameters (\`params { … }\`): [${specs.params.length} for \`${algorithm}\`](#${paramsAnchor(algorithm)}).`;
}

function typeCell(p: ParamSpec): string {
  switch (p.type) {
    case "float":
      return "number";
    case "int_list":
      return 'int list (`"64,32"`)';
    case "string":
      return p.values ? "enum" : "string";
    default:
      return p.type;
  }
}

function rangeCell(p: ParamSpec): string {
  if (p.values) return p.values.map((v) => `\`${v}\``).join(", ");
  if (p.type === "int_list") return "each ≥ 1";
  return describeRange(p).trim().replace(/^in /, "") || "any";
}

function aliasCell(p: ParamSpec): string {
  return (p.aliases ?? [])
    .map((a) => `\`${a.name}\` (${a.library}${a.note ? `; ${a.note}` : ""})`)
    .join(", ");
}

function table(a: AlgorithmParams, out: string[]): void {
  out.push(
    `### \`${a.algorithm}\` parameters`,
    "",
    "| parameter | type | range | default | meaning | other libraries' names |",
    "|---|---|---|---|---|---|",
  );
  for (const p of a.params)
    out.push(
      `| \`${p.name}\` | ${cell(typeCell(p))} | ${cell(rangeCell(p))} | \`${cell(JSON.stringify(p.default))}\` | ${cell(p.setBy ? `${p.doc} Set by \`${p.setBy}\`, not in \`params\`.` : p.doc)} | ${cell(aliasCell(p))} |`,
    );
  out.push("");
}

/** The whole section: an introduction, then one table per algorithm in name order. */
export function algorithmParamsSection(out: string[]): void {
  out.push(
    "## Algorithm parameters",
    "",
    "The names a model's `params { … }` block takes, per algorithm; `mlc validate` reports an unknown name (MLC1143, with the mlc name for another library's spelling), a value of the wrong type or out of range (MLC1144), and a search distribution that does not fit (MLC1145). Ranges: `[a, b]` includes both bounds, `(0, 1]` excludes 0. A `%` is not a parameter value: write fractions (`0.8`).",
    "",
  );
  for (const a of algorithmsWithParams()) table(a, out);
}
