// Where checking writes what it finds: diagnostics and the references used (dependencies).
// A child sink lets the checker try one alternative of a union type and keep it or drop it.
import type { Diagnostic, DiagnosticCode } from "../diagnostic.js";
import { diagnostic } from "../diagnostic-codes.js";
import type { Span } from "../../ir/span.js";
import { pushAll } from "../push-all.js";

/** One use of another block: `member` null means the block itself without a particular member. */
export interface DepUse {
  target: string;
  member: string | "*" | null;
  via: string;
  span: Span;
}

export class Sink {
  readonly diagnostics: Diagnostic[] = [];
  readonly deps: DepUse[] = [];

  report(
    code: DiagnosticCode,
    span: Span,
    message: string,
    extra?: { hint?: string | undefined; related?: Diagnostic["related"] },
  ): void {
    const ex: { hint?: string; related?: Diagnostic["related"] } = {};
    if (extra?.hint) ex.hint = extra.hint;
    if (extra?.related) ex.related = extra.related;
    this.diagnostics.push(diagnostic(code, span, message, ex));
  }

  use(dep: DepUse): void {
    this.deps.push(dep);
  }

  child(): Sink {
    return new Sink();
  }

  commit(child: Sink): void {
    pushAll(this.diagnostics, child.diagnostics);
    pushAll(this.deps, child.deps);
  }

  get ok(): boolean {
    return this.diagnostics.every((d) => d.severity !== "error");
  }
}

/** A sink that forgets everything: for inferring types without reporting twice. */
export const discard = (): Sink => new Sink();
