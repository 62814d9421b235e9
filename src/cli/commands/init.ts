// `mlc init [DIR]`: a starter project — the iris example's spec and its small data — in a new or
// empty directory, ready for `mlc plan` and `mlc apply`. Never overwrites an existing file.
import type { Command } from "commander";
import { cpSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";

/** The starter shipped with mlc: examples/iris at the package root (dist/src/cli/commands → ../../../..). */
function starterDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "examples", "iris");
    if (existsSync(join(candidate, "iris.mlspec"))) return candidate;
    dir = dirname(dir);
  }
  throw new CliExit(1, "mlc init: the starter project (examples/iris) is missing from this installation");
}

export function register(program: Command): void {
  withProjectDir(
    program.command("init").description("create a starter project (a spec and small data) in DIR"),
    "the project directory (created if missing; must hold no .mlspec files) (default: the current directory; also -C/--dir)",
  ).action((dirArg: string) => {
    const dir = resolve(dirArg);
    if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".mlspec"))) {
      throw new CliExit(
        1,
        `mlc init: ${dirArg} already holds .mlspec files; init writes only into a new or spec-free directory`,
      );
    }
    const from = starterDir();
    mkdirSync(dir, { recursive: true });
    cpSync(from, dir, {
      recursive: true,
      force: false,
      errorOnExist: false,
      filter: (src) => !relative(from, src).startsWith(".mlc"),
    });
    const written = (
      readdirSync(from, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[]
    )
      .filter((e) => e.isFile() && !relative(from, join(e.parentPath, e.name)).startsWith(".mlc"))
      .map((e) => join(dirArg, relative(from, join(e.parentPath, e.name))))
      .sort();
    process.stdout.write(
      `Created a starter project in ${dirArg}:\n${written.map((w) => `  ${w}`).join("\n")}\nNext: mlc plan ${dirArg}, then mlc apply ${dirArg}\n`,
    );
  });
}
