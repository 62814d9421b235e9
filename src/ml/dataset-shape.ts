// The shape check every learner runs on its training and validation data before any work: each
// feature column, the targets, the row weights and the query groups have one value per row.
import type { Dataset } from "./estimator.js";

/** Throws an error naming the algorithm, the data set and both counts when a length is off. */
export function checkDatasetShape(algorithm: string, which: "training" | "validation", d: Dataset): void {
  const n = d.X.nRows;
  const fail = (what: string, got: number): never => {
    throw new Error(`${algorithm}: the ${which} ${what} has ${got} values for ${n} rows`);
  };
  if (d.X.names.length !== d.X.columns.length)
    throw new Error(
      `${algorithm}: the ${which} data names ${d.X.names.length} features for ${d.X.columns.length} columns`,
    );
  d.X.columns.forEach((c, j) => {
    if (c.length !== n) fail(`feature '${d.X.names[j]}'`, c.length);
  });
  if (d.y && d.y.length !== n) fail("target", d.y.length);
  if (d.weight && d.weight.length !== n) fail("weight column", d.weight.length);
  if (d.group && d.group.length !== n) fail("group column", d.group.length);
}
