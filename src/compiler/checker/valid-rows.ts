// Validate-time check that a model which needs validation rows has them: a search objective on
// `valid.*` and `early_stop` both measure on the split's valid part, and a split whose shares leave
// it at 0% (`train = 80%`, `test = 20%`, or `valid = 0%`) has none, so the apply would fail after
// loading the data and building the features. A kfold split is the model kind's own check (its folds
// replace valid rows), and `method = column(…)` decides the parts from the data, so neither is
// judged here.
import type { Block, Expr } from "../ast.js";
import type { KindCheckContext } from "../schema/hook.js";
import { CheckCode } from "./codes.js";

const SHARES = ["train", "valid", "test"] as const;

function attributeOf(b: Block, name: string): Expr | undefined {
  const a = b.body.find((i) => i.type === "attribute" && i.name === name);
  return a?.type === "attribute" ? a.value : undefined;
}

/** Why the split gives no valid rows (the `valid = 0%` or the shares written without it), or undefined. */
function noValidRows(split: Block): { span: Expr["span"]; why: string } | undefined {
  const method = attributeOf(split, "method");
  if (method?.type === "call" && (method.callee === "kfold" || method.callee === "column")) return undefined;
  const valid = attributeOf(split, "valid");
  if (valid)
    return valid.type === "percent" && valid.value === 0
      ? { span: valid.span, why: "`valid = 0%`" }
      : undefined;
  // no share written: the default 70% / 15% / 15%; some written: a missing one is 0%
  const written = SHARES.map((s) => [s, attributeOf(split, s)] as const).filter(([, e]) => e !== undefined);
  if (!written.length) return undefined;
  return {
    span: written[0]![1]!.span,
    why: `its shares (${written.map(([s]) => s).join(", ")}) leave no \`valid\``,
  };
}

export function checkValidRows(ctx: KindCheckContext): void {
  const name = ctx.refName(ctx.attribute("data"));
  const split = name !== undefined ? ctx.lookup(name) : undefined;
  if (split?.kind !== "split") return;
  const none = noValidRows(split);
  if (!none) return;
  const related = [{ message: `split \`${name}\`: ${none.why}`, span: none.span }];
  for (const tune of ctx.nested("tune")) {
    const metrics: Extract<Expr, { type: "ref" }>[] = [];
    for (const item of tune.body) {
      if (item.type !== "attribute" || item.name !== "objective") continue;
      for (const c of item.value.type === "list" ? item.value.items : [item.value]) {
        const m =
          c.type === "call" ? (c.args[0] ?? c.named.find((n) => n.name === "metric")?.value) : undefined;
        if (m?.type === "ref") metrics.push(m);
      }
    }
    // a cv objective on a split without folds is reported by the model kind
    if (metrics.some((m) => m.path[0] === "cv")) continue;
    const onValid = metrics.filter((m) => m.path[0] === "valid");
    for (const metric of onValid)
      ctx.report(
        CheckCode.noValidRows,
        metric.span,
        `\`${metric.path.join(".")}\` is measured on the valid rows, and split \`${name}\` has none`,
        { hint: "give the split a valid share (e.g. `train = 70%`, `valid = 15%`, `test = 15%`)", related },
      );
    // trials are fitted and compared on the valid rows, whatever the objective (`model.bytes` too)
    if (!onValid.length)
      ctx.report(
        CheckCode.noValidRows,
        tune.kindSpan,
        `tuning compares its trials on the valid rows, and split \`${name}\` has none`,
        {
          hint: "give the split a valid share, or use `method = kfold(5)` and a cv objective (`maximize(cv.auc)`)",
          related,
        },
      );
  }
  for (const params of ctx.nested("params"))
    for (const item of params.body) {
      if (item.type !== "attribute" || item.name !== "early_stop") continue;
      if (item.value.type === "number" && item.value.value === 0) continue;
      ctx.report(
        CheckCode.noValidRows,
        item.value.span,
        `\`early_stop\` stops on the valid rows, and split \`${name}\` has none`,
        { hint: "give the split a valid share, or remove early_stop", related },
      );
    }
}
