// Data expectations (`expect { … }`, `warn { … }`) evaluated over a table from their JSON
// encoding: row-level predicates, table statistics and the row count, each with a result record.
import type { ColumnTable } from "arquero";
import { type Json, isObj, type JsonObject as Obj } from "../../ir/graph-ir.js";
import { didYouMeanSuffix } from "../../ir/did-you-mean.js";
import { isBinaryJson, leftChainJson } from "../../ir/binary-chain-json.js";
import { exprJsonText as exprText } from "../../ir/expr-json.js";
import { columnValues, displayValue, isNullAt, numericValues } from "../table-columns.js";
import { MlcError } from "../../ir/errors.js";

type Severity = "error" | "warning";

export interface ExpectationResult {
  /** The assertion as written (re-rendered from the IR). */
  expectation: string;
  severity: Severity;
  passed: boolean;
  /** The column a failure is about (the first one the assertion names). */
  column?: string;
  /** Rows where a row-level assertion is false (null rows are not counted as failing). */
  failing?: number;
  rows?: number;
  /** Up to five values of `column` from failing rows. */
  examples?: Json[];
  /** The table-level value compared (`rows`, `mean(x)`…). */
  observed?: Json;
  /** Set when the assertion could not be evaluated (unknown column, bad argument). */
  error?: string;
}

/** A scalar, or one value per row (null = not known for that row). */
type Value = { s: unknown } | { v: unknown[] };

class ExpectError extends MlcError {
  constructor(message: string) {
    super("MLC2106", message);
  }
}

interface Ctx {
  t: ColumnTable;
  rows: number;
  names: string[];
  firstColumn?: string;
  cache: Map<string, unknown[]>;
  /** The left side of the top-level comparison, for `observed`. */
  observed?: unknown;
}

function columnName(ctx: Ctx, j: Json | undefined): string {
  const path =
    j !== undefined && isObj(j) && Array.isArray(j.$ref)
      ? (j.$ref as string[])
      : typeof j === "string"
        ? [j]
        : undefined;
  const name = path?.at(-1);
  if (!name)
    throw new ExpectError(`expected a column name, got ${j === undefined ? "nothing" : exprText(j)}`);
  if (!ctx.names.includes(name))
    throw new ExpectError(`unknown column \`${name}\`${didYouMeanSuffix(name, ctx.names)}`);
  ctx.firstColumn ??= name;
  return name;
}

/** Row values as JS scalars: numbers (NaN → null), strings, booleans, timestamps as epoch ms. */
function rowValues(ctx: Ctx, name: string): unknown[] {
  let v = ctx.cache.get(name);
  if (!v) {
    const raw = columnValues(ctx.t, name);
    v = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const x = raw[i];
      v[i] =
        x === undefined || (typeof x === "number" && Number.isNaN(x))
          ? null
          : x instanceof Date
            ? x.getTime()
            : x;
    }
    ctx.cache.set(name, v);
  }
  return v;
}

