// The registry records (model versions, aliases, review labels…) over the SQL layer both backends
// implement: keyed JSON records, atomic counters, and transactions that read then write with no
// other writer in between (BEGIN IMMEDIATE on SQLite; an advisory lock per name on PostgreSQL).
import { jsonText } from "../../ir/json-text.js";
import type { Json } from "../../ir/graph-ir.js";
import type { RegistryRecord, RegistryRecords } from "../../ir/state-store.js";
import type { Queryable, Row } from "./db.js";

type Tx = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

const recordFromRow = (r: Row): RegistryRecord => ({
  collection: String(r.collection ?? ""),
  key: String(r.key ?? ""),
  value: JSON.parse(String(r.value)) as Json,
  refs: JSON.parse(String(r.refs)) as string[],
  updated: String(r.updated ?? ""),
});

/**
 * Records read and written through `q`; `tx` runs a transaction (on the database, or — inside one
 * already — on `q` itself, so nested steps join the outer transaction instead of waiting for it).
 */
export function sqlRecords(q: Queryable, dialect: "sqlite" | "postgres", tx: Tx): RegistryRecords {
  const put = (on: Queryable, collection: string, key: string, value: Json, refs: string[] = []) =>
    on.run(
      `INSERT INTO mlc_records (collection, key, value, refs, updated) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, refs = excluded.refs, updated = excluded.updated`,
      [collection, key, jsonText(value), jsonText(refs), new Date().toISOString()],
    );
  // SQLite's transaction (BEGIN IMMEDIATE) already excludes every other writer; PostgreSQL's needs
  // the name's lock, held to the transaction's end (taking it again in the same transaction is free).
  const lock = async (on: Queryable, name: string) => {
    if (dialect === "postgres")
      await on.all(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.mlc_records.' || ?))`, [
        name,
      ]);
  };
  const get = async (on: Queryable, collection: string, key: string) => {
    const rows = await on.all(`SELECT * FROM mlc_records WHERE collection = ? AND key = ?`, [
      collection,
      key,
    ]);
    return rows[0] ? recordFromRow(rows[0]) : undefined;
  };
  return {
    get: (collection, key) => get(q, collection, key),
    async put(collection, key, value, refs) {
      await put(q, collection, key, value, refs);
    },
    async putMany(entries) {
      await tx(async (t) => {
        for (const e of entries) await put(t, e.collection, e.key, e.value, e.refs);
      });
    },
    async delete(collection, key) {
      return (await q.run(`DELETE FROM mlc_records WHERE collection = ? AND key = ?`, [collection, key])) > 0;
    },
    async list(collection, prefix) {
      const rows = prefix
        ? await q.all(
            `SELECT * FROM mlc_records WHERE collection = ? AND substr(key, 1, ?) = ? ORDER BY key`,
            [collection, prefix.length, prefix],
          )
        : await q.all(`SELECT * FROM mlc_records WHERE collection = ? ORDER BY key`, [collection]);
      return rows.map(recordFromRow);
    },
    async create(collection, key, value, refs = []) {
      const changed = await q.run(
        `INSERT INTO mlc_records (collection, key, value, refs, updated) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collection, key) DO NOTHING`,
        [collection, key, jsonText(value), jsonText(refs), new Date().toISOString()],
      );
      return changed > 0;
    },
    async update(collection, key, change) {
      return tx(async (t) => {
        await lock(t, `${collection}/${key}`);
        const next = change(await get(t, collection, key));
        if (!next) return false;
        await put(t, collection, key, next.value, next.refs);
        return true;
      });
    },
    atomically(name, fn) {
      return tx(async (t) => {
        await lock(t, `atomically:${name}`);
        return fn(sqlRecords(t, dialect, (inner) => inner(t)));
      });
    },
    async raiseSequence(name, used) {
      await tx(async (t) => {
        await t.run(`INSERT INTO mlc_sequences (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`, [
          name,
        ]);
        await t.run(`UPDATE mlc_sequences SET value = ? WHERE name = ? AND value < ?`, [used, name, used]);
      });
    },
    async count() {
      const rows = await q.all(`SELECT COUNT(*) AS n FROM mlc_records`);
      return Number(rows[0]?.n ?? 0);
    },
    async nextSequence(name) {
      return tx(async (t) => {
        await t.run(`INSERT INTO mlc_sequences (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`, [
          name,
        ]);
        await t.run(`UPDATE mlc_sequences SET value = value + 1 WHERE name = ?`, [name]);
        const rows = await t.all(`SELECT value FROM mlc_sequences WHERE name = ?`, [name]);
        return Number(rows[0]!.value);
      });
    },
  };
}
