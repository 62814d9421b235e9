// The production online store: Redis. A table is a hash `<prefix>:table:<id>` (entity → JSON values)
// with its meta at `<prefix>:meta:<id>`; it is filled under a temporary key and renamed into place
// with its meta in one MULTI, so readers see a whole table or none.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import {
  entityId,
  OnlineStoreError,
  tableId,
  type OnlineRow,
  type OnlineStore,
  type OnlineTableMeta,
} from "./online-store.js";

const CHUNK = 1000;

export class RedisOnlineStore implements OnlineStore {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly describe: string,
  ) {}

  static async open(url: string, prefix: string, shown: string): Promise<RedisOnlineStore> {
    const redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      connectTimeout: 5000,
    });
    // the URL may hold a password: errors name the store by its description only
    redis.on("error", () => undefined);
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw new OnlineStoreError(
        `cannot connect to the online store ${shown}: ${(e as Error).message.replace(/redis:\/\/\S*/g, "<url>")}`,
      );
    }
    return new RedisOnlineStore(redis, prefix, shown);
  }

  private key(kind: "table" | "meta" | "deployment", id: string): string {
    return `${this.prefix}:${kind}:${id}`;
  }

  async write(meta: OnlineTableMeta, rows: readonly OnlineRow[]): Promise<string> {
    const id = tableId(meta, rows);
    if (await this.redis.exists(this.key("meta", id))) return id;
    const tmp = `${this.prefix}:tmp:${id}:${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const fields: string[] = [];
        for (const r of rows.slice(i, i + CHUNK)) fields.push(entityId(r.key), JSON.stringify(r.values));
        await this.redis.hset(tmp, ...fields);
      }
      const multi = this.redis.multi();
      if (rows.length) multi.rename(tmp, this.key("table", id));
      else multi.del(this.key("table", id));
      multi.set(this.key("meta", id), JSON.stringify(meta));
      multi.sadd(this.key("deployment", meta.deployment), id);
      const res = await multi.exec();
      const failed = res?.find(([err]) => err);
      if (!res || failed)
        throw new OnlineStoreError(
          `writing online table ${id} to ${this.describe} failed: ${failed?.[0]?.message ?? "transaction aborted"}`,
        );
    } finally {
      await this.redis.del(tmp).catch(() => undefined);
    }
    return id;
  }

  async meta(table: string): Promise<OnlineTableMeta | undefined> {
    const text = await this.redis.get(this.key("meta", table));
    return text === null ? undefined : (JSON.parse(text) as OnlineTableMeta);
  }

  async lookup(table: string, entities: readonly string[]): Promise<(OnlineRow["values"] | undefined)[]> {
    if (entities.length === 0) return [];
    const got = await this.redis.hmget(this.key("table", table), ...entities);
    return got.map((v) => (v === null ? undefined : (JSON.parse(v) as OnlineRow["values"])));
  }

  async prune(deployment: string, keep: ReadonlySet<string>): Promise<number> {
    const ids = await this.redis.smembers(this.key("deployment", deployment));
    const drop = ids.filter((id) => !keep.has(id));
    for (const id of drop) {
      await this.redis
        .multi()
        .del(this.key("table", id), this.key("meta", id))
        .srem(this.key("deployment", deployment), id)
        .exec();
    }
    return drop.length;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
