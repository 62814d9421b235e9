// How messages and the reference name each built-in family ("a split method", "a drift test").
import type { BuiltinFamily } from "../builtins/types.js";

export const FAMILY_NOUNS: Record<BuiltinFamily, string> = {
  transform: "feature transform",
  window: "window aggregation",
  expectation: "expectation",
  distribution: "search-space distribution",
  metric: "metric",
  task: "task",
  split: "split method",
  drift: "drift test",
  gate: "gate helper",
  action: "monitor action",
  rollout: "rollout strategy",
  serving: "serving target",
  algorithm: "algorithm",
  tuner: "search method",
  objective: "objective",
  pick: "pick rule",
  connection: "connection",
  online: "online store",
  store: "artifact store",
  secret: "secret",
  "column-type": "column type",
};
