// The compiler front door: load every .mlspec file of a directory, then check the project.
// Used by `mlc validate`, `plan`, `apply` and anything else that needs a checked project.
import type { Project } from "./ast.js";
import type { CheckedProject } from "./checked.js";
import { checkProject } from "./check.js";
import type { Diagnostic } from "./diagnostic.js";
import { loadProject, projectSources } from "./load-project.js";

export interface Compilation {
  project?: Project;
  checked?: CheckedProject;
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
  return { project, checked: checked.value, diagnostics: [...loaded.diagnostics, ...checked.diagnostics], sources };
}
