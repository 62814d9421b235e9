// Validate-time check of a batch target's `keep = ["id", …]` against its input: a source that
// declares its schema names every column it has, so a kept column it lacks is reported here, with
// a did-you-mean, instead of after training. A features block's columns are known only once it is
// built; the executor checks those (MLC2302).
import type { Block, Expr } from "../../compiler/ast.js";
import { CheckCode } from "../../compiler/checker/codes.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { didYouMean } from "../../ir/did-you-mean.js";

/** The columns a source's `schema { … }` declares, or undefined when it declares none. */
function schemaColumns(b: Block): string[] | undefined {
  const schema = b.body.find((i): i is Block => i.type === "block" && i.kind === "schema");
  return schema?.body.flatMap((i) => (i.type === "attribute" ? [i.name] : []));
}

export function checkBatchKeep(ctx: KindCheckContext): void {
  const serve = ctx.attribute("serve");
  if (serve?.type !== "call" || serve.callee !== "batch") return;
  const named = (n: string): Expr | undefined => serve.named.find((a) => a.name === n)?.value;
  const keep = named("keep");
  const input = named("input") ?? serve.args[0];
  if (keep?.type !== "list" || input?.type !== "ref" || input.path.length !== 1) return;
  const block = ctx.lookup(input.path[0]!);
  if (block?.kind !== "source") return;
  const columns = schemaColumns(block);
  if (!columns) return;
  for (const item of keep.items) {
    if (item.type !== "string" || columns.includes(item.value)) continue;
    const near = didYouMean(item.value, columns, (c) => JSON.stringify(c));
    ctx.report(
      CheckCode.unknownKeepColumn,
      item.span,
      `batch input \`${input.path[0]}\` has no column "${item.value}" to keep`,
      { hint: near ?? `its schema declares: ${columns.join(", ")}` },
    );
  }
}
