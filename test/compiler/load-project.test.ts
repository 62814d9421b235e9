import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject, loadSpecTree, projectSources } from "../../src/compiler/load-project.js";

const root = mkdtempSync(join(tmpdir(), "mlc-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(root, "p-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("loadProject", () => {
  it("loads every .mlspec file of a directory, sorted, not recursively", () => {
    const dir = project({
      "b.mlspec": "model b { }",
      "a.mlspec": "source a { }",
      "notes.txt": "x",
      "sub/c.mlspec": "model c { }",
    });
    const r = loadProject(dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.dir).toBe(dir);
    expect(r.value.files.map((f) => f.path)).toEqual([join(dir, "a.mlspec"), join(dir, "b.mlspec")]);
    expect(r.value.files.flatMap((f) => f.blocks.map((b) => b.name))).toEqual(["a", "b"]);
    expect(projectSources(r.value).get(join(dir, "a.mlspec"))).toBe("source a { }");
  });

  it("keeps paths relative when the directory is given relatively", () => {
    const dir = project({ "x.mlspec": "model x { }" });
    const prev = process.cwd();
    process.chdir(root);
    try {
      const rel = dir.slice(root.length + 1);
      expect(loadProject(rel).value.files.map((f) => f.path)).toEqual([join(rel, "x.mlspec")]);
    } finally {
      process.chdir(prev);
    }
  });

  it("loads a single .mlspec file given instead of a directory", () => {
    const dir = project({ "one.mlspec": "model one { }", "two.mlspec": "model two { }" });
    const r = loadProject(join(dir, "one.mlspec"));
    expect(r.diagnostics).toEqual([]);
    expect(r.value.dir).toBe(dir);
    expect(r.value.files.map((f) => f.blocks[0]!.name)).toEqual(["one"]);
  });

  it("returns a diagnostic for a missing directory instead of throwing", () => {
    const r = loadProject(join(root, "does-not-exist"));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLC1020"]);
    expect(r.diagnostics[0]!.message).toMatch(/no such file or directory/);
    expect(r.value.files).toEqual([]);
  });

  it("returns a diagnostic for a directory without spec files", () => {
    expect(loadProject(project({ "readme.md": "hi" })).diagnostics.map((d) => d.code)).toEqual(["MLC1021"]);
  });

  it("returns a diagnostic for a file that is not a spec", () => {
    const dir = project({ "data.csv": "a,b" });
    expect(loadProject(join(dir, "data.csv")).diagnostics.map((d) => d.code)).toEqual(["MLC1022"]);
  });

  it("reports invalid UTF-8 and still loads the other files", () => {
    const dir = project({ "bad.mlspec": Buffer.from([0x6d, 0xff, 0xfe]), "good.mlspec": "model g { }" });
    const r = loadProject(dir);
    expect(r.diagnostics.map((d) => [d.code, d.span.file])).toEqual([["MLC1023", join(dir, "bad.mlspec")]]);
    expect(r.value.files.map((f) => f.blocks[0]!.name)).toEqual(["g"]);
  });

  it("collects the syntax diagnostics of every file", () => {
    const dir = project({ "a.mlspec": "model a { x = $ }", "b.mlspec": "model b { y 1 }" });
    expect(loadProject(dir).diagnostics.map((d) => [d.code, d.span.file])).toEqual([
      ["MLC1001", join(dir, "a.mlspec")],
      ["MLC1006", join(dir, "b.mlspec")],
    ]);
  });
});

describe("loadSpecTree", () => {
  it("loads .mlspec files of every subdirectory but hidden ones and node_modules, sorted", () => {
    const dir = project({
      "b/x.mlspec": "model x { }",
      "a.mlspec": "model a { }",
      "b/c/y.mlspec": "model y { }",
      ".hidden/z.mlspec": "model z { }",
      "node_modules/p/q.mlspec": "model q { }",
    });
    const r = loadSpecTree(dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.files.map((f) => f.path.slice(dir.length + 1))).toEqual([
      "a.mlspec",
      join("b", "c", "y.mlspec"),
      join("b", "x.mlspec"),
    ]);
  });

  it("reports a tree without spec files, and a missing path", () => {
    expect(loadSpecTree(project({ "sub/readme.md": "x" })).diagnostics.map((d) => d.code)).toEqual([
      "MLC1021",
    ]);
    expect(loadSpecTree(join(root, "missing")).diagnostics.map((d) => d.code)).toEqual(["MLC1020"]);
  });
});
