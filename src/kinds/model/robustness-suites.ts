// The perturbed copies of the test rows each robustness suite scores: numeric noise (±x % and ±k
// training standard deviations), nulls in each nullable input, values at and beyond each bound,
// unseen categories, shuffled and empty strings. Pure and seeded: the same rows, facts and seed give
// the same copies. src/kinds/model/robustness.ts scores them.
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import type { RawInput } from "../../data/pipeline.js";
import { columnValues, isNullAt, numericValues, type ColumnValues } from "../../data/table-columns.js";
import { Rng, mixSeed } from "../../ml/random.js";
import { noisePercentSuite, noiseSdSuite, type RobustnessSettings } from "../../ir/robustness-names.js";

/** What the source schemas and expectations say of the model's raw inputs. */
export interface InputFacts {
  /** Inputs declared nullable (or, where no schema declares them, seen null in the data). */
  nullable: ReadonlySet<string>;
  /** Bounds from the expectations (`x >= 0`, `x <= 10`, `between(x, 0, 10)`), by column. */
  bounds: ReadonlyMap<string, { lower?: number; upper?: number }>;
}

/** Per numeric input: its training standard deviation, minimum and maximum (nulls left out). */
export interface TrainStats {
  sd: number;
  min: number;
  max: number;
}

/** One perturbed copy of the test rows: what was changed, and the rows. */
export interface PerturbedCopy {
  what: string;
  table: ColumnTable;
}

/** The value an `unseen` suite writes (a training value equal to it would make the suite measure a seen category). */
export const UNSEEN_VALUE = "__mlc_unseen__";

const isBoolColumn = (v: ColumnValues): boolean => {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === null || x === undefined) continue;
    return typeof x === "boolean";
  }
  return false;
};

/** Numeric raw inputs (not timestamps, not booleans) and string/category ones, as the pipeline reads them. */
export function inputKinds(
  inputs: readonly RawInput[],
  table: ColumnTable,
): { numeric: string[]; strings: string[] } {
  const names = new Set(table.columnNames());
  const numeric: string[] = [];
  const strings: string[] = [];
  for (const i of inputs) {
    if (!names.has(i.name)) continue;
    if (i.type === "string") strings.push(i.name);
    else if (i.type === "float" && !isBoolColumn(columnValues(table, i.name))) numeric.push(i.name);
  }
  return { numeric, strings };
}

/** The standard deviation (population), minimum and maximum of each numeric input on the training rows. */
export function trainStats(train: ColumnTable, numeric: readonly string[]): Map<string, TrainStats> {
  const out = new Map<string, TrainStats>();
  for (const name of numeric) {
    const v = numericValues(columnValues(train, name));
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const x of v)
      if (!Number.isNaN(x)) {
        n++;
        sum += x;
        if (x < min) min = x;
        if (x > max) max = x;
      }
    const mean = n > 0 ? sum / n : 0;
    let ss = 0;
    for (const x of v) if (!Number.isNaN(x)) ss += (x - mean) ** 2;
    out.set(name, { sd: n > 0 ? Math.sqrt(ss / n) : 0, min: n > 0 ? min : NaN, max: n > 0 ? max : NaN });
  }
  return out;
}

/** The table with column `name` replaced by `values` (other columns keep their in-memory form). */
function withColumn(t: ColumnTable, name: string, values: ColumnValues): ColumnTable {
  const cols: Record<string, ColumnValues> = {};
  for (const c of t.columnNames()) cols[c] = c === name ? values : columnValues(t, c);
  return aq.table(cols);
}

/** A numeric column with each non-null value mapped by `f(value, row)`; nulls stay null. */
function mapNumeric(t: ColumnTable, name: string, f: (x: number, i: number) => number): ColumnTable {
  const src = numericValues(columnValues(t, name));
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number.isNaN(src[i]!) ? NaN : f(src[i]!, i);
  return withColumn(t, name, out);
}

/** A string column with every non-null value replaced by `f(value, row)`. */
function mapStrings(t: ColumnTable, name: string, f: (x: unknown, i: number) => unknown): ColumnTable {
  const src = columnValues(t, name);
  const out: unknown[] = new Array<unknown>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = isNullAt(src, i) ? null : f(src[i], i);
  return withColumn(t, name, out);
}

