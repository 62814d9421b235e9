// The .mlspec files the formatter and fuzz tests run over: every example, every conformance case
// and the fixtures beside these tests (so the tests have material even before examples exist).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function mlspecFiles(dir: string, recursive: boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && recursive) out.push(...mlspecFiles(p, true));
    else if (e.name.endsWith(".mlspec") && statSync(p).isFile()) out.push(p);
  }
  return out.sort();
}

export function corpus(): { path: string; text: string }[] {
  return [
    ...mlspecFiles(join(repoRoot, "examples"), true),
    ...mlspecFiles(join(repoRoot, "specs/cases"), false),
    ...mlspecFiles(join(repoRoot, "test/compiler/fixtures"), false),
  ].map((p) => ({ path: p.slice(repoRoot.length + 1), text: readFileSync(p, "utf8") }));
}
