// Retrieval over a factorisation model: the tables of src/ml/recommend/factor-tables.ts plus what
// training knew about the catalogue — the items the training rows show, each user's seen items and
// the items' recent popularity — stored as one byte file with a model version and read by the
// server's /v1/recommend and by batch top-K. Exact top-K: every catalogue item is scored by the same
// rule as a pair (s = g + bᵤ + bᵢ + u·v through the link) and the K best kept in a heap; at 10⁴–10⁵
// items × tens of factors that is a few million multiply-adds per request. An approximate index
// would replace `topK` (same inputs, same output) when catalogues outgrow it. A two-tower model's file
// (format 2) also keeps its towers and the raw values of its category features, so the server can
// compute the vector of a user or item training never saw from its features (cold start).
import { arrayOf, packModel, unpackModel } from "../nn/packed-bytes.js";
import { packTowers, unpackTowers, type TwoTowers } from "../nn/two-tower-towers.js";
import { applyLink, type FactorTables } from "./factor-tables.js";
import {
  itemAttributesOf,
  packAttributes,
  unpackAttributes,
  type ItemAttribute,
  type RawColumn,
} from "./item-attributes.js";

const FILE_KIND = "retrieval";
/** Format 1: tables, catalogue, seen items, popularity. Format 2 adds a two-tower model's towers. */
const FORMAT_WITH_TOWERS = 2;

/**
 * What cold start needs from a two-tower model: its towers, and for each side feature whose model
 * input is a category's code the raw values by code (`vocabularies[name][code]`); any other side
 * feature's raw value is its model input.
 */
export interface ColdStartTowers {
  towers: TwoTowers;
  vocabularies: Record<string, string[]>;
}
const DAY_MS = 86_400_000;

/** How the items' popularity was counted: relevant training rows, decayed by age when times are known. */
export interface PopularityRule {
  /** The timestamp column the decay reads; absent: plain counts. */
  timeColumn?: string;
  /** Half-life of a row's weight, in days (a quarter of the training rows' time span, at least one day). */
  halfLifeDays?: number;
  /** Epoch milliseconds of the newest relevant training row: the age-0 point. */
  asOf?: number;
}

export interface RetrievalInput {
  tables: FactorTables;
  /** The user and item feature names (what a request's `user` and a response's `item` are values of). */
  userColumn: string;
  itemColumn: string;
  /** Per training row: the user and item index values, whether it is relevant, and its time (ms) if known. */
  users: ArrayLike<number>;
  items: ArrayLike<number>;
  relevant: Uint8Array;
  times?: { column: string; ms: Float64Array };
  coldStart?: ColdStartTowers;
  /** Columns of the training rows, raw: those holding one value per item become item attributes. */
  attributeColumns?: readonly RawColumn[];
}

export interface Recommendation {
  item: number;
  score: number;
  /** An item the request added (`new_items`), scored from its features. */
  new_item?: true;
}

const validIndex = (v: number, n: number): number => (Number.isInteger(v) && v >= 0 && v < n ? v : -1);

export class Retrieval {
  /** The catalogue ordered by popularity (descending; ties by item index), built on first use. */
  private popularOrder: Int32Array | undefined;
  private readonly catalogueIndex: Int32Array;

  constructor(
    readonly tables: FactorTables,
    readonly userColumn: string,
    readonly itemColumn: string,
    /** Item indices seen in training, ascending. */
    readonly catalogue: Int32Array,
    /** Popularity of each catalogue entry. */
    readonly popularity: Float64Array,
    /** CSR of each user's seen items (sorted): seenItems[seenOffsets[u] .. seenOffsets[u+1]). */
    readonly seenOffsets: Int32Array,
    readonly seenItems: Int32Array,
    readonly popularityRule: PopularityRule,
    /** A two-tower model's towers, for users and items known only by their features. */
    readonly coldStart?: ColdStartTowers,
    /** The catalogue's item attributes, per catalogue entry, for filters (src/ml/recommend/item-attributes.ts). */
    readonly attributes: readonly ItemAttribute[] = [],
  ) {
    this.catalogueIndex = new Int32Array(tables.nItems).fill(-1);
    catalogue.forEach((item, k) => (this.catalogueIndex[item] = k));
  }

