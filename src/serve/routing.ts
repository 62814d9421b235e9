// Canary routing: a stable hash of a record's entity key decides its arm, so the same key always
// meets the same model version across requests, servers and restarts. Pure functions.
import type { Rollout } from "./deployment.js";

export type Arm = "stable" | "canary";

/** FNV-1a (32-bit) of the UTF-16 code units of `s`, mapped to [0, 1). Stable across processes. */
export function keyBucket(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // a final avalanche (murmur3 fmix32) so near-identical keys spread evenly
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * The arm of one record under a rollout. Records without the key field go to the stable arm
 * (they cannot be routed consistently, so they get the proven model).
 */
export function chooseArm(rollout: Rollout | undefined, record: unknown): Arm {
  if (!rollout || rollout.kind !== "canary") return "stable";
  if (typeof record !== "object" || record === null || !Object.hasOwn(record, rollout.key)) return "stable";
  const v = (record as Record<string, unknown>)[rollout.key];
  if (v === null || v === undefined || typeof v === "object") return "stable";
  return keyBucket(String(v)) < rollout.share ? "canary" : "stable";
}
