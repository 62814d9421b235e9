// The small SQL layer both state backends implement: queries with `?` parameter markers, async
// transactions. The state store is written once against it (sql-store.ts).

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
  /** A lock tied to this process's database session, released by the server if the process dies (PostgreSQL). */
  readonly sessionLock?: { tryAcquire(): Promise<boolean>; release(): Promise<void> };
  close(): Promise<void>;
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
