// The contract of a shared artifact store behind the local cache `.mlc/objects`: objects by
// sha256, uploaded and downloaded whole. The local store (store.ts) verifies what comes down.
import { MlcError } from "../../ir/errors.js";

export interface RemoteObject {
  hash: string;
  size: number;
}

export interface RemoteObjects {
  /** Where the objects are, for messages: `s3://bucket/prefix` or a folder (never a credential). */
  readonly location: string;
  has(hash: string): Promise<boolean>;
  /** Stores the file's bytes under `hash` (the caller has verified them). */
  upload(hash: string, file: string): Promise<void>;
  /** The bytes stored under `hash`, unverified; undefined when the store does not have it. */
  download(hash: string): Promise<Uint8Array | undefined>;
  list(): Promise<RemoteObject[]>;
  remove(hash: string): Promise<void>;
}

/** A shared store that cannot be reached or refuses a request (the message names the store, never a secret). */
export class RemoteStoreError extends MlcError {
  constructor(location: string, action: string, cause: unknown) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super("MLC2402", `artifact store ${location}: cannot ${action}: ${why}`, {
      hint: "check the store's settings in the project block (or MLC_ARTIFACTS_URL) and the AWS credentials in the environment",
      cause,
    });
  }
}

/** The key prefix of every object: `<prefix>/objects/`. */
export function objectsRoot(prefix: string): string {
  return `${prefix ? prefix.replace(/\/+$/, "") + "/" : ""}objects/`;
}

/** The object key of `hash` below a prefix: `<prefix>/objects/ab/cdef…`, the local layout. */
export function objectKey(prefix: string, hash: string): string {
  return `${objectsRoot(prefix)}${hash.slice(0, 2)}/${hash.slice(2)}`;
}
