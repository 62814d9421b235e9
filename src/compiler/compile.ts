// The compiler front door: load every .mlspec file of a directory, then check the project.
// Used by `mlc validate`, `plan`, `apply` and anything else that needs a checked project.
import type { Project } from "./ast.js";
import type { CheckedProject } from "./checked.js";
import { checkProject } from "./check.js";
import type { Diagnostic } from "./diagnostic.js";
import { loadProject, projectSources } from "./load-project.js";
import type { Span } from "../ir/span.js";

interface Compilation {
  project?: Project;
  checked?: CheckedProject;
  /** Syntax and semantic diagnostics, by file and position. */
  diagnostics: Diagnostic[];
  /** path → text of every file read, for rendering diagnostics. */
  sources: Map<string, string>;
}

export function compileProject(dir: string): Compilation {
  const loaded = loadProject(dir);
  const project = loaded.value;
  const sources = projectSources(project);
  if (project.files.length === 0) return { project, diagnostics: loaded.diagnostics, sources };
  const checked = checkProject(project);
  const semantic = withoutCascades(project, loaded.diagnostics, checked.diagnostics);
  return {
    project,
    checked: checked.value,
    diagnostics: byPosition([...loaded.diagnostics, ...semantic]),
    sources,
  };
}

const inside = (s: Span, outer: Span): boolean =>
  s.file === outer.file && s.start.offset >= outer.start.offset && s.start.offset <= outer.end.offset;

/**
 * A block with a syntax error was parsed by recovery, so parts of it may be missing: its semantic
 * diagnostics ("missing attribute `file`") would only echo the syntax error. They are dropped;
 * blocks without syntax errors are checked in full.
 */
function withoutCascades(
  project: Project,
  syntax: readonly Diagnostic[],
  semantic: readonly Diagnostic[],
): Diagnostic[] {
  const errors = syntax.filter((d) => d.severity === "error");
  if (errors.length === 0) return [...semantic];
  const broken = project.files.flatMap((f) =>
    f.blocks.filter((b) => errors.some((d) => inside(d.span, b.span))).map((b) => b.span),
  );
  return semantic.filter((d) => !broken.some((b) => inside(d.span, b)));
}

function byPosition(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) =>
      a.d.span.file < b.d.span.file
        ? -1
        : a.d.span.file > b.d.span.file
          ? 1
          : a.d.span.start.offset - b.d.span.start.offset || a.i - b.i,
    )
    .map((x) => x.d);
}
