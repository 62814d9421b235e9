// Resolves data paths against the project directory; a path that leaves it is an error unless
// the project allows it (`allow_outside_paths = true`), so a spec cannot read arbitrary files.
// Containment is decided on real paths: a symbolic link (to a file, a directory on the way, or a
// database) that leads outside the project is refused like a `../` path, before anything is read.
import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { NodeFailure } from "../ir/executor.js";

/** The real path of `abs`; a part that does not exist yet is kept as written below its real parent. */
function realPath(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPath(parent), basename(abs));
  }
}

const inside = (root: string, abs: string): boolean => {
  const rel = relative(root, abs);
  return !(rel === ".." || rel.startsWith(".." + "/") || rel.startsWith("..\\") || isAbsolute(rel));
};

/** The path to read: real (symbolic links resolved) when the project must contain it. */
export function resolveDataPath(projectDir: string, path: string, allowOutside: boolean): string {
  const abs = resolve(projectDir, path);
  if (allowOutside) return abs;
  const hint = "copy the data into the project or set `allow_outside_paths = true` in the project block";
  if (!inside(resolve(projectDir), abs))
    throw new NodeFailure(`the path "${path}" leaves the project directory; ${hint}`, { code: "MLC2100" });
  const real = realPath(abs);
  if (!inside(realPath(resolve(projectDir)), real))
    throw new NodeFailure(
      `the path "${path}" leads outside the project directory through a symbolic link (to ${real}); ${hint}`,
      { code: "MLC2100" },
    );
  return real;
}
