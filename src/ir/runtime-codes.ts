// The registry of run-time failure codes (MLC2xxx), the run-time counterpart of the compiler's
// MLC1xxx: one entry per code with a one-line title (used by the reference and the coverage test).
// MLC2000–2099: project, state, CLI; 2100+: data; 2200+: models; 2300+: gates, deploys, serving;
// 2400+: the artifact store; MLC2999: an internal error (a bug in mlc).

export interface RuntimeCodeInfo {
  title: string;
}

export const RUNTIME_CODES = {
  // — project, state, command line —
  MLC2000: { title: "a block failed at run time (a failure without a more specific code)" },
  MLC2001: { title: "a plan or apply request that cannot be carried out (unknown target, stale plan)" },
  MLC2002: { title: "the state is locked by another apply, or an apply finds an `mlc exec` running" },
  MLC2003: { title: "a saved plan file that cannot be read or no longer matches the project" },
  MLC2004: { title: "a node, run or artifact that the lineage does not know" },
  MLC2005: { title: "a command stopped with a message (bad flag value, nothing to act on)" },
  MLC2006: { title: "an operating-system failure (a file that cannot be read or written)" },
  MLC2007: { title: "a node whose executor needs the result of an input that has none" },
  MLC2008: { title: 'an environment variable that the spec names (`env("VAR")`) is not set' },
  MLC2009: { title: "a node was interrupted (Ctrl-C) before it finished; the next apply runs it again" },
  MLC2010: {
    title: "the state store cannot be opened or read (unreachable, malformed URL, damaged file, lost state)",
  },
  // — data —
  MLC2100: { title: "a data file that does not exist or cannot be read" },
  MLC2101: { title: "a value that does not fit its column's type (row, column and value named)" },
  MLC2102: { title: "a malformed data file (a CSV row with the wrong field count, bad JSON)" },
  MLC2103: { title: "a column that a block needs and the data does not have" },
  MLC2104: { title: "an expression that cannot be evaluated on the data" },
  MLC2105: { title: "a data expectation that failed" },
  MLC2106: { title: "an expectation that cannot be evaluated (unknown column or function)" },
  MLC2107: { title: "a split that cannot be made from the rows it was given" },
  MLC2108: { title: "a join whose keys do not match the joined table" },
  // — models —
  MLC2200: { title: "an algorithm parameter with an unknown name, a wrong type or a value out of range" },
  MLC2201: { title: "a stored model that cannot be read (corrupt or of another format)" },
  MLC2202: { title: "a search space or search configuration that cannot work" },
  MLC2203: { title: "a search trial stopped early by the pruner (recorded, never shown as a failure)" },
  MLC2204: { title: "labels that the model's task cannot train on" },
  MLC2205: { title: "training that cannot start or did not produce a model" },
  MLC2206: { title: "a model that has no ONNX form, or whose ONNX predictions differ from its own (parity)" },
  MLC2207: {
    title: "an anomaly threshold target (`precision(…)`, `recall(…)`) that the calibration rows cannot meet",
  },
  MLC2208: {
    title:
      "a recommendation the deployment cannot give (a version without a retrieval file, a `cold_start` chain its bundle cannot serve)",
  },
  MLC2209: {
    title:
      "a deployment's answer cache that cannot be used (a bad `cache` setting when deploying; when serving, an unreachable Redis: the answer is computed and the failure counted)",
  },
  MLC2213: {
    title:
      "a decision (`decision { … }`) that cannot choose a threshold: not a binary classifier, no labelled valid rows, or a target the valid rows cannot meet",
  },
  // — gates, deploys, serving —
  MLC2300: { title: "a gate whose conditions do not hold" },
  MLC2301: { title: "a gate condition that cannot be evaluated" },
  MLC2302: { title: "a deployment that cannot be made or changed" },
  MLC2303: { title: "a model bundle that cannot be read or does not match the format" },
  MLC2304: { title: "an online feature store that cannot be read or written" },
  MLC2305: { title: "a batch-scoring input with a missing or mistyped column" },
  MLC2306: { title: "a materialisation that is refused or fails" },
  MLC2307: { title: "a prediction log or feedback store that cannot be opened, read or written" },
  MLC2309: {
    title: "a review-queue request that names no flagged event or gives a label that is not anomaly/normal",
  },
  MLC2315: {
    title:
      "a stream target whose broker URL is not of its transport, or whose NATS JetStream streams or consumer cannot be set up",
  },
  MLC2370: {
    title:
      "a monitor that cannot run (not registered by apply, no deployment, a version without a reference profile, a check that does not fit)",
  },
  // — ensembles (src/kinds/model/ensemble.ts) —
  MLC2450: {
    title: "an ensemble whose `stack(…)` or `vote(…)` cannot be read (members, weights, meta, folds)",
  },
  MLC2451: {
    title:
      "an ensemble member that cannot serve in it (no result, a calibrated fit, another task or class order)",
  },
  MLC2452: {
    title:
      "an ensemble member whose features are not the ensemble's shared preprocessing (a missing column, other values)",
  },
  MLC2453: { title: "a stack whose members or meta learner could not be fitted out of fold" },
  MLC2470: {
    title: "robustness suites that cannot run (no labelled test rows, or a task they do not measure)",
  },
  MLC2471: {
    title:
      "a quantised export that cannot be made (a graph without weights of that kind, a tree ensemble with int8) or scored",
  },
  // — the artifact store —
  MLC2400: { title: "an artifact whose bytes do not match its hash" },
  MLC2401: { title: "an artifact that the store does not have" },
  MLC2402: {
    title:
      "the shared artifact store cannot be used (an unset variable, a malformed MLC_ARTIFACTS_URL, an unreachable bucket)",
  },
  MLC2403: {
    title:
      "tuning trials cannot be shared with `mlc worker` processes (the state is not PostgreSQL, or a queued study cannot be read)",
  },
  MLC2440: { title: "a node is locked by another `mlc exec` of the same node" },
  // — two-tower recommendations —
  MLC2420: {
    title:
      "a `two_tower` model whose side feature cannot be read back from a request's raw value (its model input is neither the column's value nor a category's code)",
  },
  // — re-ranking (a model's history block, a deployment's rerank) —
  MLC2480: {
    title:
      "a re-ranker's history that cannot be computed (a split without time order, a missing column, a user or item that is not a whole number, an empty time)",
  },
  MLC2481: {
    title:
      "a re-ranker whose features read a column /v1/recommend cannot fill for a candidate (only the history's user, item and category columns)",
  },
  MLC2482: {
    title:
      "a re-ranking stage the deployment cannot serve (a ranker version without its history file, a history that knows none of the retrieval model's items, a bad rerank setting)",
  },
  MLC2483: {
    title:
      "a re-ranking that failed when serving (the ranker could not score the candidates): answered 503, never the unranked list",
  },
  // — warm starts and checkpoints —
  MLC2460: {
    title:
      "a warm start (`init = champion`) whose champion does not fit: another algorithm, other features or classes, other layers",
  },
  MLC2461: { title: "a champion whose model cannot be read to warm start from" },
  // — bugs —
  MLC2999: { title: "an internal error (a bug in mlc; please report it with the stack)" },
} as const satisfies Record<`MLC2${number}`, RuntimeCodeInfo>;

export type RuntimeCode = keyof typeof RUNTIME_CODES;
