// Resolves data paths against the project directory; a path that leaves it is an error unless
// the project allows it (`allow_outside_paths = true`), so a spec cannot read arbitrary files.
import { isAbsolute, relative, resolve } from "node:path";
import { NodeFailure } from "../ir/executor.js";

export function resolveDataPath(projectDir: string, path: string, allowOutside: boolean): string {
  const abs = resolve(projectDir, path);
  const rel = relative(resolve(projectDir), abs);
  const outside = rel === ".." || rel.startsWith(".." + "/") || rel.startsWith("..\\") || isAbsolute(rel);
  if (outside && !allowOutside) {
    throw new NodeFailure(
      `the path "${path}" leaves the project directory; copy the data into the project or set \`allow_outside_paths = true\` in the project block`,
    );
  }
  return abs;
}
