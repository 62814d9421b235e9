// `mlc serve --pid-file FILE`: the server's process id in a file while it runs, so a script that
// started it in the background (behind npx, which does not pass signals on) can stop it: kill $(cat FILE).
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/** Writes this process's id to `path` (temp name + rename) and returns a function that removes it. */
export function writePidFile(path: string): () => void {
  const full = resolve(path);
  const tmp = `${full}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, full);
  return () => rmSync(full, { force: true });
}
