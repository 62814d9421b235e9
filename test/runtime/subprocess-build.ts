// Builds a runnable copy of the CLI (main, plan, apply, state and everything they import) for
// subprocess tests (kill -9, concurrent processes) by transpiling each file without a type check,
// cached by content, so it takes seconds instead of a full `tsc` build.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// Inside node_modules so the copy resolves packages from the repo's node_modules; one copy per
// checkout, since work trees may share node_modules and hold different sources.
const outRoot = join(
  repoRoot,
  "node_modules",
  ".cache",
  `mlc-test-build-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 12)}`,
);
const ENTRIES = [
  "src/cli/main.ts",
  "src/cli/commands/plan.ts",
  "src/cli/commands/apply.ts",
  "src/cli/commands/state.ts",
  "src/cli/commands/worker.ts",
  "src/cli/commands/exec.ts",
  "src/cli/commands/fmt.ts",
  "src/cli/commands/validate.ts",
  "src/cli/commands/serve.ts",
  "src/cli/commands/rollback.ts",
  "src/data/data-hash.ts",
];
const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)\.js["']/g;

const options: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
};

let built: string | undefined;

/** Returns the root of the transpiled tree (`<root>/src/cli/main.js` is the CLI). */
export function buildForSubprocess(): string {
  if (built) return built;
  const seen = new Set<string>();
  const stack = ENTRIES.map((e) => join(repoRoot, e));
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f) || !existsSync(f)) continue;
    seen.add(f);
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(IMPORT)) stack.push(resolve(dirname(f), m[1]! + ".ts"));
    const out = join(outRoot, relative(repoRoot, f)).replace(/\.ts$/, ".js");
    const stamp = `\n// src-sha256 ${createHash("sha256").update(text).digest("hex")}\n`;
    if (existsSync(out) && readFileSync(out, "utf8").endsWith(stamp)) continue;
    mkdirSync(dirname(out), { recursive: true });
    const js = ts.transpileModule(text, { compilerOptions: options, fileName: f }).outputText;
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, js + stamp);
    renameSync(tmp, out);
  }
  writeFileSync(join(outRoot, "package.json"), JSON.stringify({ type: "module" }));
  built = outRoot;
  return outRoot;
}