  /** The user's row when training saw the user, else -1 (a cold-start user). */
  userRow(user: number): number {
    const u = validIndex(user, this.tables.nUsers);
    return u >= 0 && this.seenOffsets[u + 1]! > this.seenOffsets[u]! ? u : -1;
  }

  private seen(u: number): Int32Array {
    return this.seenItems.subarray(this.seenOffsets[u]!, this.seenOffsets[u + 1]!);
  }

  /**
   * The K catalogue items with the highest score for a known user row, best first (ties: lower
   * item); with `allow` (a filter's mask over the catalogue entries) only among the entries it keeps.
   */
  topK(
    u: number,
    k: number,
    excludeSeen: boolean,
    extra: readonly ExtraItem[] = [],
    allow?: Uint8Array,
  ): Recommendation[] {
    const t = this.tables;
    const f = t.factors;
    return this.rank(
      t.U.subarray(u * f, u * f + f),
      t.globalBias + t.userBias[u]!,
      k,
      excludeSeen ? this.seen(u) : undefined,
      extra,
      allow,
    );
  }

  /**
   * The K best of the catalogue (the entries `allow` keeps) and `extra` (items known only by their
   * features) for a user vector computed from features (a cold-start user: no bias, nothing seen).
   */
  topKForVector(
    user: ArrayLike<number>,
    k: number,
    extra: readonly ExtraItem[] = [],
    allow?: Uint8Array,
  ): Recommendation[] {
    return this.rank(user, this.tables.globalBias, k, undefined, extra, allow);
  }