/** The null of a column in its in-memory form: NaN in a typed array, null otherwise. */
function nullColumn(t: ColumnTable, name: string): ColumnValues {
  const src = columnValues(t, name);
  if (ArrayBuffer.isView(src)) return new Float64Array(src.length).fill(NaN);
  return new Array<unknown>(src.length).fill(null);
}

/** A random sign per value: +1 or −1 with equal chance. */
const sign = (rng: Rng): number => (rng.next() < 0.5 ? -1 : 1);

/**
 * The perturbed copies of `test` for each suite the settings switch on, by suite name. Noise moves
 * every numeric input at once (one copy); the other suites change one input per copy.
 */
export function perturbationSuites(
  settings: RobustnessSettings,
  test: ColumnTable,
  inputs: readonly RawInput[],
  stats: ReadonlyMap<string, TrainStats>,
  facts: InputFacts,
  seed: number,
): Map<string, PerturbedCopy[]> {
  const { numeric, strings } = inputKinds(inputs, test);
  const suites = new Map<string, PerturbedCopy[]>();
  const sdOf = (c: string): number => {
    const s = stats.get(c)?.sd ?? 0;
    return s > 0 && Number.isFinite(s) ? s : 1;
  };
  settings.noisePercent.forEach((p, k) => {
    const rng = new Rng(mixSeed(seed, 1, k));
    let t = test;
    for (const c of numeric) t = mapNumeric(t, c, (x) => x * (1 + (sign(rng) * p) / 100));
    suites.set(noisePercentSuite(p), [{ what: `every numeric input × (1 ± ${p}%)`, table: t }]);
  });
  settings.noiseSd.forEach((k, j) => {
    const rng = new Rng(mixSeed(seed, 2, j));
    let t = test;
    for (const c of numeric) {
      const sd = sdOf(c);
      t = mapNumeric(t, c, (x) => x + sign(rng) * k * sd);
    }
    suites.set(noiseSdSuite(k), [{ what: `every numeric input ± ${k} training sd`, table: t }]);
  });
  if (settings.flags.missing)
    suites.set(
      "missing",
      inputs
        .filter((i) => facts.nullable.has(i.name) && test.columnNames().includes(i.name))
        .map((i) => ({
          what: `${i.name} = null`,
          table: withColumn(test, i.name, nullColumn(test, i.name)),
        })),
    );
  if (settings.flags.out_of_range) {
    const copies: PerturbedCopy[] = [];
    for (const c of numeric) {
      const declared = facts.bounds.get(c);
      const s = stats.get(c);
      // a side no expectation bounds is bounded by the training range
      const lower = declared?.lower ?? s?.min;
      const upper = declared?.upper ?? s?.max;
      const sd = sdOf(c);
      for (const [side, b, beyond] of [
        ["lower", lower, -sd],
        ["upper", upper, sd],
      ] as const) {
        if (b === undefined || !Number.isFinite(b)) continue;
        copies.push({ what: `${c} = ${b} (${side} bound)`, table: mapNumeric(test, c, () => b) });
        copies.push({ what: `${c} = ${b + beyond} (beyond)`, table: mapNumeric(test, c, () => b + beyond) });
      }
    }
    suites.set("out_of_range", copies);
  }
  if (settings.flags.unseen)
    suites.set(
      "unseen",
      strings.map((c) => ({
        what: `${c} = "${UNSEEN_VALUE}"`,
        table: mapStrings(test, c, () => UNSEEN_VALUE),
      })),
    );
  if (settings.flags.swapped)
    suites.set(
      "swapped",
      strings.map((c, k) => {
        const src = columnValues(test, c);
        const order = new Rng(mixSeed(seed, 3, k)).shuffle(
          Int32Array.from({ length: src.length }, (_, i) => i),
        );
        return {
          what: `${c} shuffled`,
          table: withColumn(
            test,
            c,
            Array.from(order, (r) => src[r] ?? null),
          ),
        };
      }),
    );
  if (settings.flags.empty)
    suites.set(
      "empty",
      strings.map((c) => ({ what: `${c} = ""`, table: mapStrings(test, c, () => "") })),
    );
  return suites;
}
