// The small SQL layer both state backends implement: queries with `?` parameter markers, async
// transactions. The state store is written once against it (sql-store.ts).

import type { StateChanges } from "../../ir/state-store.js";

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface Queryable {
  all(sql: string, params?: SqlValue[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

export interface Db extends Queryable {
  readonly dialect: "sqlite" | "postgres";
  readonly location: string;
  /** Runs `fn` in one transaction; statements outside it wait until it ends. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Named locks tied to this process's database session, released by the server if the process
   * dies (PostgreSQL advisory locks). Several may be held at once; a shared hold of a name excludes
   * only an exclusive one.
   */
  readonly sessionLocks?: SessionLocks;
  /** Change announcements between processes sharing this database (PostgreSQL LISTEN/NOTIFY). */
  readonly notifications?: StateChanges;
  close(): Promise<void>;
}

export type SessionLockMode = "exclusive" | "shared";

export interface SessionLocks {
  /** Takes the lock `name` in `mode` at once, or returns false (never waits). */
  tryAcquire(name: string, mode: SessionLockMode): Promise<boolean>;
  release(name: string, mode: SessionLockMode): Promise<void>;
  /** The server's id of the session holding this process's locks (its backend pid), once one is held. */
  session(): Promise<number | undefined>;
  /** Which of these server sessions are still connected. */
  liveSessions(ids: number[]): Promise<Set<number>>;
}

/** Serialises async critical sections on one connection. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
