// `mlc validate [DIR] [--json]`: parse and check every .mlspec file of a project and print all
// diagnostics; exit 1 when any is an error (warnings alone exit 0).
import { colorFor } from "../color.js";
import type { Command } from "commander";
import { compileProject } from "../../compiler/compile.js";
import "../../kinds/index.js";
import { hasErrors, type Diagnostic } from "../../compiler/diagnostic.js";
import { diagnosticsToJson, renderDiagnostics } from "../../compiler/diagnostic-render.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

interface ValidateOptions {
  json?: boolean;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("validate")
      .description(
        "parse and type-check a project's .mlspec files; print every diagnostic (exit 1 on errors)",
      ),
    "a directory of .mlspec files, or one .mlspec file (default: the current directory; also -C/--dir)",
  )
    .option("--json", "print the diagnostics as a JSON array on stdout")
    .action((dir: string, opts: ValidateOptions) => runValidate(dir, opts));
}

const useColor = (): boolean => colorFor(process.stderr);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function summaryLine(dir: string, ds: readonly Diagnostic[], blocks: number, files: number): string {
  const errors = ds.filter((d) => d.severity === "error").length;
  const warnings = ds.length - errors;
  if (ds.length === 0) return `${dir}: ${plural(files, "file")}, ${plural(blocks, "block")}, no problems`;
  return `${dir}: ${plural(errors, "error")}, ${plural(warnings, "warning")} in ${plural(files, "file")}`;
}

function runValidate(dir: string, opts: ValidateOptions): void {
  const result = compileProject(dir);
  const ds = result.diagnostics;
  const files = result.project?.files.length ?? 0;
  const blocks = result.checked?.blocks.length ?? 0;
  if (opts.json) {
    printJson(diagnosticsToJson(ds));
  } else {
    if (ds.length) process.stderr.write(renderDiagnostics(ds, result.sources, { color: useColor() }));
    process.stdout.write(`${summaryLine(dir, ds, blocks, files)}\n`);
  }
  if (hasErrors(ds)) throw new CliExit(1);
}
