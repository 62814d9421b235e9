// The recommendation a deployment gives one user: the model path (exact top-K over the retrieval
// file's catalogue) for a user training saw, else the deployment's cold-start chain in order, else
// nothing (the caller answers 404). Shared by POST /v1/recommend and batch top-K (`mlc recommend`).
// With a two-tower model, the chain's `two_tower` answers a user the request describes by `features`,
// and items the request adds by `new_items` are ranked beside the catalogue on every path but
// popularity (they have none), marked `"new_item": true`. A `filter` on the catalogue's item
// attributes keeps only the items it names, on every path, before the top-K (src/serve/recommend-filter.ts).
import type { ExtraItem, Recommendation, Retrieval } from "../ml/recommend/retrieval.js";
import type { ColdStartPath } from "./recommend-config.js";
import { coldVector, MAX_NEW_ITEMS, newItemVectors } from "./recommend-cold.js";
import { filterMask, rawItemPasses, type ItemFilter } from "../ml/recommend/item-attributes.js";
import { parseFilter } from "./recommend-filter.js";

/** The largest k a request may ask for. */
export const MAX_K = 1000;
export const DEFAULT_K = 10;

export interface RecommendQuery {
  /** The user's index value (the model's user feature). */
  user: number;
  k: number;
  excludeSeen: boolean;
  /** The user's raw side features, for a two-tower model's cold start. */
  features?: Record<string, unknown>;
  /** Items outside the catalogue, each with its raw side features. */
  newItems?: { item: number; features: Record<string, unknown> }[];
  /** Only items whose attributes pass (src/ml/recommend/item-attributes.ts). */
  filter?: ItemFilter;
}

/** Which path answered: the model, or one of the cold-start chain. */
export type RecommendPath = "model" | ColdStartPath;

export type RecommendOutcome =
  | { path: RecommendPath; items: Recommendation[] }
  | { unknownUser: true }
  | { problem: QueryProblem & { status: 400 | 404 } };

// a filter's mask, per filter object and retrieval: batch top-K passes one filter for every user
const masks = new WeakMap<ItemFilter, WeakMap<Retrieval, Uint8Array | QueryProblem>>();

/** The catalogue entries `filter` keeps, or the problem with it (src/ml/recommend/item-attributes.ts). */
export function maskOf(retrieval: Retrieval, filter: ItemFilter): Uint8Array | QueryProblem {
  let byRetrieval = masks.get(filter);
  if (!byRetrieval) masks.set(filter, (byRetrieval = new WeakMap()));
  let m = byRetrieval.get(retrieval);
  if (!m)
    byRetrieval.set(retrieval, (m = filterMask(retrieval.attributes, filter, retrieval.catalogue.length)));
  return m;
}

const NO_TOWERS = "is read by a two_tower model's towers, and this version is not a two_tower model";

export function recommendFor(
  retrieval: Retrieval,
  coldStart: readonly ColdStartPath[] | undefined,
  q: RecommendQuery,
): RecommendOutcome {
  const cs = retrieval.coldStart;
  let allow: Uint8Array | undefined;
  if (q.filter) {
    const m = maskOf(retrieval, q.filter);
    if (!(m instanceof Uint8Array)) return { problem: { ...m, status: 400 } };
    allow = m;
  }
  let extra: ExtraItem[] = [];
  if (q.newItems?.length) {
    if (!cs) return { problem: { field: "new_items", message: `new_items ${NO_TOWERS}`, status: 404 } };
    const known = q.newItems.find((it) => retrieval.inCatalogue(it.item));
    if (known)
      return {
        problem: {
          field: "new_items",
          message: `item ${known.item} is in the catalogue already; new_items are items training never saw`,
          status: 400,
        },
      };
    const v = newItemVectors(cs, q.newItems);
    if (!Array.isArray(v)) return { problem: { ...v, status: 400 } };
    const filter = q.filter;
    extra = filter ? v.filter((_, j) => rawItemPasses(filter, q.newItems![j]!.features)) : v;
  }
  const mark = (items: Recommendation[]): Recommendation[] => {
    if (extra.length === 0) return items;
    const added = new Set(extra.map((e) => e.item));
    return items.map((r) => (added.has(r.item) ? { ...r, new_item: true } : r));
  };
  const u = retrieval.userRow(q.user);
  if (u >= 0) return { path: "model", items: mark(retrieval.topK(u, q.k, q.excludeSeen, extra, allow)) };
  for (const path of coldStart ?? []) {
    switch (path) {
      case "two_tower": {
        if (q.features === undefined) continue; // nothing to compute the user's vector from
        if (!cs) return { problem: { field: "features", message: `features ${NO_TOWERS}`, status: 404 } };
        const v = coldVector(cs, "user", q.features, "features");
        if (!(v instanceof Float64Array)) return { problem: { ...v, status: 400 } };
        return { path, items: mark(retrieval.topKForVector(v, q.k, extra, allow)) };
      }
      case "popularity":
        // a cold-start user has no seen items to exclude
        return { path, items: retrieval.popular(q.k, undefined, allow) };
    }
  }
  return { unknownUser: true };
}

