// The reference's section on recommendations (the retrieval file, POST /v1/recommend, the
// cold-start chain), kept beside the generator because routes have no schema to generate it from. Text only.

export const RECOMMEND_REFERENCE: readonly string[] = [
  "## Recommendations",
  "",
  "A `bpr` or `matrix_factorization` model's version stores a retrieval file beside its ONNX graph: its user and item vectors and biases, the catalogue (the items its training rows show), each user's seen items and the items' popularity (relevant training rows, decayed with a half-life of a quarter of their time span when the split is `leave_last(user, ts, n)` or `temporal(ts)`). Its bundle carries the file as `retrieval.bin` and `mlc serve` answers (see specs/recommend.md):",
  "",
  "| route | what it does |",
  "|---|---|",
  '| `POST /v1/recommend` `{"user": 12, "k": 10, "exclude_seen": true}` | the `k` (1–1000, default 10) catalogue items with the highest score for the user, best first, ties to the lower item: `{"model", "version", "user", "path": "model", "items": [{"item", "score"}…]}`; a score equals `/v1/predict`\'s for the pair. `user` is the value of the model\'s user feature; `exclude_seen` leaves out the user\'s training items |',
  '| the same, for a user with no training row | the deploy block\'s `cold_start` chain in order (`popularity`: the most popular items, `score` their decayed count), `"path": "popularity"`; without a chain `404 unknown_user` |',
  '| the same, with `cache = redis { url = env("MLC_CACHE_URL"), ttl = 10m }` on the deploy block | the answer kept in Redis per deployment, model and version, cold-start chain, user, `k` and `exclude_seen` for `ttl`, so a new version never serves an old answer; the response adds `"cache": "hit"`, `"miss"` or `"unavailable"` (Redis unreachable: the answer is computed, never a 5xx, and counted in `/metrics` as `mlc_recommend_cache_requests_total` and `mlc_recommend_cache_failures_total`); the log\'s output adds `"cached"` |',
  '| the same, under a `canary(…, key = "customer_id")` rollout or an experiment keyed by `customer_id` | answered by the version of the arm `/v1/predict` gives a record with `"customer_id": <user>` (the user stands as the key\'s value); the response and the log\'s output add `"arm"` (and `"experiment"`); a shadow candidate answers nothing |',
  "| errors | `400 invalid_request` with `field` (a missing or negative `user`, `k` outside 1–1000, an unknown field); `404 no_retrieval` when the deployed version has no retrieval file. Each answer is logged with arm `recommend` (features `{user, k, exclude_seen}`, output `{path, items}`), which monitors leave out |",
  "",
];
