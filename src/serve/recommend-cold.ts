// The two-tower cold-start path of /v1/recommend: the vector of a user or item training never saw,
// computed from the raw side features a request gives (`features` for the user, `new_items` for items
// outside the catalogue) by the towers in the version's retrieval file. A category's value becomes
// its training code (an unseen value reads the tower's "unknown" row), a number is the model input
// itself, a feature left out is missing; a name the tower does not read, or a value of the wrong
// kind, is a problem naming the field.
import { towerVector, type Tower } from "../ml/nn/two-tower-towers.js";
import type { ColdStartTowers, ExtraItem } from "../ml/recommend/retrieval.js";

export type FieldProblem = { field: string; message: string };

/** The largest number of items a request may add with `new_items`. */
export const MAX_NEW_ITEMS = 1000;

/** A tower's vector for an entity known only by `raw` (its ID reads the unknown row). */
export function coldVector(
  cs: ColdStartTowers,
  side: "user" | "item",
  raw: Record<string, unknown>,
  field: string,
): Float64Array | FieldProblem {
  const tower: Tower = cs.towers[side];
  const values = new Map<number, number>();
  for (const [name, v] of Object.entries(raw)) {
    const feat = tower.features.find((f) => f.name === name);
    if (!feat)
      return {
        field: `${field}.${name.slice(0, 100)}`,
        message: `the ${side} tower has no feature '${name.slice(0, 100)}' (it reads: ${tower.features.map((f) => f.name).join(", ") || "none"})`,
      };
    const vocab = cs.vocabularies[name];
    if (v === null) continue;
    if (vocab) {
      if (typeof v !== "string")
        return {
          field: `${field}.${name}`,
          message: `${name} is a category: expected a string, got ${JSON.stringify(v)?.slice(0, 100)}`,
        };
      const code = v === "" ? -1 : vocab.indexOf(v);
      if (code >= 0) values.set(feat.column, code);
    } else {
      if (typeof v !== "number" || !Number.isFinite(v))
        return {
          field: `${field}.${name}`,
          message: `${name} is a number: expected a finite number, got ${JSON.stringify(v)?.slice(0, 100)}`,
        };
      values.set(feat.column, v);
    }
  }
  const out = new Float64Array(cs.towers.factors);
  towerVector(tower, cs.towers.factors, (column) => values.get(column) ?? NaN, out);
  return out;
}

/** The vectors of a request's `new_items`, each from the item tower. */
export function newItemVectors(
  cs: ColdStartTowers,
  items: readonly { item: number; features: Record<string, unknown> }[],
): ExtraItem[] | FieldProblem {
  const out: ExtraItem[] = [];
  for (const [k, it] of items.entries()) {
    const v = coldVector(cs, "item", it.features, `new_items[${k}]`);
    if (!(v instanceof Float64Array)) return v;
    out.push({ item: it.item, vector: v });
  }
  return out;
}
