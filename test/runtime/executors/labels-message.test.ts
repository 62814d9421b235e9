// A float label classified by mistake: the error lists ten classes and how many more (not every
// distinct value, once about 10 KB) and suggests regress.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { NodeFailure } from "../../../src/ir/errors.js";
import { classificationTask, targets } from "../../../src/kinds/model/labels.js";

describe("a label value not seen in training", () => {
  it("names ten classes, counts the rest and suggests regress for numbers", () => {
    const spec = { kind: "classify", label: "price" } as const;
    const train = aq.table({ price: Array.from({ length: 500 }, (_, i) => 1000 + i * 0.5) });
    const task = classificationTask(train, spec);
    const test = aq.table({ price: [1000, 99999.25] });
    let err: unknown;
    try {
      targets(test, spec, task, "test");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NodeFailure);
    const f = err as NodeFailure;
    expect(f.message).toMatch(
      /^label column 'price' at test row 2: '99999.25' is not a class seen in training \(.* and 490 more\)$/,
    );
    expect(f.message.length).toBeLessThan(300);
    expect(f.hint).toBe(
      "classify makes a class of each of 500 distinct numbers; to predict the number use regress(price)",
    );
  });
});
