// Where a project keeps its state and shared artifacts: the `project { state = …, artifacts = … }`
// settings (read from the parsed spec, `env(…)` resolved now), overridden by MLC_STATE_URL / MLC_ARTIFACTS_URL.
import { isAbsolute, resolve } from "node:path";
import type { Expr } from "../compiler/ast.js";
import { isCall } from "../ir/expr-json.js";
import { exprToJson } from "../compiler/expr-to-json.js";
import { loadProject } from "../compiler/load-project.js";
import { MlcError } from "../ir/errors.js";
import type { Json } from "../ir/graph-ir.js";

export type ArtifactsSetting =
  | { kind: "s3"; bucket: string; prefix: string; endpoint?: string; region?: string }
  | { kind: "dir"; path: string };

export interface StorageSettings {
  /** A postgres:// URL or a SQLite file path; undefined: `.mlc/state.db`. */
  state?: string;
  /** Undefined: only the local `.mlc/objects`. */
  artifacts?: ArtifactsSetting;
}

/** A storage setting that cannot be used (an unset variable, a malformed MLC_ARTIFACTS_URL). */
export class StorageSettingsError extends MlcError {
  constructor(message: string, hint: string) {
    super("MLC2402", message, { hint });
  }
}

/** The attributes of the project's `project` block, from a parse (no check: a broken model block must not hide them). */
function projectAttributes(projectDir: string): Map<string, Expr> {
  const out = new Map<string, Expr>();
  const loaded = loadProject(projectDir);
  for (const f of loaded.value.files)
    for (const b of f.blocks)
      if (b.kind === "project")
        for (const item of b.body) if (item.type === "attribute") out.set(item.name, item.value);
  return out;
}

/** A string, or `env("NAME")` read now; `what` names the setting in messages (never the value). */
function text(j: Json | undefined, what: string): string | undefined {
  if (j === undefined || j === null) return undefined;
  if (typeof j === "string") return j;
  if (isCall(j) && j.$call === "env") {
    const name = j.named.name ?? j.args[0];
    if (typeof name !== "string") return undefined;
    const v = process.env[name];
    if (v === undefined || v === "")
      throw new StorageSettingsError(
        `${what} reads the environment variable ${name}, which is not set`,
        `set ${name} where mlc runs (it is read at run time and never stored)`,
      );
    return v;
  }
  return undefined;
}

const arg = (c: { args: Json[]; named: { [k: string]: Json } }, i: number, name: string) =>
  c.named[name] ?? c.args[i];

function stateOf(j: Json | undefined, projectDir: string): string | undefined {
  if (j !== undefined && isCall(j) && (j.$call === "postgres" || j.$call === "sqlite")) {
    if (j.$call === "postgres") return text(arg(j, 0, "url"), "project.state = postgres { url }");
    const path = text(arg(j, 0, "path"), "project.state = sqlite { path }");
    return path === undefined ? undefined : resolve(projectDir, path);
  }
  return text(j, "project.state");
}

function artifactsOf(j: Json | undefined, projectDir: string): ArtifactsSetting | undefined {
  if (j === undefined || !isCall(j)) return undefined;
  if (j.$call === "dir") {
    const path = text(arg(j, 0, "path"), "project.artifacts = dir { path }");
    return path === undefined ? undefined : { kind: "dir", path: resolve(projectDir, path) };
  }
  if (j.$call === "s3") {
    const bucket = text(arg(j, 0, "bucket"), "project.artifacts = s3 { bucket }");
    if (bucket === undefined) return undefined;
    const endpoint = text(arg(j, 2, "endpoint"), "project.artifacts = s3 { endpoint }");
    const region = text(arg(j, 3, "region"), "project.artifacts = s3 { region }");
    return {
      kind: "s3",
      bucket,
      prefix: text(arg(j, 1, "prefix"), "project.artifacts = s3 { prefix }") ?? "",
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
    };
  }
  return undefined;
}

/** MLC_ARTIFACTS_URL: `s3://bucket/prefix` (endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) or a folder. */
function artifactsFromUrl(url: string, projectDir: string): ArtifactsSetting {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (m) {
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
    return {
      kind: "s3",
      bucket: m[1]!,
      prefix: m[2]!.replace(/\/+$/, ""),
      ...(endpoint ? { endpoint } : {}),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith("file://"))
    throw new StorageSettingsError(
      `MLC_ARTIFACTS_URL: unsupported store '${url.split("://")[0]}://'`,
      "give s3://bucket/prefix or a folder path",
    );
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  return { kind: "dir", path: isAbsolute(path) ? path : resolve(projectDir, path) };
}

/** The project's storage settings; environment variables win over the spec (for CI). */
export function storageSettings(projectDir: string): StorageSettings {
  const envState = process.env.MLC_STATE_URL || undefined;
  const envArtifacts = process.env.MLC_ARTIFACTS_URL || undefined;
  const attrs = envState && envArtifacts ? new Map<string, Expr>() : projectAttributes(projectDir);
  const json = (name: string) => {
    const e = attrs.get(name);
    return e ? exprToJson(e) : undefined;
  };
  const state = envState ?? stateOf(json("state"), projectDir);
  const artifacts = envArtifacts
    ? artifactsFromUrl(envArtifacts, projectDir)
    : artifactsOf(json("artifacts"), projectDir);
  return { ...(state ? { state } : {}), ...(artifacts ? { artifacts } : {}) };
}
