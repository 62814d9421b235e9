// Structural equality of parsed files ignoring positions: what `fmt` must preserve. Used as a
// guard before fmt writes anything, so a formatter bug can never change a spec's meaning on disk.
import type { SpecFile } from "./ast.js";

const isSpanKey = (k: string): boolean => /span$/i.test(k) || k === "pathSpans";

/** A copy of an AST value without positions (spans), for structural comparison. */
export function stripSpans(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSpans);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!isSpanKey(k)) out[k] = stripSpans(x);
    return out;
  }
  return v;
}

/** Text written as is by `spanFreeText` (punctuation and keys), as opposed to a value still to visit. */
class Raw {
  constructor(readonly text: string) {}
}

/**
 * The JSON text of `stripSpans(v)`, built with an explicit stack: an expression of thousands of
 * terms nests thousands deep, which a recursive copy (or JSON.stringify) cannot walk.
 */
export function spanFreeText(v: unknown): string {
  const out: string[] = [];
  const todo: unknown[] = [v];
  while (todo.length) {
    const x = todo.pop();
    if (x instanceof Raw) out.push(x.text);
    else if (Array.isArray(x)) {
      todo.push(new Raw("]"));
      for (let i = x.length - 1; i >= 0; i--) todo.push(x[i], new Raw(i > 0 ? "," : ""));
      out.push("[");
    } else if (x && typeof x === "object") {
      const entries = Object.entries(x).filter(([k, y]) => !isSpanKey(k) && y !== undefined);
      todo.push(new Raw("}"));
      for (let i = entries.length - 1; i >= 0; i--)
        todo.push(entries[i]![1], new Raw(`${i > 0 ? "," : ""}${JSON.stringify(entries[i]![0])}:`));
      out.push("{");
    } else out.push(JSON.stringify(x) ?? "null");
  }
  return out.join("");
}

/** True when both files hold the same blocks and the same comment texts (spans and layout ignored). */
export function sameMeaning(a: SpecFile, b: SpecFile): boolean {
  return (
    spanFreeText(a.blocks) === spanFreeText(b.blocks) &&
    JSON.stringify(a.comments.map((c) => c.text)) === JSON.stringify(b.comments.map((c) => c.text))
  );
}
