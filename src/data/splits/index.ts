// Split methods by name, from a split node's `method` (`random`, `stratified(churned)`,
// `temporal(ts)`, `group(customer_id)`, `kfold(5, by = label)`), and the shares.
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import { nameArg } from "../transforms/support.js";
import { groupSplit } from "./group.js";
import { kfoldSplit } from "./kfold.js";
import { randomSplit } from "./random.js";
import { stratifiedSplit } from "./stratified.js";
import { temporalSplit } from "./temporal.js";
import type { Shares, SplitAssignment, SplitInput } from "./types.js";

type Obj = { [key: string]: Json };
const isObj = (j: Json | undefined): j is Obj => typeof j === "object" && j !== null && !Array.isArray(j);

export interface SplitMethod {
  name: "random" | "stratified" | "temporal" | "group" | "kfold";
  column?: string;
  k?: number;
}

export function parseSplitMethod(j: Json | undefined): SplitMethod {
  if (j === undefined || j === null) return { name: "random" };
  const bare = nameArg(j);
  if (bare === "random") return { name: "random" };
  if (!isObj(j) || typeof j.$call !== "string")
    throw new NodeFailure(
      `unknown split method ${JSON.stringify(j)}; use random, stratified(col), temporal(col), group(col) or kfold(k)`,
    );
  const args = Array.isArray(j.args) ? j.args : [];
  const named = isObj(j.named) ? j.named : {};
  const col = (v: Json | undefined): string => {
    const c = nameArg(isObj(v) && Array.isArray(v.$ref) ? { $ref: [(v.$ref as string[]).at(-1)!] } : v);
    if (!c) throw new NodeFailure(`${j.$call}() needs a column`);
    return c;
  };
  switch (j.$call) {
    case "random":
      return { name: "random" };
    case "stratified":
    case "temporal":
    case "group":
      return { name: j.$call, column: col(args[0] ?? named.col) };
    case "kfold": {
      const k = args[0] ?? named.k;
      if (typeof k !== "number") throw new NodeFailure("kfold(k) needs a number of folds");
      const by = args[1] ?? named.by;
      return { name: "kfold", k, column: by === undefined ? undefined : col(by) };
    }
    default:
      throw new NodeFailure(
        `unknown split method \`${j.$call}\`; use random, stratified(col), temporal(col), group(col) or kfold(k)`,
      );
  }
}

/** Shares from `train`/`valid`/`test` percents: 70/15/15 when none is given, else missing = 0. */
export function parseShares(attrs: Record<string, Json>): Shares {
  const pct = (k: string): number | undefined => {
    const v = attrs[k];
    if (v === undefined || v === null) return undefined;
    if (isObj(v) && typeof v.$percent === "number") return v.$percent / 100;
    if (typeof v === "number") return v > 1 ? v / 100 : v;
    throw new NodeFailure(`split: \`${k}\` must be a percentage such as 70%`);
  };
  const [train, valid, test] = [pct("train"), pct("valid"), pct("test")];
  if (train === undefined && valid === undefined && test === undefined)
    return { train: 0.7, valid: 0.15, test: 0.15 };
  const s = { train: train ?? 0, valid: valid ?? 0, test: test ?? 0 };
  const total = s.train + s.valid + s.test;
  if (Math.abs(total - 1) > 1e-9)
    throw new NodeFailure(`split shares add up to ${+(total * 100).toFixed(6)}%, not 100%`);
  return s;
}

export function runSplit(method: SplitMethod, input: SplitInput): SplitAssignment {
  switch (method.name) {
    case "random":
      return randomSplit(input);
    case "stratified":
      return stratifiedSplit(input, method.column!);
    case "temporal":
      return temporalSplit(input, method.column!);
    case "group":
      return groupSplit(input, method.column!);
    case "kfold":
      return kfoldSplit(input, method.k!, method.column);
  }
}
