// The registry of feature transforms by the name an expression calls them with (operators
// by their symbol). Adding a transform is one file and one line here.
import { add, div, mod, mul, neg, sub } from "./arithmetic.js";
import { bucketize } from "./bucketize.js";
import { eq, ge, gt, le, lt, ne } from "./compare.js";
import { coalesce, ifThenElse } from "./conditional.js";
import { dayofweek, daysBetween, hour, month } from "./dates.js";
import { hashBucket } from "./hash-bucket.js";
import { impute } from "./impute.js";
import { and, not, or } from "./logic.js";
import { abs, clip, log, log1p, sqrt } from "./math.js";
import { onehot } from "./onehot.js";
import { ordinal } from "./ordinal.js";
import { minmax, standardize } from "./scaling.js";
import { contains, length, lower } from "./strings.js";
import type { Transform } from "./types.js";

const all: Transform[] = [
  add,
  sub,
  mul,
  div,
  mod,
  neg,
  lt,
  le,
  gt,
  ge,
  eq,
  ne,
  and,
  or,
  not,
  ifThenElse,
  coalesce,
  log,
  log1p,
  sqrt,
  abs,
  clip,
  lower,
  length,
  contains,
  hashBucket,
  hour,
  dayofweek,
  month,
  daysBetween,
  bucketize,
  onehot,
  standardize,
  minmax,
  impute,
  ordinal,
];

const byName = new Map(all.map((t) => [t.name, t]));

export function transformFor(name: string): Transform | undefined {
  return byName.get(name);
}

/** Transform names callable in expressions (operators excluded), for messages and the checker. */
export function transformNames(): string[] {
  return all
    .map((t) => t.name)
    .filter((n) => /^[a-z_0-9]+$/.test(n) && !["neg", "and", "or", "not"].includes(n))
    .sort();
}