  // rawScore(t, u, item), with the user's part (its vector and `base`) hoisted out of the loop. Two
  // passes over typed arrays: every catalogue entry's score into a scratch array (blocked dot products
  // over the contiguous rows of V, each sum in the same order as a pair's score so the figures are the
  // same), then a partial selection of the K best in a typed min-heap whose root is
  // the bar an entry must clear, which most entries fail with one comparison.
  private rank(
    uRow: ArrayLike<number>,
    base: number,
    k: number,
    skip: Int32Array | undefined,
    extra: readonly ExtraItem[],
    allow: Uint8Array | undefined,
  ): Recommendation[] {
    const t = this.tables;
    const f = t.factors;
    const V = t.V;
    const bias = t.itemBias;
    const cat = this.catalogue;
    const n = cat.length;
    const s = this.scratch();
    const u = s.user;
    for (let d = 0; d < f; d++) u[d] = uRow[d]!;
    const scores = s.scores;
    // four entries at a time: four independent sums in flight (each still added in factor order,
    // so every score is the same number a pair's score is), rather than one chain of dependent adds
    let c = 0;
    for (; c + 4 <= n; c += 4) {
      const i0 = cat[c]!;
      const i1 = cat[c + 1]!;
      const i2 = cat[c + 2]!;
      const i3 = cat[c + 3]!;
      const o0 = i0 * f;
      const o1 = i1 * f;
      const o2 = i2 * f;
      const o3 = i3 * f;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let d = 0; d < f; d++) {
        const x = u[d]!;
        d0 += x * V[o0 + d]!;
        d1 += x * V[o1 + d]!;
        d2 += x * V[o2 + d]!;
        d3 += x * V[o3 + d]!;
      }
      scores[c] = base + bias[i0]! + d0;
      scores[c + 1] = base + bias[i1]! + d1;
      scores[c + 2] = base + bias[i2]! + d2;
      scores[c + 3] = base + bias[i3]! + d3;
    }
    for (; c < n; c++) {
      const item = cat[c]!;
      const io = item * f;
      let dot = 0;
      for (let d = 0; d < f; d++) dot += u[d]! * V[io + d]!;
      scores[c] = base + bias[item]! + dot;
    }
    // the entries left out: the filter's, and the user's seen items (marked, then unmarked)
    const out = s.excluded;
    if (skip) for (let j = 0; j < skip.length; j++) out[this.catalogueIndex[skip[j]!]!] = 1;
    const heap = new TopK(k);
    for (let j = 0; j < n; j++) {
      if (out[j] || (allow && !allow[j])) continue;
      heap.offer(cat[j]!, scores[j]!);
    }
    if (skip) for (let j = 0; j < skip.length; j++) out[this.catalogueIndex[skip[j]!]!] = 0;
    for (const e of extra) {
      let dot = 0;
      for (let d = 0; d < f; d++) dot += uRow[d]! * e.vector[d]!;
      heap.offer(e.item, base + dot);
    }
    return heap.sorted().map((r) => ({ item: r.item, score: applyLink(t, r.score) }));
  }

  private scratchArrays: { user: Float64Array; scores: Float64Array; excluded: Uint8Array } | undefined;

  /** Arrays `rank` reuses between calls (it never yields, so one set serves every call). */
  private scratch(): { user: Float64Array; scores: Float64Array; excluded: Uint8Array } {
    return (this.scratchArrays ??= {
      user: new Float64Array(this.tables.factors),
      scores: new Float64Array(this.catalogue.length),
      excluded: new Uint8Array(this.catalogue.length),
    });
  }

  /**
   * The K most popular catalogue items, best first; with a known user row `excludeFor`, minus their
   * items; with `allow`, among the catalogue entries it keeps.
   */
  popular(k: number, excludeFor?: number, allow?: Uint8Array): Recommendation[] {
    if (!this.popularOrder) {
      const order = Int32Array.from(this.catalogue.keys());
      order.sort(
        (a, b) => this.popularity[b]! - this.popularity[a]! || this.catalogue[a]! - this.catalogue[b]!,
      );
      this.popularOrder = order;
    }
    const skip = excludeFor !== undefined && excludeFor >= 0 ? new Set(this.seen(excludeFor)) : undefined;
    const out: Recommendation[] = [];
    for (let j = 0; j < this.popularOrder.length && out.length < k; j++) {
      const c = this.popularOrder[j]!;
      if (allow && !allow[c]) continue;
      const item = this.catalogue[c]!;
      if (skip?.has(item)) continue;
      out.push({ item, score: this.popularity[c]! });
    }
    return out;
  }

  /** The popularity of an item index (0 for one training never showed). */
  popularityOf(item: number): number {
    const c = validIndex(item, this.tables.nItems) >= 0 ? this.catalogueIndex[item]! : -1;
    return c >= 0 ? this.popularity[c]! : 0;
  }

  /** Whether an item index is in the catalogue (seen in training). */
  inCatalogue(item: number): boolean {
    return validIndex(item, this.tables.nItems) >= 0 && this.catalogueIndex[item]! >= 0;
  }

  serialize(): Uint8Array {
    const t = this.tables;
    const towers = this.coldStart ? packTowers(this.coldStart.towers) : undefined;
    // a file without attributes keeps the bytes it had before attributes were kept
    const attrs = this.attributes.length ? packAttributes(this.attributes) : undefined;
    return packModel(
      FILE_KIND,
      {
        ...(towers ? { format: FORMAT_WITH_TOWERS } : {}),
        userColumn: this.userColumn,
        itemColumn: this.itemColumn,
        userFeature: t.userFeature,
        itemFeature: t.itemFeature,
        nUsers: t.nUsers,
        nItems: t.nItems,
        factors: t.factors,
        globalBias: t.globalBias,
        link: t.link,
        popularity: { ...this.popularityRule },
        ...(towers ? { towers: towers.header, vocabularies: this.coldStart!.vocabularies } : {}),
        ...(attrs ? { attributes: attrs.header } : {}),
      },
      [
        ["U", t.U],
        ["V", t.V],
        ["userBias", t.userBias],
        ["itemBias", t.itemBias],
        ["catalogue", this.catalogue],
        ["popularity", this.popularity],
        ["seenOffsets", this.seenOffsets],
        ["seenItems", this.seenItems],
        ...(towers?.arrays ?? []),
        ...(attrs?.arrays ?? []),
      ],
    );
  }

  static deserialize(bytes: Uint8Array): Retrieval {
    const u = unpackModel(FILE_KIND, bytes);
    const h = u.header;
    const num = (k: string): number => {
      const v = h[k];
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`retrieval file: no numeric '${k}'`);
      return v;
    };
    const str = (k: string): string => {
      const v = h[k];
      if (typeof v !== "string") throw new Error(`retrieval file: no '${k}'`);
      return v;
    };
    const format = h.format ?? 1;
    if (format !== 1 && format !== FORMAT_WITH_TOWERS)
      throw new Error(`retrieval file: format ${JSON.stringify(format)} is not one this mlc reads (1, 2)`);
    const link = str("link");
    if (link !== "identity" && link !== "sigmoid") throw new Error(`retrieval file: unknown link '${link}'`);
    const tables: FactorTables = {
      userFeature: num("userFeature"),
      itemFeature: num("itemFeature"),
      nUsers: num("nUsers"),
      nItems: num("nItems"),
      factors: num("factors"),
      U: arrayOf(u, "U", Float32Array),
      V: arrayOf(u, "V", Float32Array),
      userBias: arrayOf(u, "userBias", Float32Array),
      itemBias: arrayOf(u, "itemBias", Float32Array),
      globalBias: num("globalBias"),
      link,
    };
    const f = tables.factors;
    const catalogue = arrayOf(u, "catalogue", Int32Array);
    const popularity = arrayOf(u, "popularity", Float64Array);
    const seenOffsets = arrayOf(u, "seenOffsets", Int32Array);
    const seenItems = arrayOf(u, "seenItems", Int32Array);
    if (
      tables.U.length !== tables.nUsers * f ||
      tables.V.length !== tables.nItems * f ||
      tables.userBias.length !== tables.nUsers ||
      tables.itemBias.length !== tables.nItems ||
      popularity.length !== catalogue.length ||
      seenOffsets.length !== tables.nUsers + 1 ||
      seenOffsets[tables.nUsers] !== seenItems.length ||
      catalogue.some((i) => i < 0 || i >= tables.nItems) ||
      seenItems.some((i) => i < 0 || i >= tables.nItems)
    )
      throw new Error("retrieval file: its tables do not agree in size");
    const rule = (h.popularity ?? {}) as PopularityRule;
    let coldStart: ColdStartTowers | undefined;
    if (format === FORMAT_WITH_TOWERS) {
      const towers = unpackTowers(h.towers, u, "retrieval file");
      const vocab = h.vocabularies;
      if (
        typeof vocab !== "object" ||
        vocab === null ||
        !Object.values(vocab).every((v) => Array.isArray(v) && v.every((x) => typeof x === "string")) ||
        towers.factors !== f
      )
        throw new Error("retrieval file: its towers do not agree with its tables");
      coldStart = { towers, vocabularies: vocab as Record<string, string[]> };
    }
    const attributes = unpackAttributes(
      h.attributes,
      (name, kind) => (kind === "category" ? arrayOf(u, name, Int32Array) : arrayOf(u, name, Float64Array)),
      catalogue.length,
    );
    return new Retrieval(
      tables,
      str("userColumn"),
      str("itemColumn"),
      catalogue,
      popularity,
      seenOffsets,
      seenItems,
      rule,
      coldStart,
      attributes,
    );
  }
}

