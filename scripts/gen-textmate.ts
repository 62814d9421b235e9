// Writes editors/mlspec.tmLanguage.json from the lexer and the schemas, atomically (temporary file,
// then rename). Run with `npm run textmate`; test/editors/textmate.test.ts fails when it is stale.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import "../src/kinds/index.js";
import { textMateJson } from "../src/editors/textmate.js";

// compiled to dist/scripts/, so the repository root is two levels up
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = join(root, "editors", "mlspec.tmLanguage.json");
mkdirSync(dirname(target), { recursive: true });
const tmp = `${target}.${process.pid}.tmp`;
writeFileSync(tmp, textMateJson());
renameSync(tmp, target);
process.stdout.write(`wrote ${target}\n`);
