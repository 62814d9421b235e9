// `mlc schema infer SOURCE [DIR]`: reads a source (a source block's name, or a data file) and
// prints a `schema { … }` block with the inferred column types, ready to paste into the spec.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { renderDiagnostics } from "../../compiler/diagnostic-render.js";
import { loadSource } from "../../data/source-load.js";
import { type SourceSpec, readSourceSpec } from "../../data/source-spec.js";
import { inferredSchema, renderSchemaBlock } from "../../data/schema-infer.js";
import { delimiterLiteral, delimiterOfLine, detectDelimiter } from "../../data/detect-delimiter.js";
import { NodeFailure } from "../../ir/executor.js";
import { compileGraph } from "../../runtime/project.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

function fileSpec(path: string): SourceSpec {
  const lower = path.toLowerCase();
  const format = lower.endsWith(".parquet")
    ? "parquet"
    : lower.endsWith(".jsonl") || lower.endsWith(".ndjson")
      ? "jsonl"
      : "csv";
  return {
    location: {
      kind: "file",
      file: path,
      format,
      delimiter: format === "csv" ? detectDelimiter(path) : ",",
      encoding: "utf-8",
    },
    declared: [],
    declaredOnly: false,
    expect: [],
    warn: [],
    allowOutside: true,
  };
}

async function specFor(
  source: string,
  dir: string,
): Promise<{ spec: SourceSpec; root: string; fromFile: boolean }> {
  const asFile = [resolve(dir, source), resolve(source)].find((p) => existsSync(p));
  if (asFile) return { spec: fileSpec(asFile), root: dir, fromFile: true };
  const compiled = compileGraph(dir);
  if (!compiled.ok)
    throw new CliExit(1, renderDiagnostics(compiled.diagnostics, compiled.sources, { color: false }));
  const node = compiled.graph.nodes.find((n) => n.id === `source.${source}`);
  if (!node) {
    const names = compiled.graph.nodes.filter((n) => n.kind === "source").map((n) => n.name);
    throw new CliExit(
      1,
      `no source \`${source}\` in ${dir} and no such file${names.length ? ` (sources: ${names.join(", ")})` : ""}`,
    );
  }
  // Ignore the declared schema: the point is to see what the data holds.
  return {
    spec: { ...readSourceSpec(node.config), declared: [], declaredOnly: false, expect: [], warn: [] },
    root: dir,
    fromFile: false,
  };
}

/**
 * What to write about the separator: a CSV file read with a separator other than the comma needs it
 * in its source block; a source whose only column's name holds another separator was likely read
 * with the wrong one.
 */
function delimiterNote(
  source: string,
  spec: SourceSpec,
  fromFile: boolean,
  names: readonly string[],
): string | undefined {
  const loc = spec.location;
  if (loc.kind !== "file" || loc.format !== "csv") return undefined;
  if (fromFile && loc.delimiter !== ",")
    return `fields separated by ${delimiterLiteral(loc.delimiter)}: write delimiter = ${delimiterLiteral(loc.delimiter)} in the source block`;
  if (names.length === 1) {
    const guess = delimiterOfLine(names[0]!);
    if (guess !== loc.delimiter && guess !== ",")
      return `the header holds ${delimiterLiteral(guess)}: if it separates the fields, write delimiter = ${delimiterLiteral(guess)} in source ${source}`;
  }
  return undefined;
}

export function register(program: Command): void {
  const schema = program.command("schema").description("work with source schemas");
  withProjectDir(
    schema
      .command("infer")
      .description(
        "print a `schema { … }` block inferred from a source's data (a source name or a data file)",
      )
      .argument("<source>", "a source block's name, or a CSV / Parquet / JSON lines file"),
    "the project directory (default: the current directory; also -C/--dir)",
  )
    .option("--json", "print JSON: {rows, columns: [{name, type, nullable}]}")
    .action(async (source: string, dir: string, opts: { json?: boolean }) => {
      try {
        const { spec, root, fromFile } = await specFor(source, dir);
        const loaded = await loadSource(spec, resolve(root));
        const schema = inferredSchema(loaded.table, loaded.schema);
        const note = delimiterNote(
          source,
          spec,
          fromFile,
          schema.map((c) => c.name),
        );
        if (opts.json) {
          const columns = schema.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable ?? false }));
          const loc = spec.location;
          const delimiter = loc.kind === "file" && loc.format === "csv" ? loc.delimiter : undefined;
          const json = { rows: loaded.table.numRows(), ...(delimiter ? { delimiter } : {}), columns };
          return void printJson(json);
        }
        process.stdout.write(renderSchemaBlock(schema, ""));
        process.stderr.write(`# ${loaded.table.numRows()} rows, ${loaded.table.numCols()} columns\n`);
        if (note) process.stderr.write(`# ${note}\n`);
      } catch (e) {
        if (e instanceof NodeFailure) throw new CliExit(1, `mlc schema infer: ${e.message}`);
        throw e;
      }
    });
}
