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

export function kindContext(st: CheckState, block: Block, body: CheckedBody, sink: Sink): KindCheckContext {
  const refName = (e: Expr | undefined) => {
    const n = plainRef(e);
    return n !== undefined && st.block(n) ? n : undefined;
  };
  const featuresOf = (e: Expr | undefined): FeatureRef[] => {
    if (!e) return [];
    if (e.type === "list") return e.items.flatMap(featuresOf);
    if (e.type !== "ref") return [];
    const blk = e.path[0];
    const target = blk !== undefined ? st.block(blk) : undefined;
    if (blk === undefined || !target || tableRole(target.kind) !== "computed") return [];
    const own = st.ownFeatures(blk);
    if (e.star && e.path.length === 1)
      return [...own.keys()].map((feature) => ({ block: blk, feature, span: e.span }));
    if (!e.star && e.path.length === 2 && own.has(e.path[1]!))
      return [{ block: blk, feature: e.path[1]!, span: e.span }];
    return [];
  };
  return {
    block,
    name: block.name ?? block.kind,
    attribute: (n) => body.attributes.get(n),
    written: (n) => body.written.has(n),
    nested: (k) => body.nested.get(k) ?? [],
    lookup: (n) => st.block(n),
    blocksOfKind: (k) => st.blocksOfKind(k),
    refName,
    featuresOf,
    featureSpan: (b, f) => st.ownFeatures(b).get(f)?.nameSpan,
    lineage: (b, c) => st.lineage(b, c),
    builtinsUsed: (b, c) => st.builtinsUsed(b, c),
    inInputChain: (b, a) => st.inInputChain(b, a),
    taskOf(model) {
      const m = st.block(model);
      const v = m ? attributeOf(m, "task")?.value : undefined;
      const task = taskName(st, model);
      if (!task) return undefined;
      const labelExpr =
        v?.type === "call" ? (v.args[0] ?? v.named.find((n) => n.name === "label")?.value) : undefined;
      const label = plainRef(labelExpr);
      return label !== undefined ? { task, label, labelSpan: labelExpr!.span } : { task };
    },
    projectDir: st.project.dir,
    filesIn(dir) {
      if (!st.folderListings.has(dir)) st.folderListings.set(dir, filesIn(dir));
      return st.folderListings.get(dir);
    },
    folderExists(dir) {
      let known = st.folderExists.get(dir);
      if (known === undefined) st.folderExists.set(dir, (known = existsSync(dir)));
      return known;
    },
    report(
      code: DiagnosticCode,
      span: Span,
      message: string,
      extra?: { hint?: string; related?: Diagnostic["related"] },
    ) {
      sink.report(code, span, message, extra);
    },
  };
}
