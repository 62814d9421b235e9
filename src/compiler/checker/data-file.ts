// Validate-time check that a source's data file exists, with a did-you-mean over the data files of
// its folder. Checked when that folder holds data files; globs, empty or missing folders are apply's.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Expr } from "../ast.js";
import { closest } from "../../ir/did-you-mean.js";
import type { KindCheckContext } from "../schema/hook.js";
import { CheckCode } from "./codes.js";

const GLOB = /[*?[\]{}]/;
const DATA_FILE = /\.(csv|tsv|parquet|pq|jsonl|ndjson)$/i;

/** The files of a folder (not subfolders), or undefined when it cannot be read. */
export function filesIn(dir: string): string[] | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch {
    return undefined;
  }
}

/** Reports `file = "data/trian.csv"` when data/ exists and holds no such file. */
export function checkDataFileExists(ctx: KindCheckContext, file: Expr | undefined): void {
  if (file?.type !== "string" || file.value === "" || GLOB.test(file.value)) return;
  const full = resolve(ctx.projectDir, file.value);
  // no file is in a folder that does not exist: one look per folder, not one per source
  if (!ctx.folderExists(dirname(full))) return;
  if (existsSync(full)) {
    if (statSync(full).isDirectory())
      ctx.report(CheckCode.missingDataFile, file.span, `\`${file.value}\` is a folder, not a data file`, {
        hint: `name a file in it, or a glob such as \`${join(file.value, "*.parquet")}\``,
      });
    return;
  }
  const folder = dirname(file.value);
  const names = ctx.filesIn(resolve(ctx.projectDir, folder));
  // a folder without data (yet) is not a typo: apply reports the file if it is still missing then
  if (names === undefined || !names.some((n) => DATA_FILE.test(n))) return;
  const near = closest(basename(file.value), names);
  const shown = (n: string) => (folder === "." ? n : `${folder}/${n}`);
  ctx.report(CheckCode.missingDataFile, file.span, `the data file \`${file.value}\` does not exist`, {
    hint:
      near !== undefined
        ? `did you mean \`${shown(near)}\`?`
        : `the folder \`${folder}\` has ${names
            .slice(0, 5)
            .map((n) => `\`${n}\``)
            .join(", ")}${names.length > 5 ? ` and ${names.length - 5} more` : ""}`,
  });
}
