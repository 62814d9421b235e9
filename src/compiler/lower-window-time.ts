// The time column of a features block's window aggregations when the block names none: the nearest
// `timestamp` along its inputs (its source's), as the checker resolves it. Lowering only.
import { forEachChild, type Expr } from "./ast.js";
import type { CheckedBlock } from "./checked.js";
import { lookupBuiltin } from "./builtins/registry.js";
import { tableRole } from "./schema/registry.js";

/** Whether an expression calls a window aggregation without its own `at = column` (iterative: long chains). */
function callsWindowWithoutAt(root: Expr): boolean {
  const stack = [root];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    if (
      e.type === "call" &&
      lookupBuiltin(e.callee, ["window"]) !== undefined &&
      !e.named.some((n) => n.name === "at")
    )
      return true;
    forEachChild(e, (c) => stack.push(c));
  }
  return false;
}

/**
 * The inherited timestamp for a features block's windows, or undefined when the block sets its own,
 * has no window without `at`, or no input declares one. Set only where needed, so the fingerprints of
 * other blocks stay put.
 */
export function inheritedWindowTimestamp(
  b: CheckedBlock,
  nearestTimestamp: string | undefined,
): string | undefined {
  // Only a block that computes its own columns has window features (a features block).
  if (tableRole(b.kind) !== "computed" || b.attributes.has("timestamp")) return undefined;
  const windows = [...b.attributes.entries()].some(
    ([name, e]) => name !== "from" && name !== "key" && callsWindowWithoutAt(e),
  );
  if (!windows) return undefined;
  return nearestTimestamp;
}
