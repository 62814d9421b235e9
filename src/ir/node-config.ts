// The one place that knows how lowering nests a block's attributes, nested blocks and
// assertions inside a GraphNode's config; executors read configs only through this adapter.
import { type Json, isObj, type JsonObject as Obj } from "./graph-ir.js";

/** A block as executors see it: attributes by name, nested blocks by kind, bare assertions. */
export interface BlockConfig {
  kind?: string;
  attributes: Record<string, Json>;
  blocks: Record<string, BlockConfig[]>;
  assertions: Json[];
}

const isExprObj = (o: Obj): boolean => Object.keys(o).some((k) => k.startsWith("$") && k !== "$block");
const NESTED_KEYS = new Set(["blocks", "nested"]);

/** A value that is a nested block (not an expression): `{ $block: kind, … }`. */
const isBlockValue = (j: Json): boolean => isObj(j) && typeof j.$block === "string";

function blocksOf(kind: string, j: Json): BlockConfig[] {
  if (Array.isArray(j)) {
    // a list of blocks, or (expect/warn) a list of assertions
    if (j.every(isBlockValue)) return j.map((b) => readBlock(b as Obj, kind));
    return [{ kind, attributes: {}, blocks: {}, assertions: j }];
  }
  if (isObj(j)) return [readBlock(j, kind)];
  return [];
}

/**
 * Reads a node config or a nested block in any of the forms lowering may write:
 * `{ $block, attributes, blocks|nested, assertions }`, `{ attributes, … }`, or flat
 * `{ attr: expr, nested: { $block: … } }` where nested blocks are marked by `$block`.
 */
export function readBlock(config: Obj, kind?: string): BlockConfig {
  const out: BlockConfig = {
    kind: typeof config.$block === "string" ? config.$block : kind,
    attributes: {},
    blocks: {},
    assertions: [],
  };
  const structured = isObj(config.attributes) || typeof config.$block === "string";
  if (structured) {
    if (isObj(config.attributes)) Object.assign(out.attributes, config.attributes);
    for (const key of NESTED_KEYS) {
      const nested = config[key];
      if (isObj(nested)) for (const [k, v] of Object.entries(nested)) out.blocks[k] = blocksOf(k, v);
      else if (Array.isArray(nested)) {
        for (const b of nested) {
          if (!isObj(b)) continue;
          const bk = typeof b.$block === "string" ? b.$block : typeof b.kind === "string" ? b.kind : "block";
          (out.blocks[bk] ??= []).push(readBlock(b, bk));
        }
      }
    }
    if (Array.isArray(config.assertions)) out.assertions.push(...config.assertions);
    return out;
  }
  if (isObj(config) && !isExprObj(config)) {
    for (const [k, v] of Object.entries(config)) {
      if (k === "$block") continue;
      if (k === "assertions" && Array.isArray(v)) out.assertions.push(...v);
      else if (isBlockValue(v) || (Array.isArray(v) && v.length > 0 && v.every(isBlockValue)))
        out.blocks[k] = blocksOf(k, v);
      else out.attributes[k] = v;
    }
  }
  return out;
}

/** The first nested block of a kind, if any. */
export function nestedBlock(b: BlockConfig, kind: string): BlockConfig | undefined {
  return (
    b.blocks[kind]?.[0] ??
    (isObj(b.attributes[kind]) && !isExprObj(b.attributes[kind] as Obj)
      ? readBlock(b.attributes[kind] as Obj, kind)
      : undefined)
  );
}

/** Assertions of every nested block of a kind (`expect`, `warn`), in order. */
export function assertionsOf(b: BlockConfig, kind: string): Json[] {
  const blocks = b.blocks[kind] ?? [];
  const direct = b.attributes[kind];
  const out = blocks.flatMap((x) => x.assertions);
  if (Array.isArray(direct)) out.push(...direct);
  return out;
}

export function stringAttr(b: BlockConfig, name: string): string | undefined {
  const v = b.attributes[name];
  return typeof v === "string" ? v : undefined;
}

/** A reference attribute's target (`from = customers` → "customers"); a plain string is accepted too. */
export function refAttr(b: BlockConfig, name: string): string[] | undefined {
  const v = b.attributes[name];
  if (isObj(v) && Array.isArray(v.$ref)) return v.$ref as string[];
  if (typeof v === "string") return v.split(".");
  return undefined;
}
