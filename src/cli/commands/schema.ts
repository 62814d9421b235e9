// `mlc schema infer SOURCE [DIR]`: reads a source (a source block's name, or a data file) and
// prints a `schema { … }` block with the inferred column types, ready to paste into the spec.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { renderDiagnostics } from "../../compiler/diagnostic-render.js";
import { loadSource } from "../../data/source-load.js";
import { type SourceSpec, readSourceSpec } from "../../data/source-spec.js";
import { inferredSchema, renderSchemaBlock } from "../../data/schema-infer.js";
import { NodeFailure } from "../../ir/executor.js";
import { compileGraph } from "../../runtime/project.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";

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
      delimiter: lower.endsWith(".tsv") ? "\t" : ",",
      encoding: "utf-8",
    },
    declared: [],
    declaredOnly: false,
    expect: [],
    warn: [],
    allowOutside: true,
  };
}

async function specFor(source: string, dir: string): Promise<{ spec: SourceSpec; root: string }> {
  const asFile = [resolve(dir, source), resolve(source)].find((p) => existsSync(p));
  if (asFile) return { spec: fileSpec(asFile), root: dir };
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
  };
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
        const { spec, root } = await specFor(source, dir);
        const loaded = await loadSource(spec, resolve(root));
        const schema = inferredSchema(loaded.table, loaded.schema);
        if (opts.json) {
          const columns = schema.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable ?? false }));
          const json = { rows: loaded.table.numRows(), columns };
          return void process.stdout.write(JSON.stringify(json, null, 2) + "\n");
        }
        process.stdout.write(renderSchemaBlock(schema, ""));
        process.stderr.write(`# ${loaded.table.numRows()} rows, ${loaded.table.numCols()} columns\n`);
      } catch (e) {
        if (e instanceof NodeFailure) throw new CliExit(1, `mlc schema infer: ${e.message}`);
        throw e;
      }
    });
}
