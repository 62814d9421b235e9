import { describe, expect, it } from "vitest";
import { resolveNames } from "../../src/compiler/resolve.js";
import "../../src/compiler/schema/index.js";
import { projectOf } from "./check-helpers.js";

describe("resolveNames", () => {
  it("puts every top-level block of every file in one namespace, files in path order", () => {
    const { project } = projectOf({
      "b.mlspec": "split p { from = s }\n",
      "a.mlspec": 'source s { file = "x.csv" }\n',
    });
    const r = resolveNames(project);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.blocks.map((b) => b.name)).toEqual(["s", "p"]);
    expect([...r.value.byName.keys()].sort()).toEqual(["p", "s"]);
  });

  it("reports a duplicate name across files and kinds, naming both places", () => {
    const { project } = projectOf({
      "a.mlspec": 'source usage { file = "x.csv" }\n',
      "b.mlspec": "\n\nfeatures usage { from = usage }\n",
    });
    const r = resolveNames(project);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe("MLC1107");
    expect(d.span).toMatchObject({ file: "b.mlspec", start: { line: 3, column: 10 } });
    expect(d.related?.[0]?.span).toMatchObject({ file: "a.mlspec", start: { line: 1, column: 8 } });
    expect(d.message).toContain("a `source` block");
    expect(r.value.byName.get("usage")!.kind).toBe("source");
  });

  it("reports an unknown block kind with the closest kind", () => {
    const { project } = projectOf({ "a.mlspec": "feature usage { }\nwidget w { }\n" });
    const r = resolveNames(project);
    expect(r.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ["MLC1101", "did you mean `features`?"],
      ["MLC1101", "block kinds: project, source, features, split, model, gate, deploy, experiment, monitor"],
    ]);
  });
});
