// Where flagged events enter the review queue: REST predictions and the stream consumer hand over
// the events an anomaly deployment scored at or above its threshold; each is explained (why it was
// flagged, by an injected explainer that reads the version's model) and queued once per event id.
import type { Json } from "../ir/graph-ir.js";
import type { FlaggedEvent, ReviewQueue, ReviewReason } from "../registry/review-queue.js";
import type { BundleMeta } from "./bundle.js";

/** Why each record was flagged, or why that cannot be said. */
export type Explanation = { reason_kind: string; reasons: ReviewReason[] } | { reasons_missing: string };

/** Computes the reasons of a model version for records as scored (src/runtime/review-explainer.ts). */
export interface AnomalyExplainer {
  explain(meta: BundleMeta, records: Record<string, Json>[]): Promise<Explanation[]>;
}

export interface ReviewIntake {
  queue: ReviewQueue;
  explainer?: AnomalyExplainer;
  /** Called once by whoever stops the server or the consumers (closes the state store). */
  close?(): Promise<void>;
}

/** One scored event: its id, the record as scored and its score. */
export interface ScoredEvent {
  event_id: string;
  record: unknown;
  score: number;
}

/** The decision threshold of an anomaly bundle; undefined for other tasks and score-only versions. */
export function anomalyThreshold(meta: BundleMeta): number | undefined {
  return meta.task.kind === "anomaly" ? meta.task.threshold : undefined;
}

const isRecord = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Queues the events scored at or above the bundle's threshold (as the prediction says `anomaly`);
 * returns how many were new. Explanation failures are recorded in the event, never thrown.
 */
export async function queueFlagged(
  intake: ReviewIntake,
  meta: BundleMeta,
  origin: "stream" | "rest",
  events: readonly ScoredEvent[],
  time = new Date(),
): Promise<number> {
  const threshold = anomalyThreshold(meta);
  if (threshold === undefined) return 0;
  const flagged = events.filter((e) => e.score >= threshold && isRecord(e.record));
  if (!flagged.length) return 0;
  const records = flagged.map((e) => e.record as Record<string, Json>);
  let why: Explanation[];
  if (!intake.explainer) why = records.map(() => ({ reasons_missing: "no explainer is configured" }));
  else {
    try {
      why = await intake.explainer.explain(meta, records);
    } catch (e) {
      const message = `the reasons could not be computed: ${(e as Error).message}`;
      why = records.map(() => ({ reasons_missing: message }));
    }
  }
  let added = 0;
  for (let i = 0; i < flagged.length; i++) {
    const e = flagged[i]!;
    const event: FlaggedEvent = {
      event_id: e.event_id,
      deployment: meta.deployment,
      model: meta.model,
      model_version: meta.version,
      time: time.toISOString(),
      origin,
      features: records[i]!,
      score: e.score,
      threshold,
      ...why[i]!,
    };
    if (await intake.queue.add(event)) added++;
  }
  return added;
}
