import { describe, expect, it } from "vitest";
import { check } from "./check-helpers.js";

const source = (attrs: string) => `source s {\n${attrs}\n  schema { id = int }\n}\n`;
const errors = (text: string) =>
  check(text)
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.message}`);

describe("a source's `encoding`", () => {
  it("is utf-8 or latin1 on a CSV or JSON-lines file", () => {
    expect(errors(source('  file = "data/a.csv"\n  encoding = "latin1"'))).toEqual([]);
    expect(errors(source('  file = "data/a.jsonl"\n  encoding = "utf-8"'))).toEqual([]);
    expect(errors(source('  file = "data/a.csv"\n  encoding = "cp1252"'))).toEqual([
      expect.stringMatching(/`cp1252` is not allowed here: expected one of utf-8, latin1/),
    ]);
  });

  it("is rejected on a Parquet file and a database source, which carry their own encoding", () => {
    expect(errors(source('  file = "data/a.parquet"\n  encoding = "latin1"'))).toEqual([
      expect.stringMatching(/`encoding` applies to CSV and JSON-lines files only/),
    ]);
    expect(errors(source('  file = "data/a.csv"\n  format = parquet\n  encoding = "latin1"'))).toHaveLength(
      1,
    );
    expect(
      errors(source('  connection = sqlite { path = "a.db" }\n  query = "select 1"\n  encoding = "latin1"')),
    ).toEqual([expect.stringMatching(/`encoding` applies to CSV and JSON-lines files only/)]);
  });
});
