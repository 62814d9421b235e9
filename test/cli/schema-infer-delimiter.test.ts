// `mlc schema infer FILE` detects the field separator of a CSV file (comma, semicolon, tab, bar) and
// says what to write in the source block; a source read with the wrong one gets a hint.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { delimiterOfLine } from "../../src/data/detect-delimiter.js";
import { runCli } from "./run-cli.js";

function project(file: string, text: string, spec?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-delim-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data", file), text);
  if (spec) writeFileSync(join(dir, "s.mlspec"), spec);
  return dir;
}

describe("the separator of a CSV file", () => {
  it("is the candidate most frequent outside quotes", () => {
    expect(delimiterOfLine("a,b,c")).toBe(",");
    expect(delimiterOfLine("a;b;c")).toBe(";");
    expect(delimiterOfLine("a\tb\tc")).toBe("\t");
    expect(delimiterOfLine("a|b|c")).toBe("|");
    expect(delimiterOfLine('"x;y;z",b,c')).toBe(",");
    expect(delimiterOfLine("single")).toBe(",");
  });

  it("is detected by schema infer on a file, which says what to write", async () => {
    const dir = project("s.csv", "x;y;label\n1;2.5;a\n2;3.5;b\n");
    const r = await runCli(["schema", "infer", "data/s.csv", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("schema {\n  x     = int\n  y     = float\n  label = string\n}\n");
    expect(r.stderr).toContain('# fields separated by ";": write delimiter = ";" in the source block');
    const j = await runCli(["schema", "infer", "data/s.csv", dir, "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({ rows: 2, delimiter: ";" });
    const tab = await runCli(["schema", "infer", join(project("t.txt", "a\tb\n1\t2\n"), "data/t.txt")]);
    expect(tab.stderr).toContain('delimiter = "\\t"');
  });

  it("read wrongly by a source gives a hint naming the source", async () => {
    const dir = project("s.csv", "x;y\n1;2\n", 'source s {\n  file = "data/s.csv"\n}\n');
    const r = await runCli(["schema", "infer", "s", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'the header holds ";": if it separates the fields, write delimiter = ";" in source s',
    );
  });
});