function nonNullNumbers(ctx: Ctx, name: string): Float64Array {
  const raw = numericValues(columnValues(ctx.t, name));
  return raw.filter((x) => !Number.isNaN(x));
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const perRow = (ctx: Ctx, name: string, f: (x: unknown, i: number) => boolean | null): Value => {
  const vals = rowValues(ctx, name);
  return { v: vals.map((x, i) => (x === null ? null : f(x, i))) };
};

function callValue(ctx: Ctx, fn: string, args: Json[], named: Obj): Value {
  const col = () => columnName(ctx, args[0] ?? named.col);
  const num = (v: number): Value => ({ s: Number.isNaN(v) ? null : v });
  switch (fn) {
    case "nulls": {
      const raw = columnValues(ctx.t, col());
      let n = 0;
      for (let i = 0; i < raw.length; i++) if (isNullAt(raw, i)) n++;
      return { s: n };
    }
    case "null_fraction": {
      const raw = columnValues(ctx.t, col());
      let n = 0;
      for (let i = 0; i < raw.length; i++) if (isNullAt(raw, i)) n++;
      return { s: raw.length ? n / raw.length : 0 };
    }
    case "distinct":
      return { s: new Set(rowValues(ctx, col()).filter((x) => x !== null)).size };
    case "mean": {
      const x = nonNullNumbers(ctx, col());
      return num(x.reduce((a, b) => a + b, 0) / x.length);
    }
    case "stddev": {
      const x = nonNullNumbers(ctx, col());
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return num(Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, x.length - 1)));
    }
    case "median":
      return num(quantile(nonNullNumbers(ctx, col()).sort(), 0.5));
    case "quantile": {
      const q = args[1] ?? named.q;
      if (typeof q !== "number" || q < 0 || q > 1)
        throw new ExpectError("quantile(col, q) needs q between 0 and 1");
      return num(quantile(nonNullNumbers(ctx, col()).sort(), q));
    }
    case "min":
    case "max": {
      const x = nonNullNumbers(ctx, col());
      if (x.length === 0) return { s: null };
      let m = x[0]!;
      for (const v of x) m = fn === "min" ? Math.min(m, v) : Math.max(m, v);
      return { s: m };
    }
    case "freshness": {
      const x = nonNullNumbers(ctx, col());
      if (x.length === 0) return { s: null };
      let m = -Infinity;
      for (const v of x) m = Math.max(m, v);
      return { s: (Date.now() - m) / 1000 }; // seconds, the unit durations are encoded in
    }
    case "unique": {
      const name = col();
      const counts = new Map<unknown, number>();
      for (const x of rowValues(ctx, name)) if (x !== null) counts.set(x, (counts.get(x) ?? 0) + 1);
      return perRow(ctx, name, (x) => counts.get(x) === 1);
    }
    case "matches": {
      const pattern = args[1] ?? named.pattern;
      if (typeof pattern !== "string") throw new ExpectError("matches(col, pattern) needs a string pattern");
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch (e) {
        throw new ExpectError(
          `matches(): invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`,
        );
      }
      return perRow(ctx, col(), (x) => re.test(String(x)));
    }
    case "allowed": {
      const values = args[1] ?? named.values;
      if (!Array.isArray(values)) throw new ExpectError("allowed(col, values) needs a list of values");
      const set = new Set<unknown>(values);
      return perRow(ctx, col(), (x) => set.has(x));
    }
    case "between": {
      const [lo, hi] = [args[1], args[2]];
      if (typeof lo !== "number" || typeof hi !== "number")
        throw new ExpectError("between(col, low, high) needs two numbers");
      return perRow(ctx, col(), (x) => typeof x === "number" && x >= lo && x <= hi);
    }
    default:
      throw new ExpectError(`unknown expectation function \`${fn}\``);
  }
}

const BIN: Record<string, (a: unknown, b: unknown) => unknown> = {
  "+": (a, b) => (a as number) + (b as number),
  "-": (a, b) => (a as number) - (b as number),
  "*": (a, b) => (a as number) * (b as number),
  "/": (a, b) => (a as number) / (b as number),
  "%": (a, b) => (a as number) % (b as number),
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<": (a, b) => (a as number) < (b as number),
  "<=": (a, b) => (a as number) <= (b as number),
  ">": (a, b) => (a as number) > (b as number),
  ">=": (a, b) => (a as number) >= (b as number),
  in: (a, b) => Array.isArray(b) && b.includes(a),
};

function combine(a: Value, b: Value, f: (x: unknown, y: unknown) => unknown, nullSafe = false): Value {
  const apply = (x: unknown, y: unknown): unknown =>
    !nullSafe && (x === null || y === null) ? null : f(x, y);
  if ("s" in a && "s" in b) return { s: apply(a.s, b.s) };
  const n = "v" in a ? a.v.length : (b as { v: unknown[] }).v.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = apply("v" in a ? a.v[i] : a.s, "v" in b ? b.v[i] : b.s);
  return { v: out };
}

function binaryValue(op: string, a: Value, b: Value): Value {
  if (op === "and")
    return combine(
      a,
      b,
      (x, y) => (x === false || y === false ? false : x === null || y === null ? null : true),
      true,
    );
  if (op === "or")
    return combine(
      a,
      b,
      (x, y) => (x === true || y === true ? true : x === null || y === null ? null : false),
      true,
    );
  const f = BIN[op];
  if (!f) throw new ExpectError(`operator \`${op}\` cannot be used in an expectation`);
  return combine(a, b, f);
}

