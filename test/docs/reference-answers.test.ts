// The reference answers a newcomer's first questions (issue 14): every algorithm links its
// parameter table, the `schema` block says it is optional and what is lost without it, kfold says
// how models and searches use the folds, a source says which texts are missing values, and names
// that are not identifiers are explained.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ref = readFileSync(join(import.meta.dirname, "..", "..", "specs", "reference.md"), "utf8");

/** The text of the `#### \`NAME(…)\`` entry, up to the next heading. */
function entry(name: string): string {
  const at = ref.search(new RegExp(`^#### \`${name}\\(`, "m"));
  expect(at, `no entry for ${name}`).toBeGreaterThanOrEqual(0);
  const body = ref.slice(at);
  const end = body.search(/\n#{2,4} /);
  return body.slice(0, end < 0 ? undefined : end);
}

describe("specs/reference.md", () => {
  it("links every algorithm to its parameter table, and every table exists", () => {
    const algorithms = ref.slice(
      ref.indexOf("### Algorithms"),
      ref.indexOf("\n### ", ref.indexOf("### Algorithms") + 5),
    );
    const names = [...algorithms.matchAll(/^#### `(\w+)\(/gm)].map((m) => m[1]!);
    expect(names).toContain("gbdt");
    expect(names).toContain("stack");
    for (const n of names) {
      // an ensemble has no parameters of its own: its members have theirs
      if (n === "stack" || n === "vote") {
        expect(entry(n), n).toContain("It takes no `params`: they are its members'");
        expect(ref).not.toMatch(new RegExp(`^### \`${n}\` parameters$`, "m"));
        continue;
      }
      const link = new RegExp(`\\[\\d+ for \`${n}\`\\]\\(#${n}-parameters\\)`);
      expect(entry(n), n).toMatch(link);
      expect(ref).toMatch(new RegExp(`^### \`${n}\` parameters$`, "m"));
    }
  });

  it("says the schema block is optional and what is lost without it", () => {
    const schema = ref.slice(ref.indexOf("#### `source` › `schema { … }`"));
    expect(schema.slice(0, 2000)).toContain("The block is optional");
    expect(schema.slice(0, 2000)).toContain("caught only by `mlc apply`");
  });

  it("says how kfold folds are used by models and searches", () => {
    const kfold = entry("kfold");
    expect(kfold).toContain("fitted once per fold");
    expect(kfold).toContain("cv.METRIC");
    expect(kfold).toContain("searches optimise");
  });

  it("documents an external test set (split by a column naming each row's part)", () => {
    expect(entry("column")).toContain("an external test set");
    expect(entry("column")).toContain("`train`, `valid` or `test`");
  });

  it("says what every feature transform does with nulls", () => {
    const start = ref.indexOf("### Feature transforms");
    const section = ref.slice(start, ref.indexOf("\n### ", start + 5));
    const names = [...section.matchAll(/^#### `(\w+)\(/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThanOrEqual(21);
    for (const n of names) expect(entry(n), n).toMatch(/null/);
  });

  it("documents the passthrough shorthand of a features block", () => {
    const features = ref.slice(ref.indexOf("### `features`"), ref.indexOf("### `split`"));
    expect(features).toMatch(/\| `passthrough` \| `all` \|[^\n]*except/);
    expect(features).toMatch(/\| `except` \| `list<column>` \|[^\n]*did-you-mean/);
  });

  it("documents missing values in CSV and names in backticks", () => {
    expect(ref).toMatch(/\| `nulls` \| `list<string>` \|[^\n]*NA/);
    expect(ref).toContain("## Names");
    expect(ref).toContain("`` `Monthly Charges` = float ``");
  });
});
