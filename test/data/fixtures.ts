// Test fixtures for data executors: an in-memory artifact store, a stat cache, an ExecContext
// for one node, and a temporary project directory.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ArtifactAccess, ExecContext, NodeResult, StatCache } from "../../src/ir/executor.js";
import type { GraphNode, Json } from "../../src/ir/graph-ir.js";

export class MemoryArtifacts implements ArtifactAccess {
  readonly objects = new Map<string, Uint8Array>();
  async put(bytes: Uint8Array): Promise<string> {
    const h = createHash("sha256").update(bytes).digest("hex");
    this.objects.set(h, bytes.slice());
    return h;
  }
  async get(hash: string): Promise<Uint8Array> {
    const b = this.objects.get(hash);
    if (!b) throw new Error(`missing ${hash}`);
    return b;
  }
  async has(hash: string): Promise<boolean> {
    return this.objects.has(hash);
  }
}

export class MemoryStatCache implements StatCache {
  readonly entries = new Map<string, string>();
  lookups = 0;
  hits = 0;
  lookup(path: string, size: number, mtimeMs: number): string | undefined {
    this.lookups++;
    const h = this.entries.get(`${path}|${size}|${mtimeMs}`);
    if (h) this.hits++;
    return h;
  }
  record(path: string, size: number, mtimeMs: number, hash: string): void {
    this.entries.set(`${path}|${size}|${mtimeMs}`, hash);
  }
}

export function tempProject(prefix = "mlc-data-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function node(
  kind: string,
  name: string,
  config: { [key: string]: Json },
  inputs: string[] = [],
): GraphNode {
  return {
    id: `${kind}.${name}`,
    kind,
    name,
    config,
    inputs: inputs.map((n) => ({ node: n, columns: "*" })),
  };
}

export function context(
  projectDir: string,
  n: GraphNode,
  artifacts: ArtifactAccess,
  inputs: Record<string, NodeResult> = {},
  seed = 42,
): ExecContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    projectDir,
    node: n,
    inputs: new Map(Object.entries(inputs)),
    artifacts,
    seed,
    signal: new AbortController().signal,
    log: (m) => logs.push(m),
    progress: () => undefined,
    logs,
  };
}
