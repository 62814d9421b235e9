// The language of re-ranking: a model's `history { … }` block (MLC1214) and a deployment's `rerank` and
// `candidates` (MLC1211–MLC1213), beside the one conformance case per code in specs/cases/; and the
// runtime halves' refusals of what validate cannot see (MLC2480 columns and keys, MLC2481 inputs the
// server cannot fill for a candidate).
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { check, codes } from "../compiler/check-helpers.js";
import { NodeFailure } from "../../src/ir/executor.js";
import type { GraphNode } from "../../src/ir/graph-ir.js";
import {
  checkRankerInputs,
  withHistory,
  type HistorySettings,
} from "../../src/kinds/model/rerank-history.js";
import type { ModelSpec } from "../../src/kinds/model/model-spec.js";

const project = (deploy: string, ranker = "", split = "leave_last(user, ts, n = 2)") => `
source events {
  file      = "data/events.csv"
  timestamp = ts
  schema { user_id = int  item_id = int  ts = timestamp  label = int  category = category }
}
features shown { from = events  user = user_id  item = item_id  category = category }
split by_time { from = shown  method = ${split}  train = 80%  valid = 10%  test = 10% }
model retrieve {
  task      = rank(label, group = user, k = 5, item = item)
  data      = by_time
  features  = [shown.user, shown.item]
  algorithm = bpr
  params { user_column = "user"  item_column = "item" }
}
gate retrieve_ok {
  model = retrieve
  test.ndcg >= 0.1
}
model ranker {
  task      = rank(label, group = user, k = 5, item = item)
  data      = by_time
  features  = [shown.category]
  algorithm = gbdt
  ${ranker || 'history { user = "user_id"  item = "item_id"  category = "category" }'}
}
gate ranker_ok {
  model = ranker
  test.ndcg >= baseline.test.ndcg
}
deploy recs {
  model = retrieve
  ${deploy}
}
`;

const errors = (text: string) => check(text).diagnostics.filter((d) => d.severity === "error");

describe("rerank and candidates on a deploy block", () => {
  it("accepts a re-ranker with candidates, and a `when` naming the ranker's gate beside the model's", () => {
    expect(errors(project("rerank = ranker\n candidates = 50\n when = [retrieve_ok, ranker_ok]"))).toEqual(
      [],
    );
    expect(errors(project("rerank = ranker\n when = retrieve_ok"))).toEqual([]);
  });

  it("still refuses a gate of a model the deployment neither serves nor re-ranks with", () => {
    const e = errors(project("when = ranker_ok"));
    expect(e.length).toBe(1);
    expect(
      e.some((d) =>
        /gate `ranker_ok` checks model `ranker`, but this deployment serves `retrieve`/.test(d.message),
      ),
    ).toBe(true);
  });

  it("refuses a ranker without a history block, a ranker that is not a rank model, and the model itself (MLC1211)", () => {
    const none = errors(project("rerank = ranker", "params { trees = 10 }"));
    expect(codes(none)).toEqual(["MLC1211"]);
    expect(none[0]!.message).toMatch(/not a re-ranker: it has no history/);
    expect(none[0]!.hint).toMatch(/history \{ user = …, item = …, category = … \}/);
    const self = errors(project("rerank = retrieve"));
    expect(codes(self)).toEqual(["MLC1211"]);
  });

  it("refuses candidates out of bounds, below the ranker's k, or without rerank (MLC1212)", () => {
    for (const c of ["0", "1001"]) {
      const e = errors(project(`rerank = ranker\n candidates = ${c}`));
      expect(codes(e), c).toEqual(["MLC1212"]);
      expect(e[0]!.message).toMatch(/from 1 to 1000/);
    }
    const low = errors(project("rerank = ranker\n candidates = 4"));
    expect(codes(low)).toEqual(["MLC1212"]);
    expect(low[0]!.message).toMatch(/below the k = 5/);
    // not a whole number: the type check's error alone
    expect(codes(errors(project("rerank = ranker\n candidates = 2.5")))).toEqual(["MLC1104"]);
    const alone = errors(project("candidates = 40"));
    expect(codes(alone)).toEqual(["MLC1212"]);
    expect(alone[0]!.message).toMatch(/has no `rerank`/);
  });

  it("refuses rerank on a batch or container target (MLC1213)", () => {
    const e = errors(
      project('rerank = ranker\n serve = batch { input = "data/events.csv", output = "out.csv" }'),
    );
    expect(codes(e)).toContain("MLC1213");
    expect(e.find((d) => d.code === "MLC1213")!.message).toMatch(/answers no \/v1\/recommend/);
    const c = errors(project('rerank = ranker\n serve = container { image = "recs:1" }'));
    expect(codes(c)).toEqual(["MLC1213"]);
    expect(c[0]!.message).toMatch(/image carries the model's bundle but not the ranker's/);
  });
});

