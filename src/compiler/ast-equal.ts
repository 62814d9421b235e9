// Structural equality of parsed files ignoring positions: what `fmt` must preserve. Used as a
// guard before fmt writes anything, so a formatter bug can never change a spec's meaning on disk.
import type { SpecFile } from "./ast.js";

/** A copy of an AST value without positions (spans), for structural comparison. */
export function stripSpans(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSpans);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      if (!/span$/i.test(k) && k !== "pathSpans") out[k] = stripSpans(x);
    return out;
  }
  return v;
}

/** True when both files hold the same blocks and the same comment texts (spans and layout ignored). */
export function sameMeaning(a: SpecFile, b: SpecFile): boolean {
  return (
    JSON.stringify(stripSpans(a.blocks)) === JSON.stringify(stripSpans(b.blocks)) &&
    JSON.stringify(a.comments.map((c) => c.text)) === JSON.stringify(b.comments.map((c) => c.text))
  );
}
