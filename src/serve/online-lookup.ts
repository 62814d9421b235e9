// Serving-side online lookup: a deployment version's online table, opened once per pointer, fills
// the looked-up inputs a request record leaves out from the row of the record's entity key.
// A value the record supplies wins; an unknown entity is the client's error (404), not a null row.
import {
  entityId,
  openOnlineStore,
  storeKey,
  type OnlineRef,
  type OnlineStore,
  type OnlineTableMeta,
} from "./online-store.js";
import { isObj } from "../ir/graph-ir.js";

interface LookupProblem {
  status: 400 | 404;
  error: "invalid_input" | "unknown_entity";
  field: string;
  message: string;
  index?: number;
}

type FillResult = { records: unknown[]; filled: boolean[] } | LookupProblem;

export const isLookupProblem = (r: FillResult): r is LookupProblem => "status" in r;

const shown = (v: unknown): string =>
  typeof v === "string" ? `'${v.slice(0, 60)}'` : (JSON.stringify(v) ?? String(v));

export class OnlineView {
  private readonly names: string[];

  constructor(
    readonly ref: OnlineRef,
    readonly meta: OnlineTableMeta,
    private readonly store: OnlineStore,
  ) {
    this.names = meta.columns.map((c) => c.name);
  }

  /** What GET /v1/model shows: key, looked-up inputs, freshness. No store URL. */
  describe(): Record<string, unknown> {
    return {
      key: this.meta.key,
      inputs: this.names,
      as_of: this.meta.as_of,
      table: this.ref.table,
      store: this.store.describe,
    };
  }

  /**
   * Records with every looked-up input they omit filled in (copies; the inputs are not changed).
   * `filled[i]` says whether record i needed the store. Non-object records pass through for the
   * encoder to refuse.
   */
  async fill(records: readonly unknown[], indexed: boolean): Promise<FillResult> {
    const filled = new Array<boolean>(records.length).fill(false);
    const ids: (string | undefined)[] = new Array(records.length);
    const wanted = new Map<string, number>();
    for (let i = 0; i < records.length; i++) {
      const rec = records[i];
      if (!isObj(rec)) continue;
      const missing = this.names.filter((n) => rec[n] === undefined);
      if (!missing.length) continue;
      const key: unknown[] = [];
      for (const k of this.meta.key) {
        const v = rec[k];
        if (v === undefined || v === null || (typeof v === "object" && !(v instanceof Date))) {
          return {
            status: 400,
            error: "invalid_input",
            field: k,
            ...(indexed ? { index: i } : {}),
            message: `${v === undefined ? "missing" : "invalid"} entity key '${k}': it is needed to look up ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""} (or send those fields)`,
          };
        }
        key.push(v);
      }
      const id = entityId(key);
      ids[i] = id;
      if (!wanted.has(id)) wanted.set(id, wanted.size);
      filled[i] = true;
    }
    if (!wanted.size) return { records: records as unknown[], filled };
    const rows = await this.store.lookup(this.ref.table, [...wanted.keys()]);
    const out = records.slice();
    for (let i = 0; i < records.length; i++) {
      if (!filled[i]) continue;
      const row = rows[wanted.get(ids[i]!)!];
      const rec = records[i] as Record<string, unknown>;
      if (!row) {
        const key = this.meta.key.map((k) => `${k} ${shown(rec[k])}`).join(", ");
        return {
          status: 404,
          error: "unknown_entity",
          field: this.meta.key[0] ?? "",
          ...(indexed ? { index: i } : {}),
          message: `no online features for ${key} (as of ${this.meta.as_of}); send ${this.names.slice(0, 5).join(", ")}${this.names.length > 5 ? ", …" : ""} in the record instead`,
        };
      }
      const copy: Record<string, unknown> = { ...rec };
      this.names.forEach((n, c) => {
        if (copy[n] === undefined) copy[n] = row[c];
      });
      out[i] = copy;
    }
    return { records: out, filled };
  }
}

/** Opens the stores online tables live in, one connection per store for the server's lifetime. */
export class OnlineStores {
  private readonly open = new Map<string, Promise<OnlineStore>>();

  constructor(private readonly projectDir: string) {}

  /** The view of one table; throws when the store cannot be opened or holds no such table. */
  async view(ref: OnlineRef): Promise<OnlineView> {
    const k = storeKey(this.projectDir, ref.store);
    let s = this.open.get(k);
    if (!s) {
      s = openOnlineStore(this.projectDir, ref.store, { readonly: true });
      this.open.set(k, s);
      s.catch(() => this.open.delete(k)); // a store that failed to open is tried again on the next pointer
    }
    const store = await s;
    const meta = await store.meta(ref.table);
    if (!meta) throw new Error(`the online store ${store.describe} has no table ${ref.table}`);
    return new OnlineView(ref, meta, store);
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(
      all.map((p) =>
        p.then(
          (s) => s.close(),
          () => undefined,
        ),
      ),
    );
  }
}
