// Appending one array to another without spreading it into call arguments: `a.push(...b)` passes
// every element on the stack and overflows it for large arrays (a block of 200,000 attributes).

/** Appends every element of `items` to `target`, in order. */
export function pushAll<T>(target: T[], items: readonly T[]): void {
  for (const x of items) target.push(x);
}
