// Writes specs/reference.md from the schema and built-in registries (atomically: temporary file,
// then rename). Run with `npm run reference`; test/compiler/reference.test.ts fails when it is stale.
import { renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderReference } from "../src/compiler/schema/reference.js";
import "../src/kinds/index.js";

// compiled to dist/scripts/, so the repository root is two levels up
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = join(root, "specs", "reference.md");
const tmp = `${target}.${process.pid}.tmp`;
writeFileSync(tmp, renderReference());
renameSync(tmp, target);
process.stdout.write(`wrote ${target}\n`);
