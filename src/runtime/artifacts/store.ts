// The content-addressed artifact store: `.mlc/objects/ab/cdef…` named by the sha256 of the
// bytes, written to a temporary name and renamed, verified on every read; with a shared store
// (S3 or a folder) behind it, objects are uploaded once and downloaded into this cache on demand.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactAccess, StatCache } from "../../ir/executor.js";
import { MlcError } from "../../ir/errors.js";
import { storageSettings, type ArtifactsSetting } from "../storage-settings.js";
import { DirObjects } from "./dir-remote.js";
import type { RemoteObjects } from "./remote.js";
import { S3Objects } from "./s3-remote.js";

export class ArtifactCorruptError extends MlcError {
  constructor(
    readonly hash: string,
    readonly path: string,
    readonly actual: string,
  ) {
    super("MLC2400", `artifact ${hash.slice(0, 12)} is corrupt: ${path} hashes to ${actual.slice(0, 12)}`, {
      hint: "the file was changed or damaged on disk; `mlc apply --replace NODE` rebuilds the node that made it",
      details: { hash, path, actual },
    });
  }
}

export class ArtifactMissingError extends MlcError {
  constructor(
    readonly hash: string,
    readonly path: string,
  ) {
    super("MLC2401", `artifact ${hash.slice(0, 12)} is missing: ${path} does not exist`, {
      hint: "run `mlc apply --replace NODE` for the node that produced it",
      details: { hash, path },
    });
  }
}

export type ArtifactHealth = "ok" | "missing" | "corrupt";

const HASH = /^[0-9a-f]{64}$/;

