import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/compiler/diagnostic.js";
import { diagnosticsToJson, renderDiagnostics } from "../../src/compiler/diagnostic-render.js";
import { parseFile } from "../../src/compiler/parse.js";
import type { Span } from "../../src/ir/span.js";

const span = (file: string, line: number, column: number, endColumn: number, offset = 0): Span => ({
  file,
  start: { offset, line, column },
  end: { offset: offset + endColumn - column, line, column: endColumn },
});

describe("renderDiagnostics", () => {
  it("prints location, code, message, source line, caret and hint", () => {
    const text = "model churn {\n  trees 400\n}\n";
    const r = parseFile("m.mlspec", text);
    const out = renderDiagnostics(r.diagnostics, new Map([["m.mlspec", text]]), { color: false });
    expect(out).toBe(
      [
        "m.mlspec:2:9: error MLC1006: expected `=` or `{` after `trees`",
        " 2 |   trees 400",
        "   |         ^~~",
        "hint: an attribute is written `trees = 400`; a nested block `trees { … }`",
        "",
      ].join("\n"),
    );
  });

  it("prints related locations as notes with their own excerpt", () => {
    const text = "model a {\n  x = 1\n";
    const r = parseFile("a.mlspec", text);
    const out = renderDiagnostics(r.diagnostics, new Map([["a.mlspec", text]]), { color: false });
    expect(out).toContain("a.mlspec:2:8: error MLC1008: expected `}` to close `model a`");
    expect(out).toContain("a.mlspec:1:9: note: `model a` opens here\n 1 | model a {\n   |         ^\n");
  });

  it("draws at least one caret for an empty span and for a span at the end of a line", () => {
    const d: Diagnostic = { code: "MLC1005", severity: "error", message: "m", span: span("f", 1, 4, 4, 3) };
    const out = renderDiagnostics([d], new Map([["f", "abc"]]), { color: false });
    expect(out.split("\n")[2]).toBe("   |    ^");
  });

  it("keeps tabs in the caret padding", () => {
    const d: Diagnostic = { code: "MLC1001", severity: "error", message: "m", span: span("f", 1, 3, 4, 2) };
    const out = renderDiagnostics([d], new Map([["f", "\t\t$"]]), { color: false });
    expect(out.split("\n")[2]).toBe("   | \t\t^");
  });

  it("omits the excerpt when the source is unknown, and colours only on request", () => {
    const d: Diagnostic = {
      code: "MLC1020",
      severity: "error",
      message: "cannot read",
      span: span("dir", 1, 1, 1),
    };
    expect(renderDiagnostics([d], new Map(), { color: false })).toBe("dir:1:1: error MLC1020: cannot read\n");
    expect(renderDiagnostics([d], new Map(), { color: true })).toContain("\x1b[31m");
  });

  it("labels warnings as warnings", () => {
    const d: Diagnostic = { code: "MLC1200", severity: "warning", message: "w", span: span("f", 1, 1, 2) };
    expect(renderDiagnostics([d], new Map([["f", "x"]]), { color: false })).toMatch(
      /^f:1:1: warning MLC1200: w\n/,
    );
  });
});

describe("diagnosticsToJson", () => {
  it("gives every field, with null hint and empty related when absent", () => {
    const d: Diagnostic = {
      code: "MLC1008",
      severity: "error",
      message: "expected `}`",
      span: span("a.mlspec", 2, 8, 8),
      hint: "close it",
      related: [{ message: "opens here", span: span("a.mlspec", 1, 9, 10) }],
    };
    const plain: Diagnostic = {
      code: "MLC1001",
      severity: "error",
      message: "x",
      span: span("b.mlspec", 3, 1, 2),
    };
    expect(diagnosticsToJson([d, plain])).toEqual([
      {
        code: "MLC1008",
        severity: "error",
        message: "expected `}`",
        file: "a.mlspec",
        line: 2,
        column: 8,
        endLine: 2,
        endColumn: 8,
        hint: "close it",
        related: [{ message: "opens here", file: "a.mlspec", line: 1, column: 9, endLine: 1, endColumn: 10 }],
      },
      {
        code: "MLC1001",
        severity: "error",
        message: "x",
        file: "b.mlspec",
        line: 3,
        column: 1,
        endLine: 3,
        endColumn: 2,
        hint: null,
        related: [],
      },
    ]);
  });
});
