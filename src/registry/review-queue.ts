// The human review queue: events an anomaly deployment flagged (from the stream consumer or REST
// predictions), with why they were flagged, and the labels reviewers gave them. Records over the
// state store: one write-once record per (deployment, event id) keyed DEPLOYMENT/EVENT, labels as numbered
// records beside it (DEPLOYMENT/EVENT#N; a deployment name has no slash).
import type { Json } from "../ir/graph-ir.js";
import { MlcError } from "../ir/errors.js";
import type { RegistryRecord, RegistryRecords } from "../ir/state-store.js";
import { closest } from "../ir/did-you-mean.js";

const EVENTS = "review_events";
const LABELS = "review_labels";

export type ReviewVerdict = "anomaly" | "normal";
export const REVIEW_VERDICTS: readonly ReviewVerdict[] = ["anomaly", "normal"];

/** One feature's part in the score (src/ml/explain/anomaly-reasons.ts), largest first. */
export interface ReviewReason {
  feature: string;
  value: number | null;
  contribution: number;
}

/** A flagged event as it enters the queue. */
export interface FlaggedEvent {
  event_id: string;
  deployment: string;
  model: string;
  model_version: number;
  /** ISO-8601 time the event was scored. */
  time: string;
  /** Where it was scored: the stream consumer or a REST prediction. */
  origin: "stream" | "rest";
  /** The record as scored (inputs, with looked-up values filled in). */
  features: Record<string, Json>;
  score: number;
  threshold: number;
  /** What the contributions measure: "isolation path bits" or "reconstruction error". */
  reason_kind?: string;
  /** Every model feature's contribution, largest first; absent when they could not be computed. */
  reasons?: ReviewReason[];
  /** Why `reasons` is absent (e.g. the model's algorithm has no per-feature contributions). */
  reasons_missing?: string;
}

export interface ReviewLabel {
  label: ReviewVerdict;
  note: string;
  reviewer: string;
  /** ISO-8601 time of the review. */
  at: string;
}

/** A queued event with its labels, oldest first; `label` is the latest (the one that counts). */
export interface ReviewItem extends FlaggedEvent {
  labels: ReviewLabel[];
  label?: ReviewLabel;
}

/** A request naming no queued event, or a bad label: a message for the CLI and a 4xx for HTTP. */
export class ReviewError extends MlcError {
  constructor(
    message: string,
    readonly status: 400 | 404 = 404,
    hint?: string,
  ) {
    super("MLC2309", message, hint ? { hint } : {});
  }
}

const eventKey = (deployment: string, eventId: string): string => `${deployment}/${eventId}`;

function asEvent(r: RegistryRecord): FlaggedEvent {
  return r.value as unknown as FlaggedEvent;
}

function asLabel(r: RegistryRecord): ReviewLabel & { deployment: string; event_id: string } {
  return r.value as unknown as ReviewLabel & { deployment: string; event_id: string };
}

export class ReviewQueue {
  constructor(private readonly records: RegistryRecords) {}

  /** Queues a flagged event; false (and nothing changed) when the event id is already queued. */
  add(e: FlaggedEvent): Promise<boolean> {
    return this.records.create(EVENTS, eventKey(e.deployment, e.event_id), e as unknown as Json);
  }

  /** Queued events, newest first, optionally of one deployment and/or only those without a label. */
  async list(opts: { deployment?: string; unlabelled?: boolean } = {}): Promise<ReviewItem[]> {
    const prefix = opts.deployment === undefined ? undefined : `${opts.deployment}/`;
    const events = (await this.records.list(EVENTS, prefix)).map(asEvent);
    const labels = await this.labelsBy(prefix);
    const items = events.map((e) => withLabels(e, labels.get(eventKey(e.deployment, e.event_id)) ?? []));
    return items
      .filter((i) => !opts.unlabelled || i.label === undefined)
      .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.event_id < b.event_id ? -1 : 1));
  }

  /** The deployments that have queued events. */
  async deployments(): Promise<string[]> {
    return [...new Set((await this.records.list(EVENTS)).map((r) => asEvent(r).deployment))].sort();
  }

  /**
   * One queued event. Without a deployment the id must name exactly one event; an unknown id is a
   * ReviewError (404) that suggests a near id.
   */
  async get(eventId: string, deployment?: string): Promise<ReviewItem> {
    if (deployment !== undefined) {
      // one record and its labels, without listing the queue
      const rec = await this.records.get(EVENTS, eventKey(deployment, eventId));
      if (rec) {
        const labels = (await this.records.list(LABELS, `${eventKey(deployment, eventId)}#`))
          .map(asLabel)
          .filter((l) => l.event_id === eventId && l.deployment === deployment)
          .map(({ deployment: _d, event_id: _e, ...label }) => label);
        return withLabels(asEvent(rec), labels);
      }
    }
    const candidates = (await this.list({ deployment })).filter((i) => i.event_id === eventId);
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1)
      throw new ReviewError(
        `event '${eventId}' was flagged by several deployments (${candidates.map((c) => c.deployment).join(", ")}); name one`,
        400,
        "pass --deployment NAME",
      );
    const all = await this.list({ deployment });
    const near = closest(
      eventId,
      all.map((i) => i.event_id),
    );
    const where = deployment === undefined ? "" : ` of deployment '${deployment}'`;
    throw new ReviewError(
      `no flagged event '${eventId}' in the review queue${where}`,
      404,
      near ? `did you mean '${near}'?` : all.length ? undefined : "the queue is empty",
    );
  }

  /** Labels a queued event (a later label supersedes an earlier one; both are kept). */
  async label(
    eventId: string,
    deployment: string | undefined,
    label: { label: string; note?: string; reviewer?: string; at?: string },
  ): Promise<ReviewItem> {
    if (!REVIEW_VERDICTS.includes(label.label as ReviewVerdict))
      throw new ReviewError(`label must be anomaly or normal, got '${label.label}'`, 400);
    const item = await this.get(eventId, deployment);
    const record: ReviewLabel = {
      label: label.label as ReviewVerdict,
      note: label.note ?? "",
      reviewer: label.reviewer ?? "",
      at: label.at ?? new Date().toISOString(),
    };
    const key = eventKey(item.deployment, item.event_id);
    const n = await this.records.nextSequence(`review.${item.deployment}`);
    await this.records.create(LABELS, `${key}#${String(n).padStart(10, "0")}`, {
      ...record,
      deployment: item.deployment,
      event_id: item.event_id,
    } as unknown as Json);
    return withLabels(item, [...item.labels, record]);
  }

  private async labelsBy(prefix: string | undefined): Promise<Map<string, ReviewLabel[]>> {
    const out = new Map<string, ReviewLabel[]>();
    // keys sort by event, then by sequence number: each event's labels come oldest first
    for (const r of await this.records.list(LABELS, prefix)) {
      const { deployment, event_id, ...label } = asLabel(r);
      const key = eventKey(deployment, event_id);
      const list = out.get(key) ?? [];
      list.push(label);
      out.set(key, list);
    }
    return out;
  }
}

function withLabels(e: FlaggedEvent, labels: ReviewLabel[]): ReviewItem {
  return { ...e, labels, ...(labels.length ? { label: labels.at(-1)! } : {}) };
}