describe("a model's history block (MLC1214)", () => {
  it("refuses a history block over a split without time order, naming the split's method", () => {
    const e = errors(project("", "", "random"));
    expect(codes(e)).toEqual(["MLC1214"]);
    expect(e[0]!.message).toMatch(/split `by_time` \(method random\) does not order rows in time/);
  });

  it("refuses a half-life that is not positive at validate (MLC1130), which apply refused (MLC2480)", () => {
    const e = errors(
      project("", 'history { user = "user_id"  item = "item_id"  category = "category"  half_life = 0d }'),
    );
    expect(codes(e)).toEqual(["MLC1130"]);
    expect(e[0]!.message).toMatch(/history.half_life .* must be a positive duration, not 0d/);
    expect(
      errors(
        project("", 'history { user = "user_id"  item = "item_id"  category = "category"  half_life = 14d }'),
      ),
    ).toEqual([]);
  });
});

// the runtime half: what validate cannot see
const spec = {
  name: "ranker",
  task: { kind: "rank", label: "label", group: "user" },
  data: "by_time",
  features: { from: "shown", select: ["category"] },
} as ModelSpec;
const settings: HistorySettings = {
  user: "user_id",
  item: "item_id",
  category: "category",
  halfLifeMs: 86_400_000,
};
const split: GraphNode = {
  id: "split.by_time",
  kind: "split",
  name: "by_time",
  config: { method: { $call: "leave_last", args: [{ $ref: ["user"] }, { $ref: ["ts"] }], named: { n: 2 } } },
  inputs: [],
};
const table = (cols: Record<string, unknown[]>) => aq.table(cols);

function failure(f: () => unknown): NodeFailure {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NodeFailure);
    return e as NodeFailure;
  }
  throw new Error("expected a failure");
}

describe("the history's runtime checks", () => {
  const rows = {
    user_id: [0, 0, 1],
    item_id: [1, 2, 1],
    ts: [new Date(0), new Date(86_400_000), new Date(86_400_000)],
    label: [1, 0, 1],
    category: ["a", "b", "a"],
  };

  it("adds the five inputs to every part and selects them", () => {
    const out = withHistory(spec, settings, { train: table(rows) }, {}, split);
    expect(out.spec.features.select).toEqual([
      "category",
      "user_recency_days",
      "user_relevant",
      "category_affinity",
      "category_recency_days",
      "item_popularity",
    ]);
    expect(Array.from(out.tables.train!.array("user_relevant") as ArrayLike<number>)).toEqual([0, 1, 0]);
    expect(out.history.asOf).toBe(86_400_001);
  });

  it("refuses a missing column, a key that is not a whole number and an empty time (MLC2480)", () => {
    const { category: _c, ...noCategory } = rows;
    expect(
      failure(() => withHistory(spec, settings, { train: table(noCategory) }, {}, split)).message,
    ).toMatch(/reads column 'category', which the train rows of split by_time do not have/);
    const e = failure(() =>
      withHistory(spec, settings, { train: table({ ...rows, item_id: [1, 2.5, 1] }) }, {}, split),
    );
    expect(e.code).toBe("MLC2480");
    expect(e.message).toMatch(/train row 2: item_id is 2.5/);
    expect(
      failure(() =>
        withHistory(
          spec,
          settings,
          { train: table({ ...rows, ts: [new Date(0), null, new Date(0)] }) },
          {},
          split,
        ),
      ).message,
    ).toMatch(/train row 2: ts is empty/);
    expect(
      failure(() => withHistory(spec, settings, { train: table(rows) }, { item_popularity: 1 }, split))
        .message,
    ).toMatch(/defines 'item_popularity', a name the history block adds/);
  });

  it("refuses a ranker input the server cannot fill for a candidate (MLC2481)", () => {
    expect(() => checkRankerInputs(spec, settings, ["category", "item_popularity", "user_id"])).not.toThrow();
    const e = failure(() => checkRankerInputs(spec, settings, ["category", "price_band"]));
    expect(e.code).toBe("MLC2481");
    expect(e.message).toMatch(/also read 'price_band'/);
  });
});
