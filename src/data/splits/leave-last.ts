// leave_last(user, ts, n): per user, the last n rows by time go to test and, when the split gives
// valid a share, the n before them to valid; the rest train. The usual offline protocol of a
// recommender: every user is evaluated on what they did next. A user with too few rows for both
// keeps them in train (first), so no user is evaluated without a history. Ties in time keep row order.
import { NodeFailure } from "../../ir/executor.js";
import { numericValues } from "../table-columns.js";
import { columnFor } from "./stratified.js";
import { type SplitAssignment, type SplitInput, TEST, TRAIN, VALID } from "./types.js";

export function leaveLastSplit(input: SplitInput, user: string, time: string, n: number): SplitAssignment {
  const users = columnFor(input, user, "leave_last");
  const t = numericValues(columnFor(input, time, "leave_last") as Float64Array);
  const rows = users.length;
  const byUser = new Map<string, number[]>();
  for (let i = 0; i < rows; i++) {
    if (Number.isNaN(t[i]!))
      throw new NodeFailure(`leave_last(${user}, ${time}): row ${i + 1} has no ${time}`, { code: "MLC2107" });
    const u = users[i];
    if (u === null || u === undefined)
      throw new NodeFailure(`leave_last(${user}, ${time}): row ${i + 1} has no ${user}`, { code: "MLC2107" });
    const key = String(u);
    let list = byUser.get(key);
    if (!list) byUser.set(key, (list = []));
    list.push(i);
  }
  const withValid = input.shares.valid > 0;
  const part = new Uint8Array(rows).fill(TRAIN);
  let tested = 0;
  let validated = 0;
  for (const list of byUser.values()) {
    list.sort((a, b) => t[a]! - t[b]! || a - b);
    const len = list.length;
    // at least one training row first; then test; then valid
    if (len <= n) continue;
    for (let j = len - n; j < len; j++) part[list[j]!] = TEST;
    tested++;
    if (withValid && len > 2 * n) {
      for (let j = len - 2 * n; j < len - n; j++) part[list[j]!] = VALID;
      validated++;
    }
  }
  return {
    part,
    report: {
      user,
      time,
      n,
      users: byUser.size,
      users_tested: tested,
      users_validated: validated,
    },
  };
}
