// The error base class: codes, the failing block's span, hints and details, and which errors are
// user-facing (every MlcError, the operating system's) and which are bugs (anything else).
import { describe, expect, it } from "vitest";
import { CliExit } from "../../src/cli/exit.js";
import { renderRuntimeDiagnostic, runtimeDiagnosticToJson } from "../../src/cli/runtime-diagnostic.js";
import type { Span } from "../../src/ir/span.js";
import { CsvProblem } from "../../src/data/csv-parse.js";
import { ExprError } from "../../src/data/transforms/types.js";
import { diagnosticOf, isInternal, MlcError, NodeFailure } from "../../src/ir/errors.js";
import { ModelFormatError } from "../../src/ml/tree/codec.js";
import { ParamError } from "../../src/ml/tree/params.js";
import { TrialPruned } from "../../src/ml/tune/study.js";
import { TuneError } from "../../src/ml/tune/space.js";
import { ArtifactCorruptError, ArtifactMissingError } from "../../src/runtime/artifacts/store.js";
import { LineageNotFound } from "../../src/runtime/lineage.js";
import { LockHeldError } from "../../src/runtime/lock.js";
import { MaterializeError } from "../../src/runtime/materialize.js";
import { PlanFileError } from "../../src/runtime/plan-file.js";
import { ProjectError } from "../../src/runtime/project.js";
import { BatchScoreError } from "../../src/serve/batch-score.js";
import { BundleError } from "../../src/serve/bundle.js";
import { DeploymentError } from "../../src/serve/deployment.js";
import { OnlineStoreError } from "../../src/serve/online-store.js";

const span = (line: number, col: number, endCol: number): Span => ({
  file: "proj/main.mlspec",
  start: { offset: 0, line, column: col },
  end: { offset: 0, line, column: endCol },
});
const SOURCES = new Map([
  ["proj/main.mlspec", 'source rows {\n  file = "x.csv"\n}\n\ngate ship {\n  model = m\n}\n'],
]);

describe("MlcError", () => {
  it("carries its code, class name, hint and details; NodeFailure defaults to MLC2000", () => {
    const e = new NodeFailure("bad row", { code: "MLC2101", hint: "fix it", details: { row: 3 } });
    expect(e).toBeInstanceOf(MlcError);
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.name, e.hint, e.details]).toEqual(["MLC2101", "NodeFailure", "fix it", { row: 3 }]);
    expect(new NodeFailure("x").code).toBe("MLC2000");
  });

  it("keeps the innermost block: `at` does not overwrite a node or span set closer to the failure", () => {
    const e = new NodeFailure("x").at("gate.ship", span(5, 1, 10));
    e.at("model.m", span(9, 1, 2));
    expect(e.toDiagnostic()).toEqual({
      code: "MLC2000",
      severity: "error",
      message: "x",
      node: "gate.ship",
      span: span(5, 1, 10),
    });
  });

  it("is the base of every error mlc raises on purpose, each with its own code", () => {
    const lock = { pid: 1, host: "h", command: "mlc apply", since: "2026-01-01T00:00:00Z" };
    const all: MlcError[] = [
      new CliExit(1, "m"),
      new ProjectError("m"),
      new PlanFileError("m"),
      new LockHeldError(lock, 0),
      new LineageNotFound("m"),
      new MaterializeError("m"),
      new ArtifactCorruptError("a".repeat(64), "p", "b".repeat(64)),
      new ArtifactMissingError("a".repeat(64), "p"),
      new BundleError("m"),
      new DeploymentError("m"),
      new OnlineStoreError("m"),
      new BatchScoreError("m", "col", 2),
      new CsvProblem({ kind: "unclosed", row: 1, line: 2 }),
      new ExprError("m"),
      new ParamError("m"),
      new ModelFormatError("m"),
      new TrialPruned(),
      new TuneError("m"),
    ];
    for (const e of all) expect(e, e.name).toBeInstanceOf(MlcError);
    expect(new Set(all.map((e) => e.code)).size).toBe(all.length);
    expect(new LockHeldError(lock, 0).hint).toContain("mlc state unlock");
  });
});

describe("diagnosticOf", () => {
  it("an operating-system error is user-facing (MLC2006), anything else is internal (MLC2999, with the stack)", () => {
    const sys = Object.assign(new Error("ENOENT: no such file"), {
      code: "ENOENT",
      syscall: "open",
      path: "/x",
    });
    expect(diagnosticOf(sys)).toMatchObject({ code: "MLC2006", details: { errno: "ENOENT", path: "/x" } });
    expect(isInternal(diagnosticOf(sys))).toBe(false);
    const bug = diagnosticOf(new TypeError("x is undefined"));
    expect(bug.code).toBe("MLC2999");
    expect(bug.message).toBe("internal error: TypeError: x is undefined");
    expect(isInternal(bug)).toBe(true);
    expect(bug.details?.["stack"]).toContain("errors.test.ts");
  });
});

describe("rendering a run-time diagnostic", () => {
  it("with a span: file:line:col, code, the source line with a caret, and the hint", () => {
    const d = new NodeFailure("gate ship: 1 of 1 assertions failed", { code: "MLC2300", hint: "improve it" })
      .at("gate.ship", span(5, 1, 10))
      .toDiagnostic();
    expect(renderRuntimeDiagnostic(d, SOURCES, { color: false })).toBe(
      "proj/main.mlspec:5:1: error MLC2300: gate ship: 1 of 1 assertions failed\n" +
        " 5 | gate ship {\n" +
        "   | ^~~~~~~~~\n" +
        "hint: improve it\n",
    );
  });

  it("without a span: the code, the message and the hint, and never a stack", () => {
    const d = new LockHeldError({ pid: 7, host: "h", command: "mlc apply", since: "t" }, 0).toDiagnostic();
    const text = renderRuntimeDiagnostic(d, new Map(), { color: false });
    expect(text).toMatch(/^mlc: error MLC2002: the state is locked by another apply: pid 7 on h/);
    expect(text).toContain("\nhint: wait for it to finish");
    expect(text).not.toMatch(/\n\s+at /);
  });

  it("an internal error prints 'internal error' and its stack", () => {
    const text = renderRuntimeDiagnostic(diagnosticOf(new RangeError("boom")), new Map(), { color: false });
    expect(text).toMatch(/^mlc: error MLC2999: internal error: RangeError: boom\n/);
    expect(text).toMatch(/\n\s+at /);
  });

  it("as JSON: the compiler's location fields plus node, hint and details", () => {
    const d = new NodeFailure("bad", { code: "MLC2101", details: { row: 2, column: "x", value: "abc" } })
      .at("source.rows", span(1, 1, 12))
      .toDiagnostic();
    expect(runtimeDiagnosticToJson(d)).toEqual({
      code: "MLC2101",
      severity: "error",
      message: "bad",
      node: "source.rows",
      file: "proj/main.mlspec",
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 12,
      hint: null,
      details: { row: 2, column: "x", value: "abc" },
    });
    expect(runtimeDiagnosticToJson(new ProjectError("m").toDiagnostic())).not.toHaveProperty("file");
  });
});
