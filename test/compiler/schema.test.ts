import { describe, expect, it } from "vitest";
import {
  allBlockKinds,
  blockKind,
  registerBlockKind,
  t,
  typeToString,
} from "../../src/compiler/schema/index.js";
import { check, codes } from "./check-helpers.js";

// taken before this file registers a test kind of its own
const languageKinds = allBlockKinds().map((k) => k.kind);

describe("block-kind registry", () => {
  it("registers the nine kinds of the language", () => {
    expect(languageKinds).toEqual([
      "project",
      "source",
      "features",
      "split",
      "model",
      "gate",
      "deploy",
      "experiment",
      "monitor",
    ]);
  });

  it("describes nested blocks with their own schemas", () => {
    const source = blockKind("source")!;
    expect(source.nested.map((n) => n.kind)).toEqual(["schema", "expect", "warn"]);
    expect(source.nested.find((n) => n.kind === "schema")!.free?.nameDoc).toBe("column name");
    const model = blockKind("model")!;
    expect(model.nested.map((n) => n.kind)).toEqual([
      "params",
      "tune",
      "decision",
      "checkpoint",
      "robustness",
      "export",
      "history",
    ]);
    expect(
      model.nested.find((n) => n.kind === "tune")!.attributes.find((a) => a.name === "objective")!.required,
    ).toBe(true);
    expect(blockKind("gate")!.assertions?.scope).toBe("gate");
    expect(blockKind("split")!.assertions).toBeUndefined();
  });

  it("refuses a kind registered twice and a required attribute with a default", () => {
    expect(() => registerBlockKind({ ...blockKind("gate")! })).toThrow(/registered twice/);
    expect(() =>
      registerBlockKind({
        kind: "broken",
        doc: "x",
        name: "required",
        attributes: [
          { name: "a", type: t.int(), required: true, default: { type: "number", value: 1 }, doc: "a" },
        ],
        nested: [],
      }),
    ).toThrow(/required attribute 'a' has a default/);
  });

  it("renders types of the type language", () => {
    expect(typeToString(t.list(t.number()))).toBe("list<number>");
    expect(typeToString(t.ref("source", "features"))).toBe("ref<source | features>");
    expect(typeToString(t.int(1, 10))).toBe("int[1..10]");
    expect(typeToString(t.expr("bool", "gate"))).toBe("expr<bool, gate>");
    expect(typeToString(t.union(t.call("rollout"), t.enum("a", "b")))).toBe("rollout(…) | a | b");
  });
});

describe("a new block kind is one registration", () => {
  registerBlockKind({
    kind: "alert_rule",
    doc: "A test kind: pages someone when a deployment breaks.",
    name: "required",
    attributes: [
      { name: "deployment", type: t.ref("deploy"), required: true, doc: "the deployment" },
      {
        name: "after",
        type: t.duration(),
        required: false,
        default: { type: "duration", seconds: 600, raw: "10m" },
        doc: "grace period",
      },
      { name: "channel", type: t.enum("email", "pager"), required: false, doc: "where to send it" },
    ],
    nested: [],
  });

  it("is checked by the checker without touching it", () => {
    const spec = `
source s { file = "s.csv" }
features f { from = s  x = 1 }
split p { from = f }
model m { task = classify(y)  data = p  features = f.* }
gate g { model = m  test.auc > 0.5 }
deploy d { model = m  when = g }
`;
    expect(check(`${spec}alert_rule a { deployment = d  channel = pager }`).diagnostics).toEqual([]);
    const r = check(`${spec}alert_rule a { deployment = g  chanel = pager  after = 5 }`);
    expect(codes(r.diagnostics)).toEqual(["MLC1106", "MLC1102", "MLC1104"]);
    expect(r.diagnostics[1]!.hint).toBe("did you mean `channel`?");
    const ok = check(`${spec}alert_rule a { deployment = d }`);
    const after = ok.value.byName.get("a")!.attributes.get("after");
    expect(after?.type === "duration" && after.seconds).toBe(600);
    expect(ok.value.byName.get("a")!.dependencies.map((d) => d.target)).toEqual(["d"]);
  });
});
