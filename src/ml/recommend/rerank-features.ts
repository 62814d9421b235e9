// The re-ranking features of a (user, item) pair at a time t, from the interaction history before t:
// how recently the user was active, the user's affinity to the item's category (share of the user's
// relevant rows in it, and how recently), and the item's time-decayed popularity. One state and one
// rule serve both halves, so training and serving cannot drift: training sweeps its rows in time
// order and computes each row's features from the state of the training rows strictly before it
// (`pointInTimeFeatures`); serving reads the state of every training row (the stored `RerankHistory`)
// at `asOf`, the newest training time + 1 ms, as an online table is materialised (specs/recommend.md).
// test/ml/rerank-features.test.ts holds hand-computed values and the train/serve parity.

const DAY_MS = 86_400_000;

/** The features, in this order: the model inputs a ranker with a `history` block gains. */
export const RERANK_FEATURES = [
  "user_recency_days",
  "user_relevant",
  "category_affinity",
  "category_recency_days",
  "item_popularity",
] as const;
export type RerankFeature = (typeof RERANK_FEATURES)[number];
export const RERANK_WIDTH = RERANK_FEATURES.length;

/** The raw columns the history is read from (the split's rows). */
export interface HistoryColumns {
  user: string;
  item: string;
  category: string;
  time: string;
}

interface UserState {
  /** Newest time of any of the user's rows. */
  last: number;
  /** Relevant rows. */
  relevant: number;
  /** Per category: relevant rows and the newest of them. */
  byCategory: Map<string, { relevant: number; last: number }>;
}

interface ItemState {
  /** The category of the item's newest row ("" when missing). */
  category: string;
  /** Decayed popularity as of `at`. */
  popularity: number;
  at: number;
}

/** One row of history: its keys, category, time (epoch ms) and whether it is relevant. */
export interface HistoryRow {
  user: number;
  item: number;
  category: string;
  time: number;
  relevant: boolean;
}

const decay = (value: number, from: number, to: number, halfLifeMs: number): number =>
  value === 0 || to <= from ? value : value * Math.pow(0.5, (to - from) / halfLifeMs);

/** The mutable state of the history before some time; `add` only in time order. */
export class HistoryState {
  readonly users = new Map<number, UserState>();
  readonly items = new Map<number, ItemState>();

  constructor(readonly halfLifeMs: number) {
    if (!(halfLifeMs > 0)) throw new Error(`half-life must be positive, got ${halfLifeMs}`);
  }

  add(r: HistoryRow): void {
    let u = this.users.get(r.user);
    if (!u) this.users.set(r.user, (u = { last: r.time, relevant: 0, byCategory: new Map() }));
    if (r.time > u.last) u.last = r.time;
    let it = this.items.get(r.item);
    if (!it) this.items.set(r.item, (it = { category: r.category, popularity: 0, at: r.time }));
    it.category = r.category;
    if (!r.relevant) return;
    u.relevant++;
    if (r.category !== "") {
      const c = u.byCategory.get(r.category);
      if (!c) u.byCategory.set(r.category, { relevant: 1, last: r.time });
      else {
        c.relevant++;
        if (r.time > c.last) c.last = r.time;
      }
    }
    it.popularity = decay(it.popularity, it.at, r.time, this.halfLifeMs) + 1;
    if (r.time > it.at) it.at = r.time;
  }

  /**
   * Writes the features of (user, item) at time t into out[offset…offset+RERANK_WIDTH). `category`
   * is the item's category ("" when unknown). A user without history: recency NaN (missing),
   * relevant 0, affinity NaN; an item without history: popularity 0.
   */
  features(user: number, item: number, category: string, t: number, out: Float64Array, offset = 0): void {
    const u = this.users.get(user);
    const c = u && category !== "" ? u.byCategory.get(category) : undefined;
    const it = this.items.get(item);
    out[offset] = u ? (t - u.last) / DAY_MS : NaN;
    out[offset + 1] = u ? u.relevant : 0;
    out[offset + 2] = u && u.relevant > 0 && category !== "" ? (c?.relevant ?? 0) / u.relevant : NaN;
    out[offset + 3] = c ? (t - c.last) / DAY_MS : NaN;
    out[offset + 4] = it ? decay(it.popularity, it.at, t, this.halfLifeMs) : 0;
  }
}

/**
 * Every row's features from the state of the `counted` rows strictly before its time (rows of one
 * time see none of each other): the training rows' features, and the valid and test rows' from the
 * training history alone. Returns the row-major n × RERANK_WIDTH features and the final state.
 */
