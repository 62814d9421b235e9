// The catalogue's item attributes, kept in a retrieval file so /v1/recommend and batch top-K can
// filter on them (`"filter": {"category": "books"}`): every column of the training rows whose value
// is the same on all training rows of each item (a category, a price band), recorded per catalogue
// entry. A column that varies within an item (a user's segment, an item's age at the event) is not
// an attribute of the item and is left out. A filter names attributes and the values to keep:
// one value (equality), a list (any of), or for a number a range `{min, max}` (both inclusive); an
// item must satisfy every field it names, and an item with no value for a field never does.
// `filterMask` turns a filter into a mask over the catalogue applied before the top-K selection,
// so the K answered are the exact best among the items kept.

/** One attribute, per catalogue entry: a category's value codes (-1: missing) or a number (NaN: missing). */
export type ItemAttribute =
  | { name: string; kind: "category"; values: string[]; codes: Int32Array }
  | { name: string; kind: "number"; numbers: Float64Array };

/** What a request keeps of one field: values (strings or numbers), or a numeric range. */
export type FieldCondition = { values: readonly (string | number)[] } | { min?: number; max?: number };

/** A request's filter: field name → condition, every field to hold. */
export type ItemFilter = Readonly<Record<string, FieldCondition>>;

export type FilterProblem = { field: string; message: string };

/** A column of the training rows, read raw: strings, numbers, or missing (null, undefined, NaN, ""). */
export interface RawColumn {
  name: string;
  values: ArrayLike<unknown>;
}

const isMissing = (v: unknown): boolean =>
  v === null || v === undefined || v === "" || (typeof v === "number" && Number.isNaN(v));

/**
 * The attributes among `columns`: those whose every value is a string or a finite number (or
 * missing) and that hold one value (missing counting as one) on all rows of each catalogue item.
 * `catalogueEntry[r]` is the catalogue entry of row r (-1: the row's item is not in the catalogue).
 */
export function itemAttributesOf(
  columns: readonly RawColumn[],
  catalogueEntry: Int32Array,
  catalogueSize: number,
): ItemAttribute[] {
  const out: ItemAttribute[] = [];
  const n = catalogueEntry.length;
  next: for (const col of columns) {
    const v = col.values;
    let kind: "category" | "number" | undefined;
    for (let r = 0; r < n; r++) {
      const x = v[r];
      if (isMissing(x)) continue;
      const k =
        typeof x === "string"
          ? "category"
          : typeof x === "number" && Number.isFinite(x)
            ? "number"
            : undefined;
      if (!k || (kind && k !== kind)) continue next;
      kind = k;
    }
    if (!kind) continue; // all missing: nothing to filter on
    // the value of each entry's first row; 2 = not seen yet (codes: -2)
    if (kind === "number") {
      const numbers = new Float64Array(catalogueSize);
      const set = new Uint8Array(catalogueSize);
      for (let r = 0; r < n; r++) {
        const c = catalogueEntry[r]!;
        if (c < 0) continue;
        const x = isMissing(v[r]) ? NaN : (v[r] as number);
        if (!set[c]) {
          set[c] = 1;
          numbers[c] = x;
        } else if (!Object.is(numbers[c], x)) continue next;
      }
      out.push({ name: col.name, kind, numbers });
    } else {
      const codes = new Int32Array(catalogueSize).fill(-2);
      const byValue = new Map<string, number>();
      for (let r = 0; r < n; r++) {
        const c = catalogueEntry[r]!;
        if (c < 0) continue;
        const x = v[r];
        let code = -1;
        if (!isMissing(x)) {
          code = byValue.get(x as string) ?? -1;
          if (code < 0) byValue.set(x as string, (code = byValue.size));
        }
        if (codes[c] === -2) codes[c] = code;
        else if (codes[c] !== code) continue next;
      }
      // codes in the order of the sorted values, so the same rows give the same bytes whatever their order
      const values = [...byValue.keys()].sort();
      const recode = new Int32Array(values.length);
      values.forEach((s, k) => (recode[byValue.get(s)!] = k));
      for (let c = 0; c < catalogueSize; c++) codes[c] = codes[c]! >= 0 ? recode[codes[c]!]! : -1;
      out.push({ name: col.name, kind, values, codes });
    }
  }
  return out;
}

const describeAttributes = (attrs: readonly ItemAttribute[]): string =>
  attrs.length
    ? `the catalogue's item attributes: ${attrs.map((a) => `${a.name} (${a.kind})`).join(", ")}`
    : "this version's retrieval file keeps no item attributes (no column of its training rows holds one value per item, or it was trained before mlc kept them: apply it again)";

/**
 * The catalogue entries a filter keeps (1) as a mask, or the problem with the filter naming the
 * field (`filter.category`): a field that is no attribute, or a condition of the wrong kind.
 */
