// A shared folder as the artifact store (`artifacts = dir { path = "…" }`): `<path>/objects/ab/cdef…`,
// written to a temporary name and renamed, so a reader never sees half an object.
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { objectKey, RemoteStoreError, type RemoteObject, type RemoteObjects } from "./remote.js";

export class DirObjects implements RemoteObjects {
  constructor(readonly location: string) {}

  private pathOf(hash: string): string {
    return join(this.location, objectKey("", hash));
  }

  async has(hash: string): Promise<boolean> {
    return (await stat(this.pathOf(hash)).catch(() => undefined)) !== undefined;
  }

  async upload(hash: string, file: string): Promise<void> {
    const to = this.pathOf(hash);
    const tmpDir = join(this.location, "objects", "tmp");
    try {
      await mkdir(tmpDir, { recursive: true });
      await mkdir(dirname(to), { recursive: true });
      const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString("hex")}`);
      await copyFile(file, tmp);
      await rename(tmp, to);
    } catch (e) {
      throw new RemoteStoreError(this.location, `store object ${hash.slice(0, 12)}`, e);
    }
  }

  async download(hash: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(hash));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new RemoteStoreError(this.location, `read object ${hash.slice(0, 12)}`, e);
    }
  }

  async list(): Promise<RemoteObject[]> {
    const root = join(this.location, "objects");
    const out: RemoteObject[] = [];
    for (const p of await readdir(root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(p)) continue;
      for (const rest of await readdir(join(root, p))) {
        const st = await stat(join(root, p, rest)).catch(() => undefined);
        if (st && /^[0-9a-f]{62}$/.test(rest)) out.push({ hash: p + rest, size: st.size });
      }
    }
    return out;
  }

  async remove(hash: string): Promise<void> {
    await rm(this.pathOf(hash), { force: true });
  }
}