export function pointInTimeFeatures(
  rows: readonly HistoryRow[],
  counted: (index: number) => boolean,
  halfLifeMs: number,
): { features: Float64Array; state: HistoryState } {
  const n = rows.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rows[a]!.time - rows[b]!.time || a - b);
  const state = new HistoryState(halfLifeMs);
  const features = new Float64Array(n * RERANK_WIDTH);
  for (let s = 0; s < n;) {
    const t = rows[order[s]!]!.time;
    let e = s;
    while (e < n && rows[order[e]!]!.time === t) e++;
    for (let j = s; j < e; j++) {
      const i = order[j]!;
      const r = rows[i]!;
      state.features(r.user, r.item, r.category, t, features, i * RERANK_WIDTH);
    }
    for (let j = s; j < e; j++) if (counted(order[j]!)) state.add(rows[order[j]!]!);
    s = e;
  }
  return { features, state };
}

const FORMAT = "mlc-rerank-history/1";

interface SavedHistory {
  format: typeof FORMAT;
  columns: HistoryColumns;
  half_life_ms: number;
  as_of: number;
  /** [user, last, relevant, [[category, relevant, last], …]] by user. */
  users: [number, number, number, [string, number, number][]][];
  /** [item, category, popularity, at] by item. */
  items: [number, string, number, number][];
}

/**
 * A ranker version's history (artifact `history`, `history.bin` in its bundle): the state of every
 * training row, read at `asOf` for the candidates /v1/recommend re-ranks.
 */
export class RerankHistory {
  constructor(
    readonly columns: HistoryColumns,
    readonly state: HistoryState,
    /** Epoch ms the serving features are taken at: the newest training time + 1 ms. */
    readonly asOf: number,
  ) {}

  /** The category of an item's newest training row ("" for an item training never showed). */
  categoryOf(item: number): string {
    return this.state.items.get(item)?.category ?? "";
  }

  /** Whether training showed the item. */
  knowsItem(item: number): boolean {
    return this.state.items.has(item);
  }

  /**
   * The records the ranker scores for a user's candidates: the user, item and category columns and
   * the features at `asOf` (a missing value as null, as a request would send it).
   */
  candidateRecords(
    user: number,
    items: readonly number[],
    /** Categories of items training never showed (a request's new items). */
    categories?: ReadonlyMap<number, string>,
  ): Record<string, number | string | null>[] {
    const buf = new Float64Array(RERANK_WIDTH);
    return items.map((item) => {
      const category = this.state.items.has(item) ? this.categoryOf(item) : (categories?.get(item) ?? "");
      this.state.features(user, item, category, this.asOf, buf);
      const rec: Record<string, number | string | null> = {
        [this.columns.user]: user,
        [this.columns.item]: item,
        [this.columns.category]: category === "" ? null : category,
      };
      RERANK_FEATURES.forEach((name, j) => (rec[name] = Number.isNaN(buf[j]!) ? null : buf[j]!));
      return rec;
    });
  }

  serialize(): Uint8Array {
    const byNumber = <T>(m: Map<number, T>): [number, T][] => [...m.entries()].sort((a, b) => a[0] - b[0]);
    const saved: SavedHistory = {
      format: FORMAT,
      columns: this.columns,
      half_life_ms: this.state.halfLifeMs,
      as_of: this.asOf,
      users: byNumber(this.state.users).map(([u, s]) => [
        u,
        s.last,
        s.relevant,
        [...s.byCategory.entries()]
          .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .map(([c, v]) => [c, v.relevant, v.last] as [string, number, number]),
      ]),
      items: byNumber(this.state.items).map(([i, s]) => [i, s.category, s.popularity, s.at]),
    };
    return new TextEncoder().encode(JSON.stringify(saved));
  }

  static deserialize(bytes: Uint8Array): RerankHistory {
    const fail = (m: string): never => {
      throw new Error(`not a re-ranking history file: ${m}`);
    };
    let s: SavedHistory;
    try {
      s = JSON.parse(new TextDecoder().decode(bytes)) as SavedHistory;
    } catch (e) {
      return fail((e as Error).message);
    }
    if (s?.format !== FORMAT) fail(`format ${JSON.stringify(s?.format)}, expected ${FORMAT}`);
    const c = s.columns;
    if (![c?.user, c?.item, c?.category, c?.time].every((v) => typeof v === "string"))
      fail("columns must name user, item, category and time");
    if (!(s.half_life_ms > 0) || !Number.isFinite(s.as_of)) fail("half_life_ms and as_of must be numbers");
    if (!Array.isArray(s.users) || !Array.isArray(s.items)) fail("users and items must be lists");
    const state = new HistoryState(s.half_life_ms);
    for (const [u, last, relevant, cats] of s.users)
      state.users.set(u, {
        last,
        relevant,
        byCategory: new Map(cats.map(([cat, n, l]) => [cat, { relevant: n, last: l }])),
      });
    for (const [i, category, popularity, at] of s.items) state.items.set(i, { category, popularity, at });
    return new RerankHistory({ ...c }, state, s.as_of);
  }
}
