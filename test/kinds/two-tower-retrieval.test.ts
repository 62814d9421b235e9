// What a two-tower version's retrieval file keeps of its side features (src/kinds/model/
// retrieval-artifact.ts): a category column's values by the code the model input holds, a numeric
// column as itself; a side feature whose model input is neither cannot be read from a request and
// fails with MLC2420 naming the feature and row, rather than serve vectors from wrong inputs.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { fitTinyTwoTower, tasteRows } from "../fixtures/tiny-two-tower.js";
import { coldStartTowers } from "../../src/kinds/model/retrieval-artifact.js";
import { NodeFailure } from "../../src/ir/executor.js";

const model = await fitTinyTwoTower();
const towers = model.twoTowers!();
const X = tasteRows(3).X;
const n = X.nRows;
const col = (j: number) => Array.from(X.columns[j]!);
const SEGMENTS = ["bargain", "premium"];

describe("a two-tower retrieval file's side features", () => {
  it("keep a category column's values by code, and read a numeric column as itself", () => {
    const table = aq.table({
      user: col(0),
      item: col(1),
      segment: col(2).map((c) => SEGMENTS[c]!),
      category: col(3),
    });
    const cs = coldStartTowers("m", towers, X, table);
    expect(cs.vocabularies).toEqual({ segment: SEGMENTS });
    expect(cs.towers).toBe(towers);
  });

  it("refuse a side feature whose model input is not its column's value (MLC2420)", () => {
    const scaled = aq.table({
      user: col(0),
      item: col(1),
      segment: col(2),
      category: col(3).map((c) => c * 10),
    });
    const e = (() => {
      try {
        coldStartTowers("m", towers, X, scaled);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(NodeFailure);
    expect((e as NodeFailure).code).toBe("MLC2420");
    expect((e as Error).message).toMatch(
      /side feature 'category' at training row \d+ is \d+ but its model input is/,
    );
  });

  it("refuse a category whose codes disagree with its values, and a side feature the rows lack", () => {
    const mixed = aq.table({
      user: col(0),
      item: col(1),
      segment: Array.from({ length: n }, (_, r) => (r % 2 ? "a" : "b")),
      category: col(3),
    });
    expect(() => coldStartTowers("m", towers, X, mixed)).toThrow(/is not that category's code/);
    const missing = aq.table({ user: col(0), item: col(1), segment: col(2) });
    expect(() => coldStartTowers("m", towers, X, missing)).toThrow(
      /'category' is not a column of the training rows/,
    );
  });
});
