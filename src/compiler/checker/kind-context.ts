// The KindCheckContext handed to a block kind's own `check`: read-only views of the checker's
// state plus `report`. Kept apart so that schemas never reach into checker internals.
import { existsSync } from "node:fs";
import type { Block, Expr } from "../ast.js";
import type { DiagnosticCode, Diagnostic } from "../diagnostic.js";
import type { FeatureRef, KindCheckContext } from "../schema/hook.js";
import type { Span } from "../../ir/span.js";
import type { CheckedBody } from "./body.js";
import type { Sink } from "./sink.js";
import { tableRole } from "../schema/registry.js";
import { filesIn } from "./data-file.js";
import { attributeOf, plainRef, type CheckState } from "./state.js";
import { taskName } from "./typing.js";

/** The context of one block: a class, so that its methods are shared rather than made per block. */
class BlockCheckContext implements KindCheckContext {
  readonly name: string;
  readonly projectDir: string;

  constructor(
    private readonly st: CheckState,
    readonly block: Block,
    private readonly body: CheckedBody,
    private readonly sink: Sink,
  ) {
    this.name = block.name ?? block.kind;
    this.projectDir = st.project.dir;
  }

  attribute(n: string): Expr | undefined {
    return this.body.attributes.get(n);
  }
  written(n: string): boolean {
    return this.body.written.has(n);
  }
  nested(k: string): readonly Block[] {
    return this.body.nested.get(k) ?? [];
  }
  lookup(n: string): Block | undefined {
    return this.st.block(n);
  }
  blocksOfKind(k: string): readonly Block[] {
    return this.st.blocksOfKind(k);
  }
  refName(e: Expr | undefined): string | undefined {
    const n = plainRef(e);
    return n !== undefined && this.st.block(n) ? n : undefined;
  }
  featuresOf(e: Expr | undefined): FeatureRef[] {
    if (!e) return [];
    if (e.type === "list") return e.items.flatMap((item) => this.featuresOf(item));
    if (e.type !== "ref") return [];
    const st = this.st;
    const blk = e.path[0];
    const target = blk !== undefined ? st.block(blk) : undefined;
    if (blk === undefined || !target || tableRole(target.kind) !== "computed") return [];
    const own = st.ownFeatures(blk);
    if (e.star && e.path.length === 1)
      return [...own.keys()].map((feature) => ({ block: blk, feature, span: e.span }));
    if (!e.star && e.path.length === 2 && own.has(e.path[1]!))
      return [{ block: blk, feature: e.path[1]!, span: e.span }];
    return [];
  }
  featureSpan(b: string, f: string): Span | undefined {
    return this.st.ownFeatures(b).get(f)?.nameSpan;
  }
  lineage(b: string, c: string): ReadonlySet<string> {
    return this.st.lineage(b, c);
  }
  builtinsUsed(b: string, c: string): ReadonlySet<string> {
    return this.st.builtinsUsed(b, c);
  }
  inInputChain(b: string, a: string): boolean {
    return this.st.inInputChain(b, a);
  }
  taskOf(model: string): { task: string; label?: string; labelSpan?: Span } | undefined {
    const st = this.st;
    const m = st.block(model);
    const v = m ? attributeOf(m, "task")?.value : undefined;
    const task = taskName(st, model);
    if (!task) return undefined;
    const labelExpr =
      v?.type === "call" ? (v.args[0] ?? v.named.find((n) => n.name === "label")?.value) : undefined;
    const label = plainRef(labelExpr);
    return label !== undefined ? { task, label, labelSpan: labelExpr!.span } : { task };
  }
  filesIn(dir: string): readonly string[] | undefined {
    const st = this.st;
    if (!st.folderListings.has(dir)) st.folderListings.set(dir, filesIn(dir));
    return st.folderListings.get(dir);
  }
  folderExists(dir: string): boolean {
    const st = this.st;
    let known = st.folderExists.get(dir);
    if (known === undefined) st.folderExists.set(dir, (known = existsSync(dir)));
    return known;
  }
  report(
    code: DiagnosticCode,
    span: Span,
    message: string,
    extra?: { hint?: string; related?: Diagnostic["related"] },
  ): void {
    this.sink.report(code, span, message, extra);
  }
}

export function kindContext(st: CheckState, block: Block, body: CheckedBody, sink: Sink): KindCheckContext {
  return new BlockCheckContext(st, block, body, sink);
}
