// Writes grammar/ (grammar.md, grammar.json, railroad.html) from the lexer and parser, atomically
// (temporary file, then rename). Run with `npm run grammar`; test/compiler/grammar-docs.test.ts fails when stale.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { grammarFiles } from "../src/compiler/grammar-docs.js";

// compiled to dist/scripts/, so the repository root is two levels up
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = join(root, "grammar");
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(grammarFiles())) {
  const target = join(dir, name);
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, target);
  process.stdout.write(`wrote ${target}\n`);
}
