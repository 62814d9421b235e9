// Opens the project's state store: PostgreSQL when MLC_STATE_URL (or `project { state = … }`) is a
// postgres:// URL, otherwise SQLite (default `<project>/.mlc/state.db`). Migrates the schema on open.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { storageSettings } from "../storage-settings.js";
import { migrate } from "./migrations.js";
import { openSqliteDb } from "./sqlite-db.js";
import { SqlStateStore } from "./sql-store.js";
import type { StateStore } from "../../ir/state-store.js";

interface OpenStateOptions {
  /** Overrides MLC_STATE_URL and the project block (postgres://… or a SQLite file path). */
  url?: string;
  /** PostgreSQL schema to keep the state in (created if missing); default: the connection's search_path. */
  schema?: string;
}

export function stateDir(projectDir: string): string {
  return join(projectDir, ".mlc");
}

export async function openState(projectDir: string, opts: OpenStateOptions = {}): Promise<StateStore> {
  const url = opts.url ?? storageSettings(projectDir).state;
  const db =
    url && /^postgres(ql)?:\/\//.test(url)
      ? // `pg` is loaded only for PostgreSQL states, so a SQLite plan does not pay for it.
        await (
          await import("./postgres-db.js")
        ).openPostgresDb(url, opts.schema ?? (process.env.MLC_STATE_SCHEMA || undefined))
      : openSqliteDb(
          url ??
            (mkdirSync(stateDir(projectDir), { recursive: true }), join(stateDir(projectDir), "state.db")),
        );
  try {
    await migrate(db);
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
  return new SqlStateStore(db);
}