/** An item outside the catalogue, scored by a vector computed from its features. */
export interface ExtraItem {
  item: number;
  vector: ArrayLike<number>;
}

/** Builds the retrieval of a trained factor model from its training rows. */
export function buildRetrieval(input: RetrievalInput): Retrieval {
  const { tables: t, users, items, relevant } = input;
  const n = users.length;
  const seen: Set<number>[] = Array.from({ length: t.nUsers }, () => new Set<number>());
  const inCatalogue = new Uint8Array(t.nItems);
  for (let r = 0; r < n; r++) {
    const u = validIndex(users[r]!, t.nUsers);
    const i = validIndex(items[r]!, t.nItems);
    if (i < 0) continue;
    inCatalogue[i] = 1;
    if (u >= 0) seen[u]!.add(i);
  }
  const catalogue = Int32Array.from(Array.from(inCatalogue.keys()).filter((i) => inCatalogue[i] === 1));
  const at = new Int32Array(t.nItems).fill(-1);
  catalogue.forEach((item, k) => (at[item] = k));

  const rule: PopularityRule = {};
  let weight: (r: number) => number = () => 1;
  const times = input.times;
  if (times) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < n; r++) {
      const v = times.ms[r]!;
      if (!relevant[r] || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi >= lo) {
      const halfLifeDays = Math.max(1, (hi - lo) / DAY_MS / 4);
      rule.timeColumn = times.column;
      rule.halfLifeDays = halfLifeDays;
      rule.asOf = hi;
      weight = (r) => {
        const v = times.ms[r]!;
        return Number.isFinite(v) ? 0.5 ** ((hi - v) / DAY_MS / halfLifeDays) : 0;
      };
    }
  }
  const popularity = new Float64Array(catalogue.length);
  for (let r = 0; r < n; r++) {
    if (!relevant[r]) continue;
    const i = validIndex(items[r]!, t.nItems);
    if (i >= 0) popularity[at[i]!]! += weight(r);
  }
  const seenOffsets = new Int32Array(t.nUsers + 1);
  for (let u = 0; u < t.nUsers; u++) seenOffsets[u + 1] = seenOffsets[u]! + seen[u]!.size;
  const seenItems = new Int32Array(seenOffsets[t.nUsers]!);
  seen.forEach((s, u) => seenItems.set(Int32Array.from(s).sort(), seenOffsets[u]!));
  const entryOfRow = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = validIndex(items[r]!, t.nItems);
    entryOfRow[r] = i >= 0 ? at[i]! : -1;
  }
  const attributes = input.attributeColumns
    ? itemAttributesOf(input.attributeColumns, entryOfRow, catalogue.length)
    : [];
  return new Retrieval(
    t,
    input.userColumn,
    input.itemColumn,
    catalogue,
    popularity,
    seenOffsets,
    seenItems,
    rule,
    input.coldStart,
    attributes,
  );
}