function evaluate(ctx: Ctx, j: Json, top = false): Value {
  if (j === null || typeof j !== "object") return { s: j };
  if (Array.isArray(j)) return { s: j };
  if (Array.isArray(j.$ref)) {
    const path = j.$ref as string[];
    if (path.length === 1 && path[0] === "rows" && !ctx.names.includes("rows")) return { s: ctx.rows };
    return { v: rowValues(ctx, columnName(ctx, j)) };
  }
  if (typeof j.$duration === "number") return { s: j.$duration };
  if (typeof j.$percent === "number") return { s: j.$percent / 100 };
  if (typeof j.$call === "string")
    return callValue(
      ctx,
      j.$call,
      Array.isArray(j.args) ? j.args : [],
      isObj(j.named as Json) ? (j.named as Obj) : {},
    );
  if (isBinaryJson(j)) {
    // a chain of thousands of terms is nested as deep: its links are evaluated in a loop
    const { first, links } = leftChainJson(j);
    let a = evaluate(ctx, first);
    links.forEach((l, i) => {
      const b = evaluate(ctx, l.args[1]);
      if (top && i === links.length - 1 && "s" in a) ctx.observed = a.s;
      a = binaryValue(l.$op, a, b);
    });
    return a;
  }
  if (typeof j.$op === "string" && Array.isArray(j.args)) {
    const op = j.$op;
    if (op === "neg") return combine(evaluate(ctx, j.args[0]!), { s: 0 }, (x) => -(x as number));
    if (op === "not") return combine(evaluate(ctx, j.args[0]!), { s: 0 }, (x) => !x);
  }
  throw new ExpectError(`cannot evaluate ${exprText(j)} as an expectation`);
}

/** Evaluates each assertion; never throws for a data problem (it is a failed result instead). */
export function checkExpectations(
  t: ColumnTable,
  assertions: readonly Json[],
  severity: Severity,
): ExpectationResult[] {
  const names = t.columnNames();
  const rows = t.numRows();
  const cache = new Map<string, unknown[]>();
  return assertions.map((a) => {
    const ctx: Ctx = { t, rows, names, cache };
    const expectation = exprText(a);
    try {
      const v = evaluate(ctx, a, true);
      if ("s" in v) {
        const passed = v.s === true;
        return {
          expectation,
          severity,
          passed,
          column: ctx.firstColumn,
          observed: displayValue(ctx.observed ?? v.s),
        };
      }
      let failing = 0;
      const examples: Json[] = [];
      const cols = ctx.firstColumn ? rowValues(ctx, ctx.firstColumn) : undefined;
      const raw = ctx.firstColumn ? columnValues(t, ctx.firstColumn) : undefined;
      for (let i = 0; i < v.v.length; i++) {
        if (v.v[i] === false) {
          failing++;
          if (examples.length < 5 && cols) examples.push(displayValue(raw![i] ?? cols[i]));
        }
      }
      return {
        expectation,
        severity,
        passed: failing === 0,
        column: ctx.firstColumn,
        failing,
        rows,
        examples,
      };
    } catch (e) {
      if (!(e instanceof ExpectError)) throw e;
      return { expectation, severity, passed: false, column: ctx.firstColumn, error: e.message };
    }
  });
}

/** One line per failed expectation, naming column, failing rows and examples. */
export function describeFailure(r: ExpectationResult): string {
  if (r.error) return `${r.expectation}: ${r.error}`;
  if (r.failing !== undefined) {
    const ex = r.examples?.length
      ? ` (examples: ${r.examples.map((x) => JSON.stringify(x)).join(", ")})`
      : "";
    return `${r.expectation}: ${r.failing} of ${r.rows} rows fail in column \`${r.column}\`${ex}`;
  }
  return `${r.expectation}: observed ${JSON.stringify(r.observed)}${r.column ? ` in column \`${r.column}\`` : ""}`;
}
