// An S3 (or S3-compatible) bucket as the artifact store: HEAD before PUT, so an object is uploaded
// once. The SDK loads on first use; credentials come from the standard AWS environment only.
import { readFile } from "node:fs/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ArtifactsSetting } from "../storage-settings.js";
import { objectKey, objectsRoot, RemoteStoreError, type RemoteObject, type RemoteObjects } from "./remote.js";

type S3Setting = Extract<ArtifactsSetting, { kind: "s3" }>;

const isNotFound = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === "NotFound" || err?.name === "NoSuchKey" || err?.$metadata?.httpStatusCode === 404;
};

export class S3Objects implements RemoteObjects {
  readonly location: string;
  private client: Promise<{ s3: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> | undefined;

  constructor(private readonly setting: S3Setting) {
    this.location = `s3://${setting.bucket}${setting.prefix ? "/" + setting.prefix : ""}`;
  }

  private sdk() {
    // mlc supports Node 20; the SDK's notice about its own future Node requirement is not the user's business.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    this.client ??= import("@aws-sdk/client-s3").then((sdk) => ({
      sdk,
      s3: new sdk.S3Client({
        region:
          this.setting.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
        // S3-compatible servers (MinIO, s3rver) address buckets by path, not by host name.
        ...(this.setting.endpoint ? { endpoint: this.setting.endpoint, forcePathStyle: true } : {}),
      }),
    }));
    return this.client;
  }

  private key(hash: string): string {
    return objectKey(this.setting.prefix, hash);
  }

  async has(hash: string): Promise<boolean> {
    const { s3, sdk } = await this.sdk();
    try {
      await s3.send(new sdk.HeadObjectCommand({ Bucket: this.setting.bucket, Key: this.key(hash) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw new RemoteStoreError(this.location, `look up object ${hash.slice(0, 12)}`, e);
    }
  }

  async upload(hash: string, file: string): Promise<void> {
    const { s3, sdk } = await this.sdk();
    try {
      const body = await readFile(file);
      await s3.send(
        new sdk.PutObjectCommand({ Bucket: this.setting.bucket, Key: this.key(hash), Body: body }),
      );
    } catch (e) {
      throw new RemoteStoreError(this.location, `upload object ${hash.slice(0, 12)}`, e);
    }
  }

  async download(hash: string): Promise<Uint8Array | undefined> {
    const { s3, sdk } = await this.sdk();
    try {
      const r = await s3.send(new sdk.GetObjectCommand({ Bucket: this.setting.bucket, Key: this.key(hash) }));
      return r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new RemoteStoreError(this.location, `download object ${hash.slice(0, 12)}`, e);
    }
  }

  async list(): Promise<RemoteObject[]> {
    const { s3, sdk } = await this.sdk();
    const root = objectsRoot(this.setting.prefix);
    const out: RemoteObject[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await s3.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.setting.bucket,
            Prefix: root,
            ContinuationToken: token,
          }),
        );
        for (const o of r.Contents ?? []) {
          const m = /([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(o.Key ?? "");
          if (m && o.Key === root + m[1] + "/" + m[2]) out.push({ hash: m[1]! + m[2]!, size: o.Size ?? 0 });
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw new RemoteStoreError(this.location, "list objects", e);
    }
    return out;
  }

  async remove(hash: string): Promise<void> {
    const { s3, sdk } = await this.sdk();
    try {
      await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.setting.bucket, Key: this.key(hash) }));
    } catch (e) {
      throw new RemoteStoreError(this.location, `delete object ${hash.slice(0, 12)}`, e);
    }
  }
}