/**
 * A bounded min-heap of (item, score) in typed arrays keeping the K best; ties go to the lower item
 * index. The root is the worst kept: an offer below it is one comparison.
 */
class TopK {
  private readonly items: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.items = new Int32Array(Math.max(0, k));
    this.scores = new Float64Array(Math.max(0, k));
  }

  /** a ranks below b */
  private worse(a: number, b: number): boolean {
    const sa = this.scores[a]!;
    const sb = this.scores[b]!;
    return sa < sb || (sa === sb && this.items[a]! > this.items[b]!);
  }

  offer(item: number, score: number): void {
    if (this.k <= 0) return;
    if (this.size < this.k) {
      this.items[this.size] = item;
      this.scores[this.size] = score;
      this.up(this.size++);
      return;
    }
    const rootScore = this.scores[0]!;
    if (score < rootScore || (score === rootScore && item > this.items[0]!)) return;
    this.items[0] = item;
    this.scores[0] = score;
    this.down(0);
  }

  private swap(a: number, b: number): void {
    const i = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = i;
    const sc = this.scores[a]!;
    this.scores[a] = this.scores[b]!;
    this.scores[b] = sc;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.worse(l, m)) m = l;
      if (r < n && this.worse(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  sorted(): { item: number; score: number }[] {
    return Array.from({ length: this.size }, (_, j) => ({
      item: this.items[j]!,
      score: this.scores[j]!,
    })).sort((a, b) => b.score - a.score || a.item - b.item);
  }
}
