// Split methods by name, from a split node's `method` (`random`, `stratified(churned)`, `temporal(ts)`,
// `group(customer_id)`, `kfold(5, by = label)`, `leave_last(user, ts, n = 1)`, `column(part)`). The shares are the split kind's (kinds/split/config.ts).
import { isObj, type Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import { nameArg } from "../transforms/support.js";
import { columnSplit } from "./column.js";
import { groupSplit } from "./group.js";
import { kfoldSplit } from "./kfold.js";
import { leaveLastSplit } from "./leave-last.js";
import { randomSplit } from "./random.js";
import { stratifiedSplit } from "./stratified.js";
import { temporalSplit } from "./temporal.js";
import type { SplitAssignment, SplitInput } from "./types.js";

interface SplitMethod {
  name: "random" | "stratified" | "temporal" | "group" | "kfold" | "leave_last" | "column";
  column?: string;
  /** leave_last: the timestamp column. */
  time?: string;
  k?: number;
}

export function parseSplitMethod(j: Json | undefined): SplitMethod {
  if (j === undefined || j === null) return { name: "random" };
  const bare = nameArg(j);
  if (bare === "random") return { name: "random" };
  if (!isObj(j) || typeof j.$call !== "string")
    throw new NodeFailure(
      `unknown split method ${JSON.stringify(j)}; use random, stratified(col), temporal(col), group(col), kfold(k), leave_last(user, time, n) or column(col)`,
      { code: "MLC2107" },
    );
  const args = Array.isArray(j.args) ? j.args : [];
  const named = isObj(j.named) ? j.named : {};
  const col = (v: Json | undefined): string => {
    const c = nameArg(isObj(v) && Array.isArray(v.$ref) ? { $ref: [(v.$ref as string[]).at(-1)!] } : v);
    if (!c) throw new NodeFailure(`${j.$call}() needs a column`, { code: "MLC2107" });
    return c;
  };
  switch (j.$call) {
    case "random":
      return { name: "random" };
    case "stratified":
    case "temporal":
    case "group":
    case "column":
      return { name: j.$call, column: col(args[0] ?? named.col) };
    case "kfold": {
      const k = args[0] ?? named.k;
      if (typeof k !== "number")
        throw new NodeFailure("kfold(k) needs a number of folds", { code: "MLC2107" });
      const by = args[1] ?? named.by;
      return { name: "kfold", k, column: by === undefined ? undefined : col(by) };
    }
    case "leave_last": {
      const n = args[2] ?? named.n ?? 1;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
        throw new NodeFailure("leave_last(user, time, n): n is a whole number of rows, 1 or more", {
          code: "MLC2107",
        });
      return {
        name: "leave_last",
        column: col(args[0] ?? named.user),
        time: col(args[1] ?? named.time),
        k: n,
      };
    }
    default:
      throw new NodeFailure(
        `unknown split method \`${j.$call}\`; use random, stratified(col), temporal(col), group(col), kfold(k), leave_last(user, time, n) or column(col)`,
        { code: "MLC2107" },
      );
  }
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
    case "leave_last":
      return leaveLastSplit(input, method.column!, method.time!, method.k!);
    case "column":
      return columnSplit(input, method.column!);
  }
}
