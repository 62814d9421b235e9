// The `filter` of a /v1/recommend request (and of `mlc recommend --filter`), read into the shape
// src/ml/recommend/item-attributes.ts applies: `{"category": "books"}` (equality), a list for any
// of (`{"category": ["books", "music"]}`), and for a number a range `{"price_band": {"min": 1,
// "max": 2}}` (both ends inclusive, either may be left out). Whether a field is one of the version's
// item attributes and of the right kind is decided against its retrieval file (`filterMask`). Also
// the filter's canonical text, the part of the answer cache's key that stands for it.
import type { FieldCondition, ItemFilter } from "../ml/recommend/item-attributes.js";

export type FilterProblem = { field: string; message: string };

/** The most fields a filter may name, and values a list may hold. */
export const MAX_FILTER_FIELDS = 16;
export const MAX_FILTER_VALUES = 1000;

const EXAMPLE = '{"category": "books", "price_band": {"min": 1, "max": 2}}';

const show = (v: unknown): string => JSON.stringify(v)?.slice(0, 100) ?? String(v);

function condition(field: string, v: unknown): FieldCondition | FilterProblem {
  const isValue = (x: unknown): x is string | number =>
    typeof x === "string" || (typeof x === "number" && Number.isFinite(x));
  if (isValue(v)) return { values: [v] };
  if (Array.isArray(v)) {
    if (v.length === 0 || v.length > MAX_FILTER_VALUES)
      return { field, message: `expected a list of 1 to ${MAX_FILTER_VALUES} values, got ${v.length}` };
    if (!(
      v.every((x) => typeof x === "string") || v.every((x) => typeof x === "number" && Number.isFinite(x))
    ))
      return { field, message: `a list must hold only strings or only finite numbers, got ${show(v)}` };
    return { values: v as (string | number)[] };
  }
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const other = Object.keys(o).find((k) => k !== "min" && k !== "max");
    if (other !== undefined)
      return { field: `${field}.${other.slice(0, 100)}`, message: 'a range has only "min" and "max"' };
    const bound = (k: "min" | "max"): number | undefined | FilterProblem => {
      const b = o[k];
      if (b === undefined) return undefined;
      return typeof b === "number" && Number.isFinite(b)
        ? b
        : { field: `${field}.${k}`, message: `${k} must be a finite number, got ${show(b)}` };
    };
    const min = bound("min");
    const max = bound("max");
    if (typeof min === "object") return min;
    if (typeof max === "object") return max;
    if (min === undefined && max === undefined)
      return { field, message: 'a range needs "min", "max" or both' };
    if (min !== undefined && max !== undefined && min > max)
      return { field, message: `a range's min (${min}) is above its max (${max})` };
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  return {
    field,
    message: `expected a string, a number, a list of them or {"min": …, "max": …}, got ${show(v)}`,
  };
}

/** Reads a request's `filter`: an object of 1 to 16 fields; a problem names the field. */
export function parseFilter(v: unknown): { filter: ItemFilter } | { problem: FilterProblem } {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return {
      problem: { field: "filter", message: `filter must be an object of item attributes: ${EXAMPLE}` },
    };
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_FILTER_FIELDS)
    return {
      problem: {
        field: "filter",
        message: `filter must name 1 to ${MAX_FILTER_FIELDS} item attributes, got ${entries.length}: ${EXAMPLE}`,
      },
    };
  const out: Record<string, FieldCondition> = {};
  for (const [name, raw] of entries) {
    const c = condition(`filter.${name.slice(0, 100)}`, raw);
    if ("field" in c) return { problem: c };
    out[name] = c;
  }
  return { filter: out };
}

/**
 * The filter as canonical text: fields sorted, a list's values sorted and deduplicated, so two
 * requests that keep the same items write the same text.
 */
export function filterText(filter: ItemFilter): string {
  const canon = Object.keys(filter)
    .sort()
    .map((name) => {
      const c = filter[name]!;
      if (!("values" in c)) return [name, { min: c.min ?? null, max: c.max ?? null }];
      const vals = [...new Set(c.values)].sort((a, b) =>
        typeof a === "number" && typeof b === "number"
          ? a - b
          : String(a) < String(b)
            ? -1
            : String(a) > String(b)
              ? 1
              : 0,
      );
      return [name, vals];
    });
  return JSON.stringify(canon);
}
