// `mlc fmt [DIR] [--check] [--diff]`: rewrites the .mlspec files under DIR (recursively) in canonical
// layout (atomically), or reports which would change. Files with syntax errors are never touched; their errors are printed.
import { colorFor } from "../color.js";
import type { Command } from "commander";
import { renameSync, writeFileSync, unlinkSync } from "node:fs";
import { hasErrors } from "../../compiler/diagnostic.js";
import { renderDiagnostics } from "../../compiler/diagnostic-render.js";
import { format } from "../../compiler/format.js";
import { loadSpecTree, projectSources } from "../../compiler/load-project.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { unifiedDiff } from "../unified-diff.js";
import { printJson } from "../json-output.js";

interface FmtOptions {
  check?: boolean;
  diff?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("fmt")
      .description(
        "rewrite .mlspec files in canonical layout (indentation, aligned `=`, one blank line between blocks, comments kept)",
      ),
    "a directory (searched recursively for .mlspec files) or one .mlspec file (default: the current directory; also -C/--dir)",
  )
    .option("--check", "write nothing; list the files that would change and exit 1 if any would")
    .option("--diff", "write nothing; print a unified diff of the changes")
    .option("--json", "print JSON: {files: [{path, changed}], changed, written, errors}")
    .action((dir: string, opts: FmtOptions) => runFmt(dir, opts));
}

const useColor = (): boolean => colorFor(process.stderr);

/** Atomic replace: a reader sees the old file or the new one, never half of one. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.mlc-fmt.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never created
    }
    throw new CliExit(1, `mlc fmt: cannot write ${path}: ${(e as Error).message}`);
  }
}

function runFmt(dir: string, opts: FmtOptions): void {
  const loaded = loadSpecTree(dir);
  const project = loaded.value;
  const sources = projectSources(project);
  const byFile = new Map<string, typeof loaded.diagnostics>();
  const general: typeof loaded.diagnostics = [];
  for (const d of loaded.diagnostics) {
    if (sources.has(d.span.file)) byFile.set(d.span.file, [...(byFile.get(d.span.file) ?? []), d]);
    else general.push(d);
  }
  if (general.length) process.stderr.write(renderDiagnostics(general, sources, { color: useColor() }));

  let failed = hasErrors(general);
  const changed: string[] = [];
  for (const file of project.files) {
    const ds = byFile.get(file.path) ?? [];
    if (hasErrors(ds)) {
      process.stderr.write(renderDiagnostics(ds, sources, { color: useColor() }));
      failed = true;
      continue;
    }
    const formatted = format(file);
    if (formatted === file.text) continue;
    changed.push(file.path);
    if (opts.diff && !opts.json) process.stdout.write(unifiedDiff(file.path, file.text, formatted));
    if (opts.check && !opts.json) process.stdout.write(`${file.path}\n`);
    if (!opts.check && !opts.diff) {
      writeAtomically(file.path, formatted);
      if (!opts.json) process.stdout.write(`${file.path}\n`);
    }
  }
  if (opts.json) {
    const written = !opts.check && !opts.diff;
    const json = {
      files: project.files.map((f) => ({ path: f.path, changed: changed.includes(f.path) })),
      changed: changed.length,
      written: written ? changed.length : 0,
      errors: failed,
    };
    printJson(json);
  }
  if (failed) throw new CliExit(1, "mlc fmt: files with syntax errors were left unchanged");
  if (opts.check && changed.length)
    throw new CliExit(
      1,
      `mlc fmt: ${changed.length} file${changed.length === 1 ? "" : "s"} would be reformatted`,
    );
}
