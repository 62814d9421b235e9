// Every run-time code used in src/ is registered, every registered code is used and documented
// in the generated reference (specs/reference.md), as the compiler's MLC1xxx codes are.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RUNTIME_CODES } from "../../src/ir/runtime-codes.js";
import { repoRoot as root } from "../compiler/corpus.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const registry = join(root, "src/ir/runtime-codes.ts");
const used = new Set<string>();
for (const f of sources(join(root, "src")))
  if (f !== registry) for (const m of readFileSync(f, "utf8").matchAll(/"(MLC2\d{3})"/g)) used.add(m[1]!);

describe("run-time failure codes", () => {
  it("every code used in src/ is registered", () => {
    expect([...used].filter((c) => !(c in RUNTIME_CODES))).toEqual([]);
  });

  it("every registered code is used somewhere in src/", () => {
    expect(Object.keys(RUNTIME_CODES).filter((c) => !used.has(c))).toEqual([]);
  });

  it("every registered code is documented in specs/reference.md with its title", () => {
    const md = readFileSync(join(root, "specs/reference.md"), "utf8");
    expect(md).toContain("## Run-time failure codes");
    for (const code of Object.keys(RUNTIME_CODES))
      expect(md, code).toMatch(new RegExp(`^\\| ${code} \\| `, "m"));
  });
});
