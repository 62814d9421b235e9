// Checks the training data of the tree learners before any work: label presence and range,
// lengths of weights and groups, contiguous ranking groups. Errors name the row and the set.
import type { Dataset, Task } from "../estimator.js";
import { ParamError } from "./params.js";

export function checkDataset(
  algorithm: string,
  which: string,
  d: Dataset,
  task: Task,
  needsGroups: boolean,
): void {
  const n = d.X.nRows;
  const y = d.y;
  if (!y) throw new ParamError(`${algorithm}: the ${which} data has no target`);
  if (y.length !== n)
    throw new ParamError(`${algorithm}: the ${which} target has ${y.length} values for ${n} rows`);
  if (n === 0) throw new ParamError(`${algorithm}: the ${which} data has no rows`);
  if (d.weight && d.weight.length !== n)
    throw new ParamError(`${algorithm}: the ${which} weights have ${d.weight.length} values for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v))
      throw new ParamError(`${algorithm}: ${which} target is missing or not finite at row ${i + 1}`);
    if (task.kind === "binary" && v !== 0 && v !== 1)
      throw new ParamError(`${algorithm}: binary ${which} target must be 0 or 1, got ${v} at row ${i + 1}`);
    if (task.kind === "multiclass" && (!Number.isInteger(v) || v < 0 || v >= task.classes.length)) {
      throw new ParamError(
        `${algorithm}: multiclass ${which} target must be a class index 0..${task.classes.length - 1}, got ${v} at row ${i + 1}`,
      );
    }
    if (d.weight && !(d.weight[i]! >= 0))
      throw new ParamError(`${algorithm}: ${which} weight must be >= 0, got ${d.weight[i]} at row ${i + 1}`);
  }
  if (needsGroups) {
    const g = d.group;
    if (!g)
      throw new ParamError(`${algorithm}: ranking needs query groups (Dataset.group) in the ${which} data`);
    if (g.length !== n)
      throw new ParamError(`${algorithm}: the ${which} groups have ${g.length} values for ${n} rows`);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (i > 0 && g[i] === g[i - 1]) continue;
      if (seen.has(g[i]!))
        throw new ParamError(
          `${algorithm}: ${which} rows of query group ${g[i]} are not contiguous (row ${i + 1})`,
        );
      seen.add(g[i]!);
    }
  }
}
