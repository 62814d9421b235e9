// What `mlc validate` knows of a two_tower model's params (MLC1201): `user_column`, `item_column`,
// `user_features` and `item_features` name features of the model, and every other feature belongs to
// exactly one tower, the same rule training applies (src/ml/nn/two-tower.ts), caught before any data is read.
import type { Expr } from "../../compiler/ast.js";
import type { KindCheckContext } from "../../compiler/schema/hook.js";
import { CheckCode } from "../../compiler/checker/codes.js";

const isTwoTower = (e: Expr | undefined): boolean =>
  e !== undefined &&
  ((e.type === "ref" && e.path.length === 1 && e.path[0] === "two_tower") ||
    (e.type === "call" && e.callee === "two_tower"));

export function checkTwoTowerParams(ctx: KindCheckContext): void {
  if (!isTwoTower(ctx.attribute("algorithm"))) return;
  const features = ctx.featuresOf(ctx.attribute("features")).map((f) => f.feature);
  if (features.length === 0) return;
  const strings = new Map<string, { value: string; span: Expr["span"] }>();
  for (const params of ctx.nested("params"))
    for (const item of params.body)
      if (item.type === "attribute" && item.value.type === "string")
        strings.set(item.name, { value: item.value.value, span: item.value.span });
  const report = (span: Expr["span"], message: string): void =>
    ctx.report(CheckCode.twoTowerFeatureUnknown, span, message, {
      hint: `the model's features: ${features.join(", ")}`,
    });
  const named = (param: string): string[] => {
    const p = strings.get(param);
    if (!p) return [];
    const names = p.value.split(/[,\s]+/).filter((s) => s !== "");
    for (const n of names)
      if (!features.includes(n))
        report(p.span, `\`${param}\` names \`${n}\`, which is not a feature of model \`${ctx.name}\``);
    return names;
  };
  const [userColumn] = named("user_column");
  const [itemColumn] = named("item_column");
  const sides = new Set([...named("user_features"), ...named("item_features")]);
  const ids = new Set([userColumn ?? features[0], itemColumn ?? features[1]]);
  const loose = features.filter((f) => !ids.has(f) && !sides.has(f));
  if (loose.length > 0) {
    const at =
      strings.get("user_features")?.span ??
      strings.get("item_features")?.span ??
      ctx.attribute("features")!.span;
    report(
      at,
      `feature${loose.length > 1 ? "s" : ""} ${loose.map((f) => `\`${f}\``).join(", ")} of two_tower model \`${ctx.name}\` ${loose.length > 1 ? "are" : "is"} in neither user_features nor item_features`,
    );
  }
}
