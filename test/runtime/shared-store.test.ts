// Shared artifact stores behind the local cache: an S3-compatible server on loopback and a plain
// folder; objects uploaded once, verified on download, cached; `project { artifacts = … }` honoured.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  ArtifactStore,
  openArtifacts,
  remoteObjects,
} from "../../src/runtime/artifacts/store.js";
import { RemoteStoreError, type RemoteObjects } from "../../src/runtime/artifacts/remote.js";
import { collectGarbage } from "../../src/runtime/gc.js";
import { storageSettings, StorageSettingsError } from "../../src/runtime/storage-settings.js";
import { BUCKET, s3Server } from "./s3-server.js";

const server = s3Server();
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function project(projectBlock: string): string {
  const dir = tmp("mlc-shared-");
  writeFileSync(join(dir, "main.mlspec"), projectBlock);
  return dir;
}

afterEach(() => {
  delete process.env.MLC_ARTIFACTS_URL;
  delete process.env.MLC_TEST_S3_ENDPOINT;
  vi.restoreAllMocks();
});

const stores: { name: string; remote: () => RemoteObjects }[] = [
  {
    name: "s3",
    remote: () =>
      remoteObjects({
        kind: "s3",
        bucket: BUCKET,
        prefix: `t${Math.random().toString(36).slice(2, 8)}`,
        endpoint: server.endpoint,
      }),
  },
  { name: "dir", remote: () => remoteObjects({ kind: "dir", path: tmp("mlc-shared-dir-") }) },
];

for (const s of stores)
  describe(`a shared ${s.name} store`, () => {
    it("uploads an object once and a second cache downloads and verifies it", async () => {
      const remote = s.remote();
      const upload = vi.spyOn(remote, "upload");
      const a = new ArtifactStore(tmp("mlc-a-"), undefined, remote);
      const bytes = new TextEncoder().encode("model bytes");
      const hash = await a.put(bytes);
      expect(hash).toBe(sha(bytes));
      await a.put(bytes);
      const b = new ArtifactStore(tmp("mlc-b-"), undefined, remote);
      await b.put(bytes);
      expect(upload).toHaveBeenCalledTimes(1);

      const c = new ArtifactStore(tmp("mlc-c-"), undefined, remote);
      expect(await c.check(hash)).toBe("ok");
      expect(new TextDecoder().decode(await c.get(hash))).toBe("model bytes");
      // Cached locally now: readable without the shared store.
      expect(readFileSync(c.pathOf(hash), "utf8")).toBe("model bytes");
      expect((await remote.list()).map((o) => o.hash)).toEqual([hash]);
    });

    it("refuses an object whose shared bytes do not match its hash, and reports a missing one", async () => {
      const remote = s.remote();
      const good = new TextEncoder().encode("good");
      const hash = sha(good);
      const src = join(tmp("mlc-src-"), "bad");
      writeFileSync(src, "tampered");
      await remote.upload(hash, src);
      const c = new ArtifactStore(tmp("mlc-c-"), undefined, remote);
      await expect(c.get(hash)).rejects.toBeInstanceOf(ArtifactCorruptError);
      expect(await c.has(hash)).toBe(true);
      const missing = "0".repeat(64);
      expect(await c.check(missing)).toBe("missing");
      await expect(c.get(missing)).rejects.toBeInstanceOf(ArtifactMissingError);
      await expect(c.get(missing)).rejects.toThrow(remote.location);
    });

    it("gc removes unreferenced objects from the shared store too", async () => {
      const remote = s.remote();
      const a = new ArtifactStore(tmp("mlc-a-"), undefined, remote);
      const keep = await a.put(new TextEncoder().encode("keep"));
      const drop = await a.put(new TextEncoder().encode("drop"));
      const referenced = { referencedArtifacts: async () => new Set([keep]) };
      // Without a shared state, the shared store is left alone.
      const local = await collectGarbage(referenced as never, a);
      expect(local).toMatchObject({ removed: 1, kept: 1, sharedRemoved: 0 });
      expect((await remote.list()).map((o) => o.hash).sort()).toEqual([keep, drop].sort());
      const r = await collectGarbage(referenced as never, a, { sharedStore: true });
      expect(r).toMatchObject({ removed: 0, kept: 1, sharedRemoved: 1, sharedKept: 1 });
      expect((await remote.list()).map((o) => o.hash)).toEqual([keep]);
      expect(await a.has(drop)).toBe(false);
    });
  });

describe("an unreachable S3 store", () => {
  it("fails with MLC2402 naming the store, never the credentials", async () => {
    process.env.AWS_MAX_ATTEMPTS = "1";
    try {
      const remote = remoteObjects({ kind: "s3", bucket: "b", prefix: "p", endpoint: "http://127.0.0.1:9" });
      const err = (await remote.has("0".repeat(64)).catch((e: unknown) => e)) as RemoteStoreError;
      expect(err).toBeInstanceOf(RemoteStoreError);
      expect(err.code).toBe("MLC2402");
      expect(err.message).toMatch(/^artifact store s3:\/\/b\/p: cannot look up object 000000000000: /);
      expect(err.message).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
    } finally {
      delete process.env.AWS_MAX_ATTEMPTS;
    }
  });
});

describe("project { artifacts = … }", () => {
  it("reads s3 { … } with env(…) resolved, and MLC_ARTIFACTS_URL overrides it", () => {
    const dir = project(`project p {
  artifacts = s3 {
    bucket   = "${BUCKET}"
    prefix   = "team/churn"
    endpoint = env("MLC_TEST_S3_ENDPOINT")
  }
}
`);
    process.env.MLC_TEST_S3_ENDPOINT = "http://127.0.0.1:9";
    expect(storageSettings(dir).artifacts).toEqual({
      kind: "s3",
      bucket: BUCKET,
      prefix: "team/churn",
      endpoint: "http://127.0.0.1:9",
    });
    expect(openArtifacts(dir).remote?.location).toBe(`s3://${BUCKET}/team/churn`);
    process.env.MLC_ARTIFACTS_URL = "s3://other/ci";
    expect(storageSettings(dir).artifacts).toMatchObject({ kind: "s3", bucket: "other", prefix: "ci" });
    process.env.MLC_ARTIFACTS_URL = "shared-objects";
    expect(storageSettings(dir).artifacts).toEqual({ kind: "dir", path: join(dir, "shared-objects") });
  });

  it("names an unset variable without printing any value", () => {
    const dir = project(`project p {
  artifacts = s3 {
    bucket   = "b"
    endpoint = env("MLC_TEST_S3_ENDPOINT")
  }
}
`);
    expect(() => storageSettings(dir)).toThrow(StorageSettingsError);
    expect(() => storageSettings(dir)).toThrow(/MLC_TEST_S3_ENDPOINT, which is not set/);
  });

  it("reads state = postgres { url = env(…) } and sqlite { path }", () => {
    process.env.MLC_TEST_S3_ENDPOINT = "postgres://u@h/db";
    const pg = project(`project p {\n  state = postgres { url = env("MLC_TEST_S3_ENDPOINT") }\n}\n`);
    expect(storageSettings(pg).state).toBe("postgres://u@h/db");
    const lite = project(`project p {\n  state = sqlite { path = "shared/state.db" }\n}\n`);
    expect(storageSettings(lite).state).toBe(join(lite, "shared/state.db"));
  });

  it("is a local-only store without the setting", () => {
    expect(openArtifacts(project(`project p {\n  seed = 1\n}\n`)).remote).toBeUndefined();
  });
});
