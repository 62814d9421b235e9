// A review source (`source reviews { review = DEPLOYMENT }`): the events a deployment flagged that a
// reviewer labelled, as a table (one row per event, its latest label), and its data fingerprint, a hash
// of those rows, so a new or changed label shows in `mlc plan` as a data change.
import { hashText } from "../../data/file-hash.js";
import type { ColumnSpec } from "../../data/column-type.js";
import type { SourceSpec } from "../../data/source-spec.js";
import { tableFromColumns, type LoadedTable } from "../../data/values-table.js";
import { NodeFailure, type DataFingerprint } from "../../ir/executor.js";
import type { RegistryRecords } from "../../ir/state-store.js";
import { ReviewQueue, type ReviewItem } from "../../registry/review-queue.js";

/** The columns every review table has, before the events' own fields. */
export const REVIEW_COLUMNS: readonly ColumnSpec[] = [
  { name: "event_id", type: "string", nullable: false },
  { name: "label", type: "category", nullable: false },
  { name: "anomaly", type: "bool", nullable: false },
  // an empty note or reviewer name reads as null, as an empty text field does in any source
  { name: "note", type: "string", nullable: true },
  { name: "reviewer", type: "string", nullable: true },
  { name: "reviewed_at", type: "timestamp", nullable: false },
  { name: "model_version", type: "int", nullable: false },
  { name: "score", type: "float", nullable: false },
  { name: "threshold", type: "float", nullable: false },
  { name: "flagged_at", type: "timestamp", nullable: false },
];

const FIXED = new Set(REVIEW_COLUMNS.map((c) => c.name));

type Labelled = ReviewItem & { label: NonNullable<ReviewItem["label"]> };

/** The deployment's labelled events, in event-id order (a stable row order for the table and the hash). */
async function labelledEvents(records: RegistryRecords, deployment: string): Promise<Labelled[]> {
  const items = await new ReviewQueue(records).list({ deployment });
  return items
    .filter((i): i is Labelled => i.label !== undefined)
    .sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
}

function fixedValue(i: Labelled, column: string): unknown {
  switch (column) {
    case "event_id":
      return i.event_id;
    case "label":
      return i.label.label;
    case "anomaly":
      return i.label.label === "anomaly";
    case "note":
      return i.label.note;
    case "reviewer":
      return i.label.reviewer;
    case "reviewed_at":
      return i.label.at;
    case "model_version":
      return i.model_version;
    case "score":
      return i.score;
    case "threshold":
      return i.threshold;
    default:
      return i.time;
  }
}

function needState(records: RegistryRecords | undefined, deployment: string): RegistryRecords {
  if (!records)
    throw new NodeFailure(
      `the reviews of ${deployment} are kept in the state store, which this run has not opened`,
      {
        code: "MLC2010",
      },
    );
  return records;
}

/**
 * The table of a review source: the fixed columns, then every field the events carry (or, with a
 * `schema` block, the declared ones only, typed as declared). An event field named like a fixed
 * column is an error naming the event.
 */
export async function loadReviewSource(
  spec: SourceSpec,
  records: RegistryRecords | undefined,
): Promise<LoadedTable & { events: number }> {
  const loc = spec.location;
  if (loc.kind !== "review") throw new Error("loadReviewSource on a source that is not a review source");
  const events = await labelledEvents(needState(records, loc.deployment), loc.deployment);
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const e of events)
    for (const f of Object.keys(e.features)) {
      if (FIXED.has(f))
        throw new NodeFailure(
          `reviews of ${loc.deployment}: event '${e.event_id}' has a field \`${f}\`, the name of a review column`,
          { code: "MLC2101", hint: "rename the field where the events are produced", details: { column: f } },
        );
      if (!seen.has(f)) {
        seen.add(f);
        fields.push(f);
      }
    }
  const declared = spec.declared.filter((c) => !FIXED.has(c.name));
  const own = spec.declaredOnly
    ? declared.map((c) => c.name)
    : [...fields, ...declared.map((c) => c.name).filter((n) => !seen.has(n))];
  const names = [...REVIEW_COLUMNS.map((c) => c.name), ...own];
  const loaded = tableFromColumns(
    names,
    (n) => events.map((e) => (FIXED.has(n) ? fixedValue(e, n) : (e.features[n] ?? null))),
    [...REVIEW_COLUMNS, ...declared],
    `reviews of ${loc.deployment}`,
  );
  return { ...loaded, events: events.length };
}

/** A hash of the labelled events as the table shows them (each event's latest label, its fields). */
export async function reviewFingerprint(
  spec: SourceSpec,
  records: RegistryRecords | undefined,
): Promise<DataFingerprint> {
  const loc = spec.location;
  if (loc.kind !== "review") throw new Error("reviewFingerprint on a source that is not a review source");
  const events = await labelledEvents(needState(records, loc.deployment), loc.deployment);
  const text = events
    .map((e) =>
      JSON.stringify([e.event_id, e.label, e.model_version, e.score, e.threshold, e.time, e.features]),
    )
    .join("\n");
  return {
    hash: hashText(`review\u0000${text}`),
    rows: events.length,
    description: `reviews of ${loc.deployment}`,
  };
}
