// Where mlc itself is installed or checked out: the nearest folder above this module whose
// package.json declares the `mlc` command. Container images and serverless packages copy the
// built application (its dist/) from there.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function mlcAppRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, "package.json");
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, "utf8")) as { bin?: Record<string, string> }).bin?.mlc
    )
      return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** mlc's version, from its package.json ("0.0.0" when the installation cannot be found). */
export function mlcVersion(): string {
  const root = mlcAppRoot();
  if (!root) return "0.0.0";
  const v = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown }).version;
  return typeof v === "string" ? v : "0.0.0";
}
