import { describe, expect, it } from "vitest";
import { format, formatText } from "../../src/compiler/format.js";
import { parseFile } from "../../src/compiler/parse.js";
import { corpus } from "./corpus.js";
import { stripSpans } from "../../src/compiler/ast-equal.js";

const fmt = (src: string): string => {
  const r = formatText("t.mlspec", src);
  expect(r.diagnostics).toEqual([]);
  return r.value;
};

describe("format", () => {
  const files = corpus().filter((f) => parseFile(f.path, f.text).diagnostics.length === 0);

  it("has a corpus to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files.map((f) => [f.path, f.text] as const))(
    "keeps the AST of %s and is idempotent",
    (path, text) => {
      const before = parseFile(path, text).value;
      const once = format(before);
      const after = parseFile(path, once);
      expect(after.diagnostics).toEqual([]);
      expect(stripSpans(after.value.blocks)).toEqual(stripSpans(before.blocks));
      expect(after.value.comments.map((c) => c.text)).toEqual(before.comments.map((c) => c.text));
      expect(format(after.value)).toBe(once);
    },
  );

  it("keeps a nested block's kind in backticks when it is not a bare name (it was written bare, so `my customers` became kind `my` named `customers`)", () => {
    const src = "source s {\n  `my customers` {\n    `Monthly Charges` = float\n  }\n}\n";
    const out = fmt(src);
    expect(out).toContain("  `my customers` {");
    expect(stripSpans(parseFile("t.mlspec", out).value.blocks)).toEqual(
      stripSpans(parseFile("t.mlspec", src).value.blocks),
    );
  });

  it("puts one item per line, indents by two spaces and aligns `=` in a run", () => {
    expect(fmt('source s { file = "a.csv"  schema { tenure = int  monthly_total = float } }')).toBe(
      [
        "source s {",
        '  file = "a.csv"',
        "  schema {",
        "    tenure        = int",
        "    monthly_total = float",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("breaks alignment runs at blank lines and at other items", () => {
    const src = "m a {\n  x = 1\n  long_name = 2\n\n  y = 3\n  nested {}\n  zz = 4\n}\n";
    expect(fmt(src)).toBe("m a {\n  x         = 1\n  long_name = 2\n\n  y = 3\n  nested {}\n  zz = 4\n}\n");
  });

  it("separates top-level blocks by exactly one blank line", () => {
    expect(fmt("a x {}\n\n\n\nb y {} c z {}")).toBe("a x {}\n\nb y {}\n\nc z {}\n");
  });

  it("keeps own-line and trailing comments where they were", () => {
    const src = "# top\nm a { # head\n  # before x\n  x = 1 # after x\n  # last\n} # after block\n# end\n";
    expect(fmt(src)).toBe(
      "# top\nm a { # head\n  # before x\n  x = 1 # after x\n  # last\n} # after block\n\n# end\n",
    );
  });

  it("gives a trailing comment to the last item of its line", () => {
    expect(fmt("m a { x = 1  y = 2 # about y\n}")).toBe("m a {\n  x = 1\n  y = 2 # about y\n}\n");
  });

  it("keeps comments inside lists, objects and brace calls where they were", () => {
    const src =
      'm a {\n  owners = [\n    "ana", # first\n    # before bo\n    "bo", "cy" # after cy\n  ]\n  serve = rest {\n    port = 8080 # port\n  }\n}\n';
    expect(fmt(src)).toBe(
      'm a {\n  owners = [\n    "ana", # first\n    # before bo\n    "bo",\n    "cy", # after cy\n  ]\n  serve  = rest {\n    port = 8080 # port\n  }\n}\n',
    );
  });

  it("moves a comment out of an expression that cannot hold one, in front of its item", () => {
    expect(fmt("m a {\n  x = f(1, # one\n    2)\n}")).toBe("m a {\n  # one\n  x = f(1, 2)\n}\n");
  });

  it("prints expressions with minimal canonical spacing and keeps parentheses and the call form", () => {
    expect(
      fmt(
        "m a {\n  x = f(a,b,name=c)+(1*2)\n  y = [ 1,2, ]\n  z = { a=1 b=2 }\n  s = rest{port=8080}\n  n = not(a)and-b\n}",
      ),
    ).toBe(
      "m a {\n  x = f(a, b, name = c) + (1 * 2)\n  y = [1, 2]\n  z = { a = 1, b = 2 }\n  s = rest { port = 8080 }\n  n = not (a) and -b\n}\n",
    );
  });

  it("writes strings back with canonical escapes and quotes object keys that are not names", () => {
    expect(fmt('m a { s = "\\u0041\\/\\t" o = { "two words" = 1, "and" = 2, ok = 3 } }')).toBe(
      'm a {\n  s = "A/\\t"\n  o = { "two words" = 1, "and" = 2, ok = 3 }\n}\n',
    );
  });

  it("breaks long lists and objects one element per line", () => {
    const long = Array.from({ length: 12 }, (_, i) => `"column_number_${i}"`).join(", ");
    const out = fmt(`m a { cols = [${long}] }`);
    expect(out.split("\n")[1]).toBe("  cols = [");
    expect(out.split("\n")[2]).toBe('    "column_number_0",');
    expect(fmt(out)).toBe(out);
  });

  it("returns the text unchanged with diagnostics when it has syntax errors", () => {
    const r = formatText("t.mlspec", "m a { x = $ }");
    expect(r.value).toBe("m a { x = $ }");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["MLC1001"]);
  });

  it("formats an empty file to nothing and a comment-only file to its comments", () => {
    expect(fmt("")).toBe("");
    expect(fmt("  # a\n\n\n// b  ")).toBe("# a\n\n// b\n");
  });
});