interface StoredObject {
  hash: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export class ArtifactStore implements ArtifactAccess {
  readonly objectsDir: string;

  /** `verified` remembers (path, size, mtime) of objects already checked, so `check` need not rehash them. */
  /** `remote`: the shared store behind this local cache, if the project has one. */
  constructor(
    readonly root: string,
    private readonly verified?: StatCache,
    readonly remote?: RemoteObjects,
  ) {
    this.objectsDir = join(root, "objects");
  }

  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not an artifact hash: '${hash}'`);
    return join(this.objectsDir, hash.slice(0, 2), hash.slice(2));
  }

  async put(bytes: Uint8Array): Promise<string> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    const path = this.pathOf(hash);
    // An existing object is reused only when it verifies: a corrupt one is overwritten.
    if ((await this.checkLocal(hash)) !== "ok") {
      const tmp = await this.tempPath();
      await writeFile(tmp, bytes);
      await this.publish(tmp, path, hash);
    }
    await this.share(hash);
    return hash;
  }

  /** Copies a (large) file into the store, hashing it as it streams. */
  async putFile(file: string): Promise<string> {
    const tmp = await this.tempPath();
    const h = createHash("sha256");
    const out = await open(tmp, "w");
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) {
        const b = chunk as Buffer;
        h.update(b);
        await out.write(b);
      }
      await out.sync();
    } finally {
      await out.close();
    }
    const hash = h.digest("hex");
    const path = this.pathOf(hash);
    if ((await this.checkLocal(hash)) === "ok") await unlink(tmp);
    else await this.publish(tmp, path, hash);
    await this.share(hash);
    return hash;
  }

  async get(hash: string): Promise<Uint8Array> {
    const path = this.pathOf(hash);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      if (!this.remote) throw new ArtifactMissingError(hash, path);
      return this.fetch(hash);
    }
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== hash) {
      // A damaged cached copy is replaced by the shared store's, which is verified in turn.
      if (this.remote) return this.fetch(hash);
      throw new ArtifactCorruptError(hash, path, actual);
    }
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    if ((await stat(this.pathOf(hash)).catch(() => undefined)) !== undefined) return true;
    return this.remote ? this.remote.has(hash) : false;
  }

  /**
   * Missing, corrupt or ok. An object not cached here is ok when the shared store has it (it is
   * verified when downloaded); a damaged cached copy is downloaded again.
   */
  async check(hash: string): Promise<ArtifactHealth> {
    const local = await this.checkLocal(hash);
    if (local === "ok" || !this.remote) return local;
    if (local === "missing") return (await this.remote.has(hash)) ? "ok" : "missing";
    try {
      await this.fetch(hash);
      return "ok";
    } catch (e) {
      if (e instanceof ArtifactMissingError) return "corrupt";
      if (e instanceof ArtifactCorruptError) return "corrupt";
      throw e;
    }
  }

  /** The cached copy only; rehashes only objects whose size or mtime changed since last verified. */
  private async checkLocal(hash: string): Promise<ArtifactHealth> {
    const path = this.pathOf(hash);
    const st = await stat(path).catch(() => undefined);
    if (!st) return "missing";
    if (this.verified?.lookup(path, st.size, st.mtimeMs) === hash) return "ok";
    const h = createHash("sha256");
    for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) h.update(chunk as Buffer);
    const actual = h.digest("hex");
    if (actual !== hash) return "corrupt";
    this.verified?.record(path, st.size, st.mtimeMs, hash);
    return "ok";
  }

  async sizeOf(hash: string): Promise<number> {
    return (await stat(this.pathOf(hash))).size;
  }

  /** Every object in the store (for gc). */
  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    const prefixes = await readdir(this.objectsDir).catch(() => [] as string[]);
    for (const p of prefixes) {
      if (!/^[0-9a-f]{2}$/.test(p)) continue;
      for (const rest of await readdir(join(this.objectsDir, p))) {
        const hash = p + rest;
        if (!HASH.test(hash)) continue;
        const path = join(this.objectsDir, p, rest);
        const st = await stat(path).catch(() => undefined);
        if (st) out.push({ hash, path, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    return out;
  }

  async remove(hash: string): Promise<void> {
    await rm(this.pathOf(hash), { force: true });
  }

  /** Temporary files left by killed writers, older than `olderThanMs`. */
  async staleTemps(olderThanMs: number): Promise<string[]> {
    const dir = join(this.objectsDir, "tmp");
    const now = Date.now();
    const out: string[] = [];
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const st = await stat(join(dir, f)).catch(() => undefined);
      if (st && now - st.mtimeMs > olderThanMs) out.push(join(dir, f));
    }
    return out;
  }

  /** Uploads a cached object to the shared store unless it is there already (HEAD before PUT). */
  private async share(hash: string): Promise<void> {
    if (this.remote && !(await this.remote.has(hash))) await this.remote.upload(hash, this.pathOf(hash));
  }

  /** Downloads an object from the shared store, verifies it and caches it here. */
  private async fetch(hash: string): Promise<Uint8Array> {
    const remote = this.remote!;
    const where = `${remote.location} (object ${hash})`;
    const bytes = await remote.download(hash);
    if (!bytes) throw new ArtifactMissingError(hash, where);
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== hash) throw new ArtifactCorruptError(hash, where, actual);
    const tmp = await this.tempPath();
    await writeFile(tmp, bytes);
    await this.publish(tmp, this.pathOf(hash), hash);
    return bytes;
  }

  private async tempPath(): Promise<string> {
    const dir = join(this.objectsDir, "tmp");
    await mkdir(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomBytes(8).toString("hex")}`);
  }

  private async publish(tmp: string, path: string, hash: string): Promise<void> {
    await mkdir(join(path, ".."), { recursive: true });
    await rename(tmp, path);
    const st = await stat(path);
    this.verified?.record(path, st.size, st.mtimeMs, hash);
  }
}

/** The shared store a setting names. */
export function remoteObjects(setting: ArtifactsSetting): RemoteObjects {
  return setting.kind === "s3" ? new S3Objects(setting) : new DirObjects(setting.path);
}

/** The project's store: `.mlc/objects`, with the shared store of `project { artifacts = … }` (or MLC_ARTIFACTS_URL) behind it. */
export function openArtifacts(projectDir: string, verified?: StatCache): ArtifactStore {
  const shared = storageSettings(projectDir).artifacts;
  return new ArtifactStore(join(projectDir, ".mlc"), verified, shared ? remoteObjects(shared) : undefined);
}
