// Runs every conformance case in specs/cases: `NAME.mlspec` (or a directory `NAME/` of .mlspec
// files, one project) with `NAME.expected.json` beside it, the diagnostics expected as
// [{ code, line, column }] ("file" too for a directory case). `[]` means the case is clean.
// MLC_UPDATE_CASES=1 rewrites the expected files from the current output (review the diff!).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compiler/compile.js";
import { DIAGNOSTIC_CODES } from "../../src/compiler/diagnostic-codes.js";
import { repoRoot } from "./corpus.js";

const casesDir = join(repoRoot, "specs", "cases");

interface Expected {
  code: string;
  line: number;
  column: number;
  file?: string;
}

interface Case {
  name: string;
  input: string;
  isDir: boolean;
  expectedPath: string;
}

function cases(): Case[] {
  return readdirSync(casesDir)
    .filter((n) => n.endsWith(".mlspec") || statSync(join(casesDir, n)).isDirectory())
    .sort()
    .map((n) => {
      const name = n.replace(/\.mlspec$/, "");
      return {
        name,
        input: join(casesDir, n),
        isDir: !n.endsWith(".mlspec"),
        expectedPath: join(casesDir, `${name}.expected.json`),
      };
    });
}

/**
 * Codes no case file can produce: a directory or path that cannot be read or is not a spec
 * (load-project.test.ts covers them) and the internal-failure code, which only a bug emits.
 */
const NOT_EXPRESSIBLE_AS_CASE = new Set(["MLC1020", "MLC1022", "MLC1099"]);

function run(c: Case): Expected[] {
  const result = compileProject(c.input);
  return result.diagnostics.map((d) => ({
    code: d.code,
    line: d.span.start.line,
    column: d.span.start.column,
    ...(c.isDir ? { file: relative(c.input, d.span.file) } : {}),
  }));
}

const all = cases();
const update = process.env["MLC_UPDATE_CASES"] === "1";

describe("conformance cases (specs/cases)", () => {
  it("has at least 40 cases, each with its expected diagnostics", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    const missing = all.filter((c) => !existsSync(c.expectedPath) && !update).map((c) => c.name);
    expect(missing).toEqual([]);
    const orphans = readdirSync(casesDir)
      .filter((n) => n.endsWith(".expected.json"))
      .map((n) => n.replace(/\.expected\.json$/, ""))
      .filter((n) => !all.some((c) => c.name === n));
    expect(orphans).toEqual([]);
  });

  for (const c of all) {
    it(`${c.name}`, () => {
      const actual = run(c);
      if (update)
        writeFileSync(
          c.expectedPath,
          `${JSON.stringify(actual, null, 2)
            .replace(/\{\n\s+/g, "{ ")
            .replace(/,\n\s+(?=")/g, ", ")
            .replace(/\n\s+\}/g, " }")}\n`,
        );
      const expected = JSON.parse(readFileSync(c.expectedPath, "utf8")) as Expected[];
      expect(actual).toEqual(expected);
    });
  }

  it("covers every registered diagnostic code with at least one case", () => {
    const covered = new Set<string>();
    for (const c of all) {
      if (!existsSync(c.expectedPath)) continue;
      for (const e of JSON.parse(readFileSync(c.expectedPath, "utf8")) as Expected[]) covered.add(e.code);
    }
    const uncovered = Object.keys(DIAGNOSTIC_CODES).filter(
      (code) => !covered.has(code) && !NOT_EXPRESSIBLE_AS_CASE.has(code),
    );
    expect(uncovered).toEqual([]);
  });

  it("has clean cases that produce no diagnostics at all", () => {
    const clean = all.filter((c) => basename(c.name).startsWith("clean-"));
    expect(clean.length).toBeGreaterThanOrEqual(5);
    for (const c of clean) expect(run(c)).toEqual([]);
  });
});