export type QueryProblem = { field: string; message: string };

const FIELDS = ["user", "k", "exclude_seen", "features", "new_items", "filter"];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `new_items`: a list of objects, each an `item` index and its raw side features. */
function parseNewItems(v: unknown): RecommendQuery["newItems"] | QueryProblem {
  if (!Array.isArray(v) || v.length > MAX_NEW_ITEMS)
    return {
      field: "new_items",
      message: `new_items must be a list of at most ${MAX_NEW_ITEMS} objects like {"item": 901, "category": "books"}`,
    };
  const out: NonNullable<RecommendQuery["newItems"]> = [];
  const ids = new Set<number>();
  for (const [k, it] of v.entries()) {
    if (!isObject(it))
      return { field: `new_items[${k}]`, message: "expected an object with an item and its features" };
    const { item, ...features } = it;
    if (typeof item !== "number" || !Number.isSafeInteger(item) || item < 0)
      return {
        field: `new_items[${k}].item`,
        message: `item must be an item index (a whole number, 0 or more), got ${JSON.stringify(item)?.slice(0, 100)}`,
      };
    if (ids.has(item)) return { field: `new_items[${k}].item`, message: `item ${item} is listed twice` };
    ids.add(item);
    out.push({ item, features });
  }
  return out;
}

/** Reads a request body `{user, k?, exclude_seen?, features?, new_items?, filter?}`; a problem names the field. */
export function parseRecommendQuery(body: unknown): RecommendQuery | QueryProblem {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { field: "", message: 'expected a JSON object: {"user": 12, "k": 10, "exclude_seen": true}' };
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b))
    if (!FIELDS.includes(key))
      return { field: key, message: `unknown field '${key.slice(0, 100)}' (fields: ${FIELDS.join(", ")})` };
  const rawUser = b.user;
  const user =
    typeof rawUser === "number"
      ? rawUser
      : typeof rawUser === "string" && /^\d{1,15}$/.test(rawUser)
        ? Number(rawUser)
        : NaN;
  if (rawUser === undefined) return { field: "user", message: "user is required" };
  if (!Number.isSafeInteger(user) || user < 0)
    return {
      field: "user",
      message: `user must be a user index (a whole number, 0 or more), got ${JSON.stringify(rawUser)?.slice(0, 100)}`,
    };
  const k = b.k === undefined ? DEFAULT_K : b.k;
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > MAX_K)
    return {
      field: "k",
      message: `k must be a whole number from 1 to ${MAX_K}, got ${JSON.stringify(k)?.slice(0, 100)}`,
    };
  const ex = b.exclude_seen === undefined ? false : b.exclude_seen;
  if (typeof ex !== "boolean")
    return {
      field: "exclude_seen",
      message: `exclude_seen must be true or false, got ${JSON.stringify(ex)?.slice(0, 100)}`,
    };
  if (b.features !== undefined && !isObject(b.features))
    return {
      field: "features",
      message: 'features must be an object of the user\'s side features: {"segment": "premium"}',
    };
  const newItems = b.new_items === undefined ? undefined : parseNewItems(b.new_items);
  if (newItems && "message" in newItems) return newItems;
  const filter = b.filter === undefined ? undefined : parseFilter(b.filter);
  if (filter && "problem" in filter) return filter.problem;
  return {
    user,
    k,
    excludeSeen: ex,
    ...(b.features !== undefined ? { features: b.features as Record<string, unknown> } : {}),
    ...(newItems ? { newItems } : {}),
    ...(filter ? { filter: filter.filter } : {}),
  };
}
