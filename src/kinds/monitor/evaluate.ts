// Evaluates a monitor's assertions over a window of the prediction log against the deployed version's
// reference profile: the drift and quality checks, `live.METRIC` from joined feedback labels and
// `latency.*`. A check over fewer rows than `min_rows` makes its assertion NOT ENOUGH DATA (no alarm).
import { DRIFT_SHARE_THRESHOLDS } from "../../compiler/builtins/monitor-checks.js";
import { exprJsonText, isCall, isDuration, isOp, isPercent, isRef } from "../../ir/expr-json.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";
import {
  defaultTest,
  driftStatistic,
  LARGER_IS_DRIFT,
  LiveColumn,
  TEST_KINDS,
  type DriftTest,
} from "../../ml/drift/compare.js";
import type { ColumnProfile, ReferenceProfile } from "../../ml/drift/profile.js";
import type { BundleTask } from "../../serve/bundle.js";
import type { FeedbackEntry } from "../../serve/log/types.js";
import { latencySummary, type LatencySummary } from "../../serve/monitoring/latency.js";
import { joinFeedback, liveMetric, type LabelledRows } from "../../serve/monitoring/live-quality.js";
import type { LogWindow } from "../../serve/monitoring/window.js";
import { OUTPUT_PREFIX } from "../model/reference-profile.js";
import type { AssertionOutcome } from "./results.js";

export interface MonitorData {
  window: LogWindow;
  profile: ReferenceProfile;
  labels: readonly FeedbackEntry[];
  task: BundleTask;
  minRows: number;
  seed: number;
}

/** Marks a value computed on too few rows. */
const NOT_ENOUGH = Symbol("not enough data");
type Value = number | boolean | string | typeof NOT_ENOUGH;

const fail = (message: string, hint?: string): never => {
  throw new NodeFailure(message, { code: "MLC2370", ...(hint ? { hint } : {}) });
};

/** What the checks of one run share: live columns sorted once, labels joined once, latency once. */
class Measures {
  private live = new Map<string, LiveColumn>();
  private joined?: LabelledRows;
  private latency?: LatencySummary;
  constructor(readonly d: MonitorData) {}

  column(name: string, output: boolean): { ref: ColumnProfile; live: LiveColumn } {
    const key = output ? OUTPUT_PREFIX + name : name;
    const ref = this.d.profile.columns[key];
    const col = output ? this.d.window.outputs[name] : this.d.window.inputs[name];
    if (!ref)
      fail(
        `the reference profile has no ${output ? "output" : "column"} \`${name}\``,
        "the deployed version was trained before it recorded this column; apply the model again",
      );
    if (!col)
      fail(
        `the prediction log holds no \`${name}\`${output ? " output" : " (is it excluded from the log?)"}`,
        "a monitor can check only what the log keeps: remove the field from `log { exclude }`",
      );
    let live = this.live.get(key);
    if (!live) {
      live = new LiveColumn(col!);
      this.live.set(key, live);
    }
    return { ref: ref!, live };
  }

  labelled(): LabelledRows {
    return (this.joined ??= joinFeedback(this.d.window, this.d.labels, this.d.task));
  }

  latencies(): LatencySummary {
    return (this.latency ??= latencySummary(this.d.window));
  }
}

/** The test a check runs: the one written when it fits, else the default for the column and window. */
function testFor(written: string | undefined, ref: ColumnProfile, rows: number): DriftTest {
  if (written !== undefined && (TEST_KINDS[written as DriftTest] ?? []).includes(ref.kind))
    return written as DriftTest;
  if (written !== undefined && !(written in TEST_KINDS)) fail(`unknown drift test ${written}`);
  return defaultTest(ref.kind, rows);
}

const argName = (j: Json | undefined): string | undefined =>
  j === undefined ? undefined : typeof j === "string" ? j : isRef(j) ? j.$ref[0] : undefined;

