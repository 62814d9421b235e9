// Validate-time checks of a model's task against what the source says of its label column: the
// declared type (`regress` of a category, `classify` of a float) and `positive` against `allowed(…)`.
import { tableRole } from "../schema/registry.js";
import type { Block, Expr } from "../ast.js";
import type { KindCheckContext } from "../schema/hook.js";
import { CheckCode } from "./codes.js";

interface LabelSource {
  source: Block;
  column: string;
}

/** The source column the label passes through from unchanged, when it is one (not a computed feature). */
function labelSource(ctx: KindCheckContext, data: string, label: string): LabelSource | undefined {
  const origins = [...ctx.lineage(data, label)];
  if (origins.length !== 1) return undefined;
  const [source, column] = origins[0]!.split(".") as [string, string];
  const b = ctx.lookup(source);
  return column === label && b !== undefined && tableRole(b.kind) === "declared"
    ? { source: b, column }
    : undefined;
}

const nestedBlocks = (b: Block, kind: string): Block[] =>
  b.body.filter((i): i is Block => i.type === "block" && i.kind === kind);

/** The declared type of a column in the source's `schema { … }` (`nullable(t)` read as t). */
function declaredType(l: LabelSource): string | undefined {
  for (const schema of nestedBlocks(l.source, "schema"))
    for (const item of schema.body) {
      if (item.type !== "attribute" || item.name !== l.column) continue;
      let v: Expr = item.value;
      if (v.type === "call" && v.callee === "nullable" && v.args[0]) v = v.args[0];
      if (v.type === "ref" && v.path.length === 1) return v.path[0];
    }
  return undefined;
}

/** The values of `allowed(column, [ … ])` in the source's `expect` blocks, when there is one. */
function allowedValues(l: LabelSource): { values: Expr[]; span: Expr["span"] } | undefined {
  for (const expect of nestedBlocks(l.source, "expect"))
    for (const item of expect.body) {
      if (item.type !== "assertion" || item.expr.type !== "call" || item.expr.callee !== "allowed") continue;
      const [col, list] = item.expr.args;
      if (col?.type === "ref" && col.path.at(-1) === l.column && list?.type === "list")
        return { values: list.items, span: list.span };
    }
  return undefined;
}

const literal = (e: Expr): string | undefined =>
  e.type === "string"
    ? JSON.stringify(e.value)
    : e.type === "number"
      ? e.raw
      : e.type === "bool"
        ? String(e.value)
        : undefined;

export function checkLabelAgainstSource(ctx: KindCheckContext): void {
  const task = ctx.taskOf(ctx.name);
  const data = ctx.refName(ctx.attribute("data"));
  if (!task?.label || !data) return;
  const l = labelSource(ctx, data, task.label);
  if (!l) return;
  const taskExpr = ctx.attribute("task");
  const type = declaredType(l);
  const at = task.labelSpan ?? taskExpr!.span;
  if (task.task === "regress" && (type === "category" || type === "string" || type === "bool")) {
    ctx.report(
      CheckCode.taskLabelType,
      at,
      `\`regress\` predicts a number, and \`${l.column}\` is declared \`${type}\` in source \`${l.source.name}\``,
      { hint: `use \`classify(${l.column})\` to predict its classes` },
    );
  } else if (task.task === "classify" && type === "float") {
    ctx.report(
      CheckCode.taskLabelType,
      at,
      `\`classify\` predicts classes, and \`${l.column}\` is declared \`float\` in source \`${l.source.name}\`: every distinct value would be a class`,
      {
        hint: `use \`regress(${l.column})\` to predict the number, or declare it \`int\` or \`category\` if its values are classes`,
      },
    );
  }
  if (task.task !== "classify" || taskExpr?.type !== "call") return;
  const positive = taskExpr.named.find((n) => n.name === "positive")?.value;
  const allowed = allowedValues(l);
  const want = positive && literal(positive);
  if (!positive || !allowed || want === undefined) return;
  const listed = allowed.values.map(literal).filter((v): v is string => v !== undefined);
  if (listed.length !== allowed.values.length || listed.includes(want)) return;
  const sameLetters = listed.find((v) => v.toLowerCase() === want.toLowerCase());
  ctx.report(
    CheckCode.positiveNotInData,
    positive.span,
    `\`positive = ${want}\` is not a value of \`${l.column}\`: source \`${l.source.name}\` allows ${listed.join(", ")}`,
    {
      hint: sameLetters
        ? `did you mean \`positive = ${sameLetters}\`? (values are case-sensitive)`
        : `use one of ${listed.join(", ")}`,
      related: [{ message: "the allowed values", span: allowed.span }],
    },
  );
}
