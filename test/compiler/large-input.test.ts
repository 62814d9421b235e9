// Inputs far larger than people usually write still compile and plan: an expression of thousands
// of terms (a left-deep tree) and a features block of 200,000 attributes (no spread of large arrays).
import { describe, expect, it } from "vitest";
import { checkProject } from "../../src/compiler/check.js";
import { exprJsonText } from "../../src/ir/expr-json.js";
import { formatText } from "../../src/compiler/format.js";
import { parseFile } from "../../src/compiler/parse.js";
import { planProject } from "../../src/runtime/project.js";
import { makeProject } from "../runtime/fixtures.js";

const SOURCE = `source s { file = "data/s.csv"  schema { a = float  b = float  y = bool } }\n`;
const CSV = "a,b,y\n1,2,true\n3,4,false\n";

describe("large inputs", () => {
  it("validates, formats and plans an expression of 5,000 terms", async () => {
    const terms = Array.from({ length: 5000 }, (_, i) => (i % 2 ? `b * ${i}` : "a")).join(" + ");
    const spec = `${SOURCE}features f { from = s  x = ${terms} - 1 < 7 and a > 0 }\n`;
    expect(formatText("main.mlspec", spec).value).toContain(" + b * 4999 - 1 < 7 and a > 0");
    const dir = makeProject({ "main.mlspec": spec, "data/s.csv": CSV });
    const o = await planProject(dir);
    if (!o.ok) throw new Error(o.diagnostics.map((d) => d.message).join("\n"));
    const node = o.plan.changes.find((c) => c.id === "features.f")!;
    expect(node.action).toBe("create");
  });

  it("renders an encoded chain as source text with the brackets it needs", () => {
    const chain = { $op: "-", args: [{ $op: "*", args: [{ $op: "-", args: [1, 2] }, 2] }, 3] };
    expect(exprJsonText(chain)).toBe("(1 - 2) * 2 - 3");
    expect(exprJsonText({ $op: "*", args: [{ $op: "+", args: [{ $op: "+", args: [1, 2] }, 3] }, 4] })).toBe(
      "(1 + 2 + 3) * 4",
    );
  });

  it("validates a features block of 200,000 attributes", () => {
    const attrs = Array.from({ length: 200_000 }, (_, i) => `  x${i} = a + ${i}\n`).join("");
    const parsed = parseFile("main.mlspec", `${SOURCE}features f { from = s\n${attrs}}\n`);
    expect(parsed.diagnostics).toEqual([]);
    const r = checkProject({ dir: "p", files: [parsed.value] });
    expect(r.diagnostics).toEqual([]);
    expect(r.value.byName.get("f")!.attributes.size).toBe(200_001);
  }, 60_000);
});
