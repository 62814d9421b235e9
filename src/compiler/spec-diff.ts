// The semantic difference of two versions of a project's specs (`mlc diff`): top-level blocks added
// or removed, and for each block in both, the attributes (nested blocks as dotted paths, e.g.
// `params.trees`) and assertions added, removed or changed. Positions, formatting and comments
// never count: values are compared without their spans and shown in their canonical form.
import type { Block, BodyItem, SpecFile } from "./ast.js";
import { spanFreeText } from "./ast-equal.js";
import { formatExpr } from "./format.js";

export interface AttributeChange {
  path: string;
  before?: string;
  after?: string;
}

export interface BlockChange {
  /** `model churn` */
  block: string;
  action: "add" | "remove" | "change";
  /** For "change": what differs, by path (assertions under `assert`). */
  changes: AttributeChange[];
}

interface Entry {
  key: string;
  text: string;
}

/** A block's contents as path → value, assertions as `assert` entries keyed by their meaning. */
function entries(body: readonly BodyItem[], prefix: string, out: Map<string, Entry>): void {
  const seen = new Map<string, number>();
  for (const item of body) {
    if (item.type === "attribute") {
      out.set(prefix + item.name, { key: spanFreeText(item.value), text: formatExpr(item.value) });
    } else if (item.type === "assertion") {
      const key = spanFreeText(item.expr);
      out.set(`${prefix}assert ${key}`, { key, text: formatExpr(item.expr) });
    } else {
      const base = item.name ? `${item.kind} ${item.name}` : item.kind;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      entries(item.body, `${prefix}${n > 1 ? `${base}#${n}` : base}.`, out);
    }
  }
}

const label = (b: Block) => (b.name ? `${b.kind} ${b.name}` : b.kind);

function blocksOf(files: readonly SpecFile[]): Map<string, Block> {
  const out = new Map<string, Block>();
  for (const f of files) for (const b of f.blocks) out.set(label(b), b);
  return out;
}

/** What changed from `before` to `after`, blocks in the order of `after` (removed ones last). */
export function specDiff(before: readonly SpecFile[], after: readonly SpecFile[]): BlockChange[] {
  const a = blocksOf(before);
  const b = blocksOf(after);
  const out: BlockChange[] = [];
  for (const [name, block] of b) {
    const old = a.get(name);
    if (!old) {
      out.push({ block: name, action: "add", changes: [] });
      continue;
    }
    const x = new Map<string, Entry>();
    const y = new Map<string, Entry>();
    entries(old.body, "", x);
    entries(block.body, "", y);
    const changes: AttributeChange[] = [];
    for (const [path, e] of y) {
      const was = x.get(path);
      const shown = path.replace(/assert .*$/, "assert");
      if (!was) changes.push({ path: shown, after: e.text });
      else if (was.key !== e.key) changes.push({ path: shown, before: was.text, after: e.text });
    }
    for (const [path, e] of x)
      if (!y.has(path)) changes.push({ path: path.replace(/assert .*$/, "assert"), before: e.text });
    if (changes.length) out.push({ block: name, action: "change", changes });
  }
  for (const name of a.keys()) if (!b.has(name)) out.push({ block: name, action: "remove", changes: [] });
  return out;
}

/** The diff as text: `+ model b`, `- gate old`, `~ model churn` with `params.trees: 200 → 300` lines. */
export function renderSpecDiff(changes: readonly BlockChange[]): string {
  if (!changes.length) return "No changes to the specs.\n";
  const lines: string[] = [];
  for (const c of changes) {
    lines.push(`${c.action === "add" ? "+" : c.action === "remove" ? "-" : "~"} ${c.block}`);
    for (const a of c.changes)
      lines.push(
        a.before === undefined
          ? `    + ${a.path}: ${a.after}`
          : a.after === undefined
            ? `    - ${a.path}: ${a.before}`
            : `    ~ ${a.path}: ${a.before} → ${a.after}`,
      );
  }
  return lines.join("\n") + "\n";
}
