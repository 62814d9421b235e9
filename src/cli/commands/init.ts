// `mlc init [DIR] [--template T]`: a starter project — one of the examples' specs and its small
// data (iris for classification by default) — in a new or empty directory, ready for `mlc plan` and
// `mlc apply`. Never overwrites an existing file.
import type { Command } from "commander";
import { cpSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";

/** Each template: the example it copies (its folder and spec) and what it shows. */
const TEMPLATES = {
  classification: { example: "iris", spec: "iris.mlspec", about: "iris species from flower measurements" },
  regression: { example: "housing", spec: "housing.mlspec", about: "house prices (gbdt regression)" },
  anomaly: { example: "anomaly", spec: "shuttle.mlspec", about: "isolation forest on shuttle sensor data" },
  recommend: { example: "recommend", spec: "recommend.mlspec", about: "matrix factorisation of ratings" },
  events: { example: "events", spec: "events.mlspec", about: "window features over timestamped events" },
} as const;
type Template = keyof typeof TEMPLATES;

/** The template's example at the package root (dist/src/cli/commands → ../../../..). */
function starterDir(template: Template): string {
  const t = TEMPLATES[template];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "examples", t.example);
    if (existsSync(join(candidate, t.spec))) return candidate;
    dir = dirname(dir);
  }
  throw new CliExit(
    1,
    `mlc init: the ${template} template (examples/${t.example}) is missing from this installation`,
  );
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("init")
      .description("create a starter project (a spec and small data) in DIR, from one of the examples"),
    "the project directory (created if missing; must hold no .mlspec files) (default: the current directory; also -C/--dir)",
  )
    .option(
      "--template <name>",
      `the kind of project: ${Object.keys(TEMPLATES).join(", ")} (default: classification)`,
      "classification",
    )
    .addHelpText(
      "after",
      `\nTemplates:\n${Object.entries(TEMPLATES)
        .map(([k, t]) => `  ${k.padEnd(15)} ${t.about} (examples/${t.example})`)
        .join("\n")}`,
    )
    .action((dirArg: string, opts: { template: string }) => {
      if (!Object.hasOwn(TEMPLATES, opts.template))
        throw new CliExit(
          2,
          `mlc init: unknown template '${opts.template}' (one of ${Object.keys(TEMPLATES).join(", ")})`,
        );
      const template = opts.template as Template;
      const dir = resolve(dirArg);
      if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".mlspec"))) {
        throw new CliExit(
          1,
          `mlc init: ${dirArg} already holds .mlspec files; init writes only into a new or spec-free directory`,
        );
      }
      const from = starterDir(template);
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
        `Created a ${template} starter project in ${dirArg}:\n${written.map((w) => `  ${w}`).join("\n")}\nNext: mlc plan ${dirArg}, then mlc apply ${dirArg}\n`,
      );
    });
}
