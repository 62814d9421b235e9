// An S3-compatible server (s3rver) on loopback for the shared-store tests: a fresh folder and
// bucket per file, its well-known test credentials in the AWS environment, closed after the file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

interface S3rverLike {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverLike;

export const BUCKET = "mlc-team";

/** `server.endpoint` is set once the file's tests start. */
export function s3Server(): { endpoint: string } {
  const server = { endpoint: "" };
  let s3: S3rverLike | undefined;
  let dir = "";
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlc-s3rver-"));
    const { default: S3rver } = (await import("s3rver")) as { default: S3rverCtor };
    s3 = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3.run();
    server.endpoint = `http://127.0.0.1:${port}`;
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) saved[k] = process.env[k];
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    process.env.AWS_REGION = "us-east-1";
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  return server;
}
