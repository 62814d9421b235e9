// onehot(x, top = k, unseen = other | error | ignore): one 0/1 column per category kept from
// training (the k most frequent, ties by value) plus a fallback column for the rest. Fitted on the training split.
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import type { BatchValue, CallNode, Transform } from "./types.js";
import { ExprError } from "./types.js";
import { arity, castFloat, constFloat, expectKind, nameArg } from "./support.js";

/**
 * What a value not kept from training (unseen, beyond `top`, or null) becomes: `other` sets the
 * fallback column, `ignore` sets no column (there is no fallback column), `error` encodes as
 * `other` but serving refuses a value never seen in the labelled data (needs a column argument).
 */
export type UnseenPolicy = "other" | "error" | "ignore";
export const UNSEEN_POLICIES: readonly UnseenPolicy[] = ["other", "error", "ignore"];

/**
 * The fallback column's name suffix: `plan:other`. Kept categories are `plan=<value>`, and a
 * feature name is an identifier, so no category (not even one called "other") can take this name.
 */
export const FALLBACK_SUFFIX = ":other";

interface OneHotState {
  kind: "num" | "str";
  values: (number | string)[];
  /** Absent in pipelines saved before the `unseen` policy: they always had the fallback column. */
  fallback?: boolean;
}

function topOf(site: CallNode): number {
  const v = site.args[1]?.t === "lit" ? site.args[1].value : site.named.top;
  if (v === undefined || v === null) return Infinity;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new ExprError("onehot(): `top` must be a positive integer");
  return v;
}

/** A category encoding's `unseen` policy (onehot's default `other`, ordinal's `ignore`); `error` needs a column argument. */
export function unseenOf(site: Pick<CallNode, "fn" | "args" | "named">): UnseenPolicy {
  const raw = site.named.unseen;
  if (raw === undefined) return site.fn === "ordinal" ? "ignore" : "other";
  const name = nameArg(raw);
  if (!UNSEEN_POLICIES.includes(name as UnseenPolicy))
    throw new ExprError(`${site.fn}(): \`unseen\` must be other, error or ignore`);
  if (name === "error" && site.args[0]?.t !== "col")
    throw new ExprError(
      `${site.fn}(): \`unseen = error\` needs a column argument: serving checks the raw column's values`,
    );
  return name as UnseenPolicy;
}

/** Categories by descending count, ties by ascending value; nulls are never a category. */
export function frequentValues(v: BatchValue, top: number): (number | string)[] {
  const counts = new Map<number | string, number>();
  const arr = v.v as ArrayLike<number | string>;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i]!;
    if (x === "" || (typeof x === "number" && Number.isNaN(x))) continue;
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([x]) => x);
}

const stateOf = (state: Json | undefined): Required<OneHotState> => {
  const s = state as unknown as OneHotState;
  return { ...s, fallback: s.fallback ?? true };
};

export const onehot: Transform = {
  name: "onehot",
  type(args, named) {
    arity("onehot", args, 1, 2);
    expectKind("onehot", args[0]!, "num", "str");
    topOf({ t: "call", fn: "onehot", args, named, kind: "vector", id: -1, transform: onehot });
    unseenOf({ fn: "onehot", args, named });
    return "vector";
  },
  fit([a], site): Json {
    const state: OneHotState = {
      kind: a!.kind === "str" ? "str" : "num",
      values: frequentValues(a!, topOf(site)),
      fallback: unseenOf(site) !== "ignore",
    };
    if (!state.fallback && state.values.length === 0)
      throw new NodeFailure(
        "onehot(…, unseen = ignore): the training rows hold no category, so there is no column to encode",
      );
    return state as unknown as Json;
  },
  vectorNames(state) {
    const s = stateOf(state);
    return [...s.values.map((v) => `=${String(v)}`), ...(s.fallback ? [FALLBACK_SUFFIX] : [])];
  },
  batch([a], _site, state) {
    const s = stateOf(state);
    const k = s.values.length;
    const index = new Map<number | string, number>(s.values.map((v, i) => [v, i]));
    const arr = a!.v as ArrayLike<number | string>;
    const n = arr.length;
    const width = s.fallback ? k + 1 : k;
    const columns = Array.from({ length: width }, () => new Float32Array(n));
    for (let i = 0; i < n; i++) {
      const j = index.get(arr[i]!) ?? k;
      if (j < width) columns[j]![i] = 1;
    }
    return { kind: "vector", columns };
  },
  onnx(g, [a], _site, state) {
    const s = stateOf(state);
    const k = s.values.length;
    const width = s.fallback ? k + 1 : k;
    if (s.kind === "str") {
      // category → index (unseen and "" → k), then compare with 0..width-1 to spread into columns
      const idx =
        k === 0
          ? g.op(
              "LabelEncoder",
              [a!.name],
              { keys_strings: ["\u0000"], values_int64s: [0], default_int64: 0 },
              { domain: "ai.onnx.ml" },
            )
          : g.op(
              "LabelEncoder",
              [a!.name],
              {
                keys_strings: s.values as string[],
                values_int64s: s.values.map((_, i) => i),
                default_int64: k,
              },
              { domain: "ai.onnx.ml" },
            );
      const slots = g.constant(
        "int64",
        [1, width],
        Array.from({ length: width }, (_, i) => i),
        "slots",
      );
      return { kind: "num", name: castFloat(g, g.op("Equal", [idx, slots])) };
    }
    if (k === 0)
      return {
        kind: "num",
        name: g.op("Add", [g.op("Mul", [a!.name, constFloat(g, [0], [1, 1])]), constFloat(g, [1], [1, 1])]),
      };
    const hits = castFloat(g, g.op("Equal", [a!.name, constFloat(g, s.values as number[])]));
    if (!s.fallback) return { kind: "num", name: hits };
    const any = g.op("ReduceSum", [hits, g.constant("int64", [1], [1], "axes")], { keepdims: 1 });
    const other = g.op("Sub", [constFloat(g, [1], [1, 1]), any]);
    return { kind: "num", name: g.op("Concat", [hits, other], { axis: 1 }) };
  },
};
