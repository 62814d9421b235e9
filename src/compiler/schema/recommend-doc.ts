// The reference's section on recommendations (the retrieval file, POST /v1/recommend, the
// cold-start chain), kept beside the generator because routes have no schema to generate it from. Text only.

export const RECOMMEND_REFERENCE: readonly string[] = [
  "## Recommendations",
  "",
  "A `bpr`, `matrix_factorization` or `two_tower` model's version stores a retrieval file beside its ONNX graph: its user and item vectors and biases, the catalogue (the items its training rows show), each user's seen items and the items' popularity (relevant training rows, decayed with a half-life of a quarter of their time span when the split is `leave_last(user, ts, n)` or `temporal(ts)`); a `two_tower` model's file (format 2) also keeps its towers (each user's and item's vector computed from its last training row) and its category features' values. Its bundle carries the file as `retrieval.bin` and `mlc serve` answers (see specs/recommend.md):",
  "",
  "| route | what it does |",
  "|---|---|",
  '| `POST /v1/recommend` `{"user": 12, "k": 10, "exclude_seen": true}` | the `k` (1–1000, default 10) catalogue items with the highest score for the user, best first, ties to the lower item: `{"model", "version", "user", "path": "model", "items": [{"item", "score"}…]}`; a score equals `/v1/predict`\'s for the pair. `user` is the value of the model\'s user feature; `exclude_seen` leaves out the user\'s training items |',
  '| the same, for a user with no training row | the deploy block\'s `cold_start` chain in order (`popularity`: the most popular items, `score` their decayed count), `"path": "popularity"`; without a chain `404 unknown_user` |',
  '| the same, with `"features": {"segment": "premium", "age_band": "30-49"}` and `cold_start = [two_tower, popularity]` (a `two_tower` model) | the user\'s vector from the user tower (ID: the unknown row; a category value training never saw: its unknown row; a feature left out: missing), `"path": "two_tower"`; without `features` the chain goes on to `popularity` |',
  '| any of these with `"new_items": [{"item": 901, "category": "books", "price_band": 2, "item_age_days": 1}]` (a `two_tower` model, at most 1000) | items training never saw, each vector from the item tower, ranked beside the catalogue (`"new_item": true` on those returned) on the `model` and `two_tower` paths; an item already in the catalogue is a 400 |',
  '| the same, with `cache = redis { url = env("MLC_CACHE_URL"), ttl = 10m }` on the deploy block | the answer kept in Redis per deployment, model version, cold-start chain, user, `k` and `exclude_seen` for `ttl`, so a new version never serves an old answer; the response adds `"cache": "hit"`, `"miss"` or `"unavailable"` (Redis unreachable: the answer is computed, never a 5xx, and counted in `/metrics` as `mlc_recommend_cache_requests_total` and `mlc_recommend_cache_failures_total`); the log\'s output adds `"cached"` |',
  "| errors | `400 invalid_request` with `field` (a missing or negative `user`, `k` outside 1–1000, an unknown field, a feature the tower does not read or a value of the wrong kind); `404 no_towers` for `features` or `new_items` on a version that is not a `two_tower` model; `404 no_retrieval` when the deployed version has no retrieval file. Each answer is logged with arm `recommend` (features `{user, k, exclude_seen}` plus the request's `features` and the count of `new_items`, output `{path, items}`), which monitors leave out |",
  "",
];
