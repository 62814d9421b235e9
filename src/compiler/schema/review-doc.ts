// The reference's section on the human review loop (commands, page, routes, the source form), kept
// beside the generator because commands and routes have no schema to generate it from. Text only.

export const REVIEW_REFERENCE: readonly string[] = [
  "## Review of flagged events",
  "",
  "Anomaly deployments queue the events they flag (REST and stream) in the state store, with the features that contributed most; reviewers label them and `source … { review = DEPLOYMENT }` reads the labels back (see specs/review.md).",
  "",
  "| command or route | what it does |",
  "|---|---|",
  "| `mlc review list [--deployment D] [--unlabelled] [--json] [--dir P]` | flagged events, newest first, with score, threshold, label and top features |",
  "| `mlc review show EVENT [--deployment D] [--json] [--dir P]` | one event: features, each feature's contribution (`isolation path bits` or `reconstruction error`), labels |",
  "| `mlc review label EVENT anomaly\\|normal [--note T] [--reviewer N] [--deployment D] [--json] [--dir P]` | records a label; a later label supersedes, both are kept. Unknown id: exit 1 with a did-you-mean; another label: exit 2 |",
  "| `GET /review[?unlabelled=1]`, `GET /review/events/ID` | the page `mlc serve` answers: plain HTML, no script, no external URL; with `MLC_SERVE_TOKEN`, sign in at `/review/login` (cookie) or send the bearer token |",
  "| `POST /review/events/ID/label` | the page's form (`label`, `note`, `reviewer`); 303 back to the event |",
  '| `GET /v1/review/events[?unlabelled=true]`, `GET /v1/review/events/ID`, `POST /v1/review/events/ID/label` | the same as JSON (`{"label": "anomaly"\\|"normal", "note"?, "reviewer"?}`); errors `404 unknown_event`, `400 invalid_label` with `field` |',
  "| `source NAME { review = DEPLOYMENT }` | one row per labelled event: `event_id`, `label`, `anomaly`, `note`, `reviewer`, `reviewed_at`, `model_version`, `score`, `threshold`, `flagged_at`, then the event's fields; its fingerprint changes with every label (a data change in `mlc plan`) |",
  "",
];
