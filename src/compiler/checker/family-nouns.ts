// How messages and the reference name each built-in family ("a split method", "a gate helper").
import type { BuiltinFamily } from "../builtins/types.js";

export const FAMILY_NOUNS: Record<BuiltinFamily, string> = {
  transform: "feature transform",
  window: "window aggregation",
  expectation: "expectation",
  distribution: "search-space distribution",
  metric: "metric",
  task: "task",
  threshold: "threshold rule",
  split: "split method",
  gate: "gate helper",
  drift: "monitor check",
  action: "monitor action",
  rollout: "rollout strategy",
  serving: "serving target",
  algorithm: "algorithm",
  tuner: "search method",
  objective: "objective",
  pick: "pick rule",
  connection: "connection",
  online: "online store",
  log: "prediction log",
  cache: "answer cache",
  store: "artifact store",
  secret: "secret",
  "column-type": "column type",
};
