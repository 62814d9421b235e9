// PostgreSQL test schemas: MLC_TEST_PG_URL (tests skip without it), a fresh schema name per test,
// every schema handed out dropped after the file's tests.
import pg from "pg";
import { afterAll } from "vitest";

export const PG = process.env.MLC_TEST_PG_URL;

/** Returns `freshSchema(prefix)`, whose schemas are dropped after the calling file's tests. */
export function pgSchemas(): (prefix: string) => string {
  const schemas: string[] = [];
  afterAll(async () => {
    if (!PG || !schemas.length) return;
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  });
  return (prefix) => {
    const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(schema);
    return schema;
  };
}