export function filterMask(
  attrs: readonly ItemAttribute[],
  filter: ItemFilter,
  catalogueSize: number,
): Uint8Array | FilterProblem {
  const mask = new Uint8Array(catalogueSize).fill(1);
  for (const [name, cond] of Object.entries(filter)) {
    const field = `filter.${name.slice(0, 100)}`;
    const attr = attrs.find((a) => a.name === name);
    if (!attr)
      return { field, message: `no item attribute '${name.slice(0, 100)}': ${describeAttributes(attrs)}` };
    if (attr.kind === "category") {
      if (!("values" in cond) || cond.values.some((x) => typeof x !== "string"))
        return {
          field,
          message: `${name} is a category: expected a string or a list of strings, got ${describeCondition(cond)}`,
        };
      const wanted = new Set<number>();
      for (const s of cond.values) {
        const code = attr.values.indexOf(s as string);
        if (code >= 0) wanted.add(code); // a value no catalogue item has keeps nothing
      }
      for (let c = 0; c < catalogueSize; c++) if (!wanted.has(attr.codes[c]!)) mask[c] = 0;
    } else {
      if ("values" in cond && cond.values.some((x) => typeof x !== "number"))
        return {
          field,
          message: `${name} is a number: expected a number, a list of numbers or {"min": …, "max": …}, got ${describeCondition(cond)}`,
        };
      const keep = numberTest(cond);
      for (let c = 0; c < catalogueSize; c++) if (!keep(attr.numbers[c]!)) mask[c] = 0;
    }
  }
  return mask;
}

function describeCondition(cond: FieldCondition): string {
  return (
    JSON.stringify(
      "values" in cond ? (cond.values.length === 1 ? cond.values[0] : cond.values) : cond,
    )?.slice(0, 100) ?? ""
  );
}

/** The test of a numeric condition; a missing value (NaN) never passes. */
function numberTest(cond: FieldCondition): (x: number) => boolean {
  if ("values" in cond) {
    const set = new Set(cond.values as number[]);
    return (x) => set.has(x);
  }
  const lo = cond.min ?? -Infinity;
  const hi = cond.max ?? Infinity;
  return (x) => x >= lo && x <= hi;
}

/**
 * Whether an item known only by the raw features a request gives (`new_items`) passes the filter:
 * each field's value read as the catalogue's attribute of that name is (a string for a category, a
 * number for a number); a field the item does not give fails. Call after `filterMask` accepted the filter.
 */
export function rawItemPasses(filter: ItemFilter, features: Record<string, unknown>): boolean {
  for (const [name, cond] of Object.entries(filter)) {
    const v = features[name];
    if (isMissing(v)) return false;
    if ("values" in cond) {
      if (!cond.values.includes(v as string | number)) return false;
    } else if (typeof v !== "number" || !numberTest(cond)(v)) return false;
  }
  return true;
}

/** The attributes as a retrieval file keeps them: a header list and one array each (`attr.<name>`). */
export function packAttributes(attrs: readonly ItemAttribute[]): {
  header: { name: string; kind: string; values?: string[] }[];
  arrays: [string, Int32Array | Float64Array][];
} {
  return {
    header: attrs.map((a) => ({
      name: a.name,
      kind: a.kind,
      ...(a.kind === "category" ? { values: a.values } : {}),
    })),
    arrays: attrs.map((a) => [`attr.${a.name}`, a.kind === "category" ? a.codes : a.numbers]),
  };
}

/** Reads what `packAttributes` wrote; throws naming what does not agree. */
export function unpackAttributes(
  header: unknown,
  array: (name: string, kind: "category" | "number") => Int32Array | Float64Array,
  catalogueSize: number,
): ItemAttribute[] {
  if (header === undefined) return [];
  if (!Array.isArray(header)) throw new Error("retrieval file: its item attributes are not a list");
  return header.map((h: unknown): ItemAttribute => {
    const e = (h ?? {}) as { name?: unknown; kind?: unknown; values?: unknown };
    if (typeof e.name !== "string" || (e.kind !== "category" && e.kind !== "number"))
      throw new Error("retrieval file: an item attribute has no name or kind");
    const a = array(`attr.${e.name}`, e.kind);
    if (a.length !== catalogueSize)
      throw new Error(`retrieval file: item attribute '${e.name}' does not cover the catalogue`);
    if (e.kind === "number") return { name: e.name, kind: "number", numbers: a as Float64Array };
    const values = e.values;
    if (!Array.isArray(values) || !values.every((x) => typeof x === "string"))
      throw new Error(`retrieval file: item attribute '${e.name}' has no values`);
    const codes = a as Int32Array;
    if (codes.some((c) => c < -1 || c >= values.length))
      throw new Error(`retrieval file: item attribute '${e.name}' has a code outside its values`);
    return { name: e.name, kind: "category", values: values as string[], codes };
  });
}
