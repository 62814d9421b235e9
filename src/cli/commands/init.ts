// `mlc init [DIR] [--template T]`: a starter project — one of the examples' specs and its small
// data (iris for classification by default) — in a new or empty directory, ready for `mlc plan` and
// `mlc apply`. `mlc init [DIR] --from data.csv [--target COL]` writes a first spec for a data file
// of your own instead (starter-spec.ts). Never overwrites an existing file.
import type { Command } from "commander";
import { constants, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { formatText } from "../../compiler/format.js";
import { detectDelimiter } from "../../data/detect-delimiter.js";
import { loadSource } from "../../data/source-load.js";
import { inferredSchema } from "../../data/schema-infer.js";
import { columnValues, isNullAt } from "../../data/table-columns.js";
import { didYouMeanSuffix } from "../../ir/did-you-mean.js";
import { NodeFailure } from "../../ir/executor.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { type ColumnFacts, plainName, starterSpec, starterTask } from "../starter-spec.js";

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
    .option("--from <file>", "write a first spec for this CSV file instead of copying an example")
    .option("--target <column>", "with --from: the column to predict (default: the last column)")
    .addHelpText(
      "after",
      `\nTemplates:\n${Object.entries(TEMPLATES)
        .map(([k, t]) => `  ${k.padEnd(15)} ${t.about} (examples/${t.example})`)
        .join("\n")}`,
    )
    .action(
      async (dirArg: string, opts: { template: string; from?: string; target?: string }, cmd: Command) => {
        if (opts.from !== undefined) {
          if (cmd.getOptionValueSource("template") === "cli")
            throw new CliExit(2, "mlc init: --from and --template exclude each other");
          return initFrom(dirArg, opts.from, opts.target);
        }
        if (opts.target !== undefined) throw new CliExit(2, "mlc init: --target goes with --from data.csv");
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
          `Created a ${template} starter project in ${dirArg}:\n${written.map((w) => `  ${w}`).join("\n")}\nNext: ${nextCommand()} plan ${dirArg}, then ${nextCommand()} apply ${dirArg}\n`,
        );
      },
    );
}

/** Facts about each column that the generator reads: distinct values, and their counts when few. */
function columnFacts(table: import("arquero").ColumnTable, schema: readonly ColumnFacts[]): ColumnFacts[] {
  return schema.map((c) => {
    const v = columnValues(table, c.name);
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      if (isNullAt(v, i)) continue;
      const x = v[i];
      const key = x instanceof Date ? x.toISOString() : String(x);
      seen.add(key);
      if (seen.size <= 20) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return { ...c, distinct: seen.size, ...(seen.size <= 20 ? { counts } : {}) };
  });
}

/** `mlc init DIR --from FILE [--target COL]`: the data copied into DIR/data and a first spec. */
async function initFrom(dirArg: string, from: string, targetArg: string | undefined): Promise<void> {
  const file = resolve(from);
  if (!existsSync(file)) throw new CliExit(1, `mlc init: ${from}: no such file`);
  if (!/\.(csv|tsv|txt)$/i.test(file))
    throw new CliExit(
      2,
      `mlc init: --from reads a CSV file (${from}); for Parquet or JSON lines use mlc schema infer`,
    );
  const dir = resolve(dirArg);
  if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".mlspec")))
    throw new CliExit(
      1,
      `mlc init: ${dirArg} already holds .mlspec files; init writes only into a new or spec-free directory`,
    );
  const delimiter = detectDelimiter(file);
  let loaded;
  try {
    loaded = await loadSource(
      {
        location: { kind: "file", file, format: "csv", delimiter, encoding: "utf-8" },
        declared: [],
        declaredOnly: false,
        expect: [],
        warn: [],
        allowOutside: true,
      },
      dir,
    );
  } catch (e) {
    if (e instanceof NodeFailure) throw new CliExit(1, `mlc init: ${e.message}`);
    throw e;
  }
  const schema = inferredSchema(loaded.table, loaded.schema);
  const names = schema.map((c) => c.name);
  const target = targetArg ?? names[names.length - 1]!;
  if (!names.includes(target))
    throw new CliExit(
      2,
      `mlc init: --target ${target}: no such column in ${from}${didYouMeanSuffix(target, names)} (columns: ${names.join(", ")})`,
    );
  const columns = columnFacts(loaded.table, schema as ColumnFacts[]);
  const inside = file.startsWith(dir + sep);
  const dataRel = inside ? relative(dir, file).split(sep).join("/") : `data/${basename(file)}`;
  const stem = basename(file).replace(/\.[^.]+$/, "");
  let text: string;
  try {
    text = starterSpec({
      project: plainName(basename(dir), "project"),
      source: plainName(stem, "data"),
      file: dataRel,
      delimiter,
      rows: loaded.table.numRows(),
      columns,
      target,
    });
  } catch (e) {
    throw new CliExit(1, `mlc init: ${(e as Error).message}`);
  }
  const specFile = join(dir, `${plainName(stem, "project")}.mlspec`);
  const formatted = formatText(specFile, text);
  mkdirSync(dir, { recursive: true });
  if (!inside) {
    mkdirSync(join(dir, "data"), { recursive: true });
    try {
      copyFileSync(file, join(dir, dataRel), constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      throw new CliExit(1, `mlc init: ${join(dirArg, dataRel)} exists already; init never overwrites a file`);
    }
  }
  writeFileSync(specFile, formatted.value, { flag: "wx" });
  const task = starterTask(columns.find((c) => c.name === target)!);
  process.stdout.write(
    `Created a project for ${from} in ${dirArg} (${loaded.table.numRows()} rows, ${names.length} columns; target ${target}: ${task.why}):\n` +
      (inside ? "" : `  ${join(dirArg, dataRel)}\n`) +
      `  ${join(dirArg, basename(specFile))}\n` +
      `Next: ${nextCommand()} validate ${dirArg}, then ${nextCommand()} apply ${dirArg}\n`,
  );
}

/**
 * How to run mlc again from where the user is: `mlc` when it is on the PATH (a linked or global
 * install), else `npx mlc` (inside a checkout or a project that depends on mlspec-compiler).
 */
function nextCommand(): string {
  // npx and npm scripts put node_modules/.bin on the PATH of the command alone
  if (process.env.npm_command === "exec") return "npx mlc";
  const dirs = (process.env.PATH ?? "")
    .split(process.platform === "win32" ? ";" : ":")
    .filter((d) => d && !/node_modules[\\/]\.bin[\\/]?$/.test(d));
  const onPath = dirs.some((d) => existsSync(join(d, process.platform === "win32" ? "mlc.cmd" : "mlc")));
  return onPath ? "mlc" : "npx mlc";
}
