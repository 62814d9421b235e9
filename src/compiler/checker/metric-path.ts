// What the gate-path checkers of a model's nested blocks (`export.PRECISION.MEASURE`,
// `robustness.SUITE.MEASURE`) share: finding the nested block in the gated model, and checking the
// path's last part against the measures that block records for the model's task.
import type { Block, Expr } from "../ast.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import { blockKind } from "../schema/registry.js";
import type { DiagnosticCode } from "../diagnostic.js";
import type { Sink } from "./sink.js";
import type { CheckState } from "./state.js";

export type RefExpr = Extract<Expr, { type: "ref" }>;

/** Model `model`'s nested block of kind `kind`, when `model` is a model block that has one. */
export function nestedBlockOf(st: CheckState, model: string, kind: string): Block | undefined {
  const b = st.block(model);
  if (!b || blockKind(b.kind)?.modelBehind !== "self") return undefined;
  return b.body.find((i): i is Block => i.type === "block" && i.kind === kind);
}

/**
 * Checks the measure that ends a path `PREFIX.MEASURE` (path part 2): it must be one of `measures`,
 * and nothing may follow it. `recorder` names what records the measures ("an export"), and
 * `example` is a measure to show when none is written.
 */
export function checkMeasure(
  e: RefExpr,
  sink: Sink,
  code: DiagnosticCode,
  prefix: string,
  measures: readonly string[],
  task: string | undefined,
  recorder: string,
  example: string,
): void {
  const [, , measure, ...more] = e.path;
  if (measure !== undefined && measures.includes(measure) && more.length === 0) return;
  sink.report(
    code,
    e.pathSpans[2] ?? e.span,
    measure === undefined
      ? `\`${prefix}\` is followed by a measure: \`${prefix}.${example}\``
      : more.length > 0
        ? `\`${prefix}.${measure}\` is a number; nothing follows it`
        : `${recorder} records no \`${measure}\`${task ? ` for a ${task} model` : ""}`,
    {
      hint:
        (measure !== undefined ? didYouMean(measure, measures, (m) => `${prefix}.${m}`) : undefined) ??
        `measures: ${measures.join(", ")}`,
    },
  );
}
