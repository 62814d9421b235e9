// The Markdown forms of what `mlc plan --markdown` prints when there is no plan (compile errors,
// a runtime error), and the project's title, so the pull-request comment is always complete.
import { basename } from "node:path";
import { loadProject } from "../compiler/load-project.js";
import { markdownTitle } from "../runtime/plan-render.js";

/** The name of the project block (`project churn { … }`), else the directory's name. */
export function projectTitle(projectDir: string): string {
  for (const f of loadProject(projectDir).value.files)
    for (const b of f.blocks) if (b.kind === "project" && b.name) return b.name;
  return basename(projectDir);
}

/** A fenced block that no run of backticks inside `text` can close early. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text.replace(/\n+$/, "")}\n${fence}\n`;
}

/** A failed plan as a comment: the title, what went wrong in one line, the rendered diagnostics. */
export function renderFailureMarkdown(project: string, headline: string, rendered: string): string {
  return `${markdownTitle(project)}**${headline}**\n\n${fenced(rendered)}`;
}