/** Evaluates one assertion. */
function evaluateMonitorAssertion(expr: Json, m: Measures): AssertionOutcome {
  const values: Record<string, number> = {};
  const notes: string[] = [];
  let rows = 0;
  const { window, minRows } = m.d;
  const enough = (n: number): boolean => {
    rows = Math.max(rows, n);
    return n >= minRows;
  };
  const record = (text: string, v: number, n: number): Value => {
    values[text] = v;
    if (!enough(n)) {
      notes.push(`${text}: ${n} rows, min_rows ${minRows}`);
      return NOT_ENOUGH;
    }
    return v;
  };
  const drift = (name: string, output: boolean, written: string | undefined): Value => {
    const { ref, live } = m.column(name, output);
    if (written !== undefined && !TEST_KINDS[written as DriftTest]?.includes(ref.kind))
      fail(`${written} does not fit \`${name}\`, a ${ref.kind} column`);
    const test = testFor(written, ref, live.rows);
    const text = output ? `prediction_drift(${test})` : `drift(${name}, ${test})`;
    return record(text, driftStatistic(test, ref, live), live.rows - live.nulls);
  };
  const call = (j: { $call: string; args: Json[]; named: { [k: string]: Json } }): Value => {
    const a = (i: number, n: string): Json | undefined => j.args[i] ?? j.named[n];
    switch (j.$call) {
      case "drift":
        return drift(argName(a(0, "column")) ?? fail("drift needs a column"), false, argName(a(1, "test")));
      case "prediction_drift": {
        const out = Object.keys(m.d.profile.columns).find((k) => k.startsWith(OUTPUT_PREFIX));
        if (!out) return fail("the reference profile has no model output");
        return drift(out.slice(OUTPUT_PREFIX.length), true, argName(a(0, "test")));
      }
      case "drift_share": {
        const written = argName(a(0, "test"));
        const thr = a(1, "threshold");
        let drifted = 0;
        let total = 0;
        for (const name of Object.keys(window.inputs)) {
          const ref = m.d.profile.columns[name];
          if (!ref) continue;
          const { live } = m.column(name, false);
          const test = testFor(written, ref, live.rows);
          const threshold = typeof thr === "number" ? thr : DRIFT_SHARE_THRESHOLDS[test]!;
          const s = driftStatistic(test, ref, live);
          total++;
          if (LARGER_IS_DRIFT[test] ? s > threshold : s < threshold) drifted++;
        }
        return record(`drift_share(${written ?? "default"})`, total ? drifted / total : NaN, window.rows);
      }
      case "null_rate": {
        const name = argName(a(0, "column")) ?? fail("null_rate needs a column");
        const { live } = m.column(name, false);
        return record(`null_rate(${name})`, live.rows ? live.nulls / live.rows : NaN, live.rows);
      }
      case "unseen_rate": {
        const name = argName(a(0, "column")) ?? fail("unseen_rate needs a column");
        const { ref, live } = m.column(name, false);
        let unseen = 0;
        const present = live.rows - live.nulls;
        if (ref.kind === "numeric") {
          for (const v of live.sorted()) if (v < ref.min || v > ref.max) unseen++;
        } else for (const [k, c] of live.counts()) if (!(k in ref.counts)) unseen += c;
        return record(`unseen_rate(${name})`, present ? unseen / present : NaN, live.rows);
      }
      case "requests": {
        const n = new Set(window.requestIds).size;
        values["requests()"] = n;
        rows = Math.max(rows, window.rows);
        return n;
      }
    }
    return fail(`unknown monitor check ${j.$call}`);
  };
  const ref = (path: string[]): Value => {
    const text = path.join(".");
    if (path[0] === "latency") {
      const l = m.latencies();
      const v = l[path[1] as keyof LatencySummary];
      if (typeof v !== "number" || path.length !== 2) return fail(`unknown latency measure ${text}`);
      return record(text, v / 1000, l.requests); // durations compare in seconds
    }
    if (path[0] === "live" && path[1] !== undefined) {
      const rowsLabelled = m.labelled();
      let lm;
      try {
        lm = liveMetric(path[1], rowsLabelled, m.d.task, { seed: m.d.seed, resamples: 1000 });
      } catch (e) {
        return fail(`${text}: ${(e as Error).message}`);
      }
      const v = path[2] === "lower" ? lm.lower : path[2] === "upper" ? lm.upper : lm.value;
      return record(text, v, lm.labelled);
    }
    return fail(`monitor: unknown name ${text}`);
  };
  const num = (v: Value, where: Json): number | typeof NOT_ENOUGH => {
    if (v === NOT_ENOUGH || typeof v === "number") return v;
    if (typeof v === "boolean") return Number(v);
    return fail(`monitor: ${exprJsonText(where)} is not a number`);
  };
  const evaluate = (j: Json): Value => {
    if (typeof j === "number" || typeof j === "boolean" || typeof j === "string") return j;
    if (j === null || Array.isArray(j)) return fail(`monitor: cannot evaluate ${exprJsonText(j)}`);
    if (isDuration(j)) return j.$duration;
    if (isPercent(j)) return j.$percent / 100;
    if (isRef(j)) return ref(j.$ref);
    if (isCall(j)) return call(j);
    if (isOp(j)) {
      const [x, y] = j.args;
      if (j.$op === "not") {
        const v = evaluate(x!);
        return v === NOT_ENOUGH ? v : !v;
      }
      if (j.$op === "neg") {
        const v = num(evaluate(x!), x!);
        return v === NOT_ENOUGH ? v : -v;
      }
      const l = evaluate(x!);
      const r = evaluate(y!);
      if (l === NOT_ENOUGH || r === NOT_ENOUGH) return NOT_ENOUGH;
      if (j.$op === "and") return Boolean(l) && Boolean(r);
      if (j.$op === "or") return Boolean(l) || Boolean(r);
      if (j.$op === "==") return l === r;
      if (j.$op === "!=") return l !== r;
      const a = num(l, x!) as number;
      const b = num(r, y!) as number;
      switch (j.$op) {
        case "<":
          return a < b;
        case "<=":
          return a <= b;
        case ">":
          return a > b;
        case ">=":
          return a >= b;
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return a / b;
        case "%":
          return a % b;
      }
    }
    return fail(`monitor: cannot evaluate ${exprJsonText(j)}`);
  };
  const v = evaluate(expr);
  if (v !== NOT_ENOUGH && typeof v !== "boolean") fail(`monitor: ${exprJsonText(expr)} is not true or false`);
  // A statistic that cannot be computed (NaN: no values) never passes silently.
  const nan = Object.values(values).some((x) => Number.isNaN(x));
  const status = v === NOT_ENOUGH ? "NOT ENOUGH DATA" : v === true && !nan ? "PASS" : "BREACH";
  if (nan && v !== NOT_ENOUGH) notes.push("a statistic could not be computed (no values in the window)");
  const threshold = thresholdOf(expr);
  return {
    text: exprJsonText(expr),
    status,
    values,
    ...(threshold !== undefined ? { threshold } : {}),
    rows,
    ...(notes.length ? { note: notes.join("; ") } : {}),
  };
}

/** The literal side of a single comparison (seconds for a duration, a share for a percent). */
function thresholdOf(expr: Json): number | undefined {
  if (!isOp(expr) || !["<", "<=", ">", ">=", "==", "!="].includes(expr.$op)) return undefined;
  for (const s of expr.args) {
    if (typeof s === "number") return s;
    if (s !== null && typeof s === "object" && !Array.isArray(s)) {
      if (isDuration(s)) return s.$duration;
      if (isPercent(s)) return s.$percent / 100;
    }
  }
  return undefined;
}

/** Every assertion of a monitor over one window. */
export function evaluateMonitor(assertions: readonly Json[], data: MonitorData): AssertionOutcome[] {
  const m = new Measures(data);
  return assertions.map((a) => evaluateMonitorAssertion(a, m));
}
