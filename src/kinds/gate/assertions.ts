// Evaluates gate assertions (encoded expressions) against a model's measurements. Every metric
// path read is recorded, so the report can show each assertion with the values it compared.
// A comparison involving the champion when there is none yields `first_run` (pass by default).
import { isBinaryJson, leftChainJson } from "../../ir/binary-chain-json.js";
import { exprJsonText, hasRef, isCall, isDuration, isOp, isPercent, isRef } from "../../ir/expr-json.js";
import type { AssertionResult, GateFairness } from "./results.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure } from "../../ir/executor.js";

/** Marks a value that depends on a champion that does not exist yet. */
export const NO_CHAMPION = Symbol("no champion");
type Value = number | boolean | string | typeof NO_CHAMPION;

export interface GateMeasurements {
  /**
   * Metric paths → values: `test.auc`, `test.auc.lower`, `champion.test.auc`, `latency.p99` (seconds),
   * `size.bytes`. `paired`: the assertion also reads the champion, so a part's metric is measured on
   * the same rows as the champion's (those the champion never trained or validated on).
   */
  lookup(path: string[], paired?: boolean): number | typeof NO_CHAMPION | undefined;
  /** Known paths, for "did you mean" in errors. */
  known(): string[];
  call(name: string, args: Json[], named: { [k: string]: Json }, evaluate: (j: Json) => Value): Value;
}

export function evaluateAssertion(
  expr: Json,
  m: GateMeasurements,
  firstRun: "pass" | "fail",
): AssertionResult {
  const values: Record<string, number> = {};
  const notes: string[] = [];
  const paired = readsChampion(expr);
  const num = (v: Value, where: Json): number | typeof NO_CHAMPION => {
    if (v === NO_CHAMPION || typeof v === "number") return v;
    if (typeof v === "boolean") return Number(v);
    throw new NodeFailure(`gate: ${exprJsonText(where)} is not a number`, { code: "MLC2301" });
  };
  const binary = (op: string, x: Value, y: Value, a: Json, b: Json): Value => {
    switch (op) {
      case "and":
      case "or": {
        const bx = x === NO_CHAMPION ? firstRun === "pass" : Boolean(x);
        const by = y === NO_CHAMPION ? firstRun === "pass" : Boolean(y);
        return op === "and" ? bx && by : bx || by;
      }
      case "==":
      case "!=":
        if (x === NO_CHAMPION || y === NO_CHAMPION) return NO_CHAMPION;
        return op === "==" ? x === y : x !== y;
    }
    const nx = num(x, a);
    const ny = num(y, b);
    if (nx === NO_CHAMPION || ny === NO_CHAMPION) return NO_CHAMPION;
    switch (op) {
      case "<":
        return nx < ny;
      case "<=":
        return nx <= ny;
      case ">":
        return nx > ny;
      case ">=":
        return nx >= ny;
      case "+":
        return nx + ny;
      case "-":
        return nx - ny;
      case "*":
        return nx * ny;
      case "/":
        return nx / ny;
      case "%":
        return nx % ny;
    }
    throw new NodeFailure(`gate: unknown operator ${op}`, { code: "MLC2301" });
  };
  const evaluate = (j: Json): Value => {
    if (typeof j === "number" || typeof j === "boolean" || typeof j === "string") return j;
    if (j === null || Array.isArray(j))
      throw new NodeFailure(`gate: ${exprJsonText(j)} is not a value a gate can compare`, {
        code: "MLC2301",
      });
    if (isDuration(j)) return j.$duration;
    if (isPercent(j)) return j.$percent / 100;
    if (isRef(j)) {
      const v = m.lookup(j.$ref, paired);
      if (v === undefined) {
        const path = j.$ref.join(".");
        const known = m.known();
        const close = known
          .filter((k) => k.endsWith(`.${j.$ref.at(-1)}`) || k.startsWith(`${j.$ref[0]}.`))
          .slice(0, 6);
        throw new NodeFailure(
          `gate: no measurement '${path}'${close.length ? ` (known: ${close.join(", ")}…)` : ""}`,
          { code: "MLC2301" },
        );
      }
      if (v !== NO_CHAMPION) values[j.$ref.join(".")] = v;
      return v;
    }
    if (isCall(j)) return m.call(j.$call, j.args, j.named, evaluate);
    if (isBinaryJson(j)) {
      // a chain of thousands of terms is nested as deep: its links are evaluated in a loop
      const { first, links } = leftChainJson(j);
      let left: Json = first;
      let x = evaluate(first);
      for (const l of links) {
        x = binary(l.$op, x, evaluate(l.args[1]), left, l.args[1]);
        left = l;
      }
      return x;
    }
    if (isOp(j)) {
      const a = j.args[0]!;
      if (j.$op === "neg") {
        const x = num(evaluate(a), a);
        return x === NO_CHAMPION ? x : -x;
      }
      if (j.$op === "not") {
        const x = evaluate(a);
        return x === NO_CHAMPION ? x : !x;
      }
    }
    throw new NodeFailure(`gate: cannot evaluate ${exprJsonText(j)}`, { code: "MLC2301" });
  };
  const v = evaluate(expr);
  if (v === NO_CHAMPION) notes.push(`no champion yet: first_run = ${firstRun}`);
  else if (typeof v !== "boolean")
    throw new NodeFailure(`gate: ${exprJsonText(expr)} is not true or false`, { code: "MLC2301" });
  return {
    text: exprJsonText(expr),
    passed: v === NO_CHAMPION ? firstRun === "pass" : v,
    values,
    ...(notes.length ? { note: notes.join("; ") } : {}),
  };
}

/** Whether an assertion reads a champion metric anywhere. */
function readsChampion(expr: Json): boolean {
  return hasRef(expr, (path) => path[0] === "champion");
}

/** One line per assertion: the text, the values it read, and PASS/FAIL. */
export function renderGateResults(gate: string, results: readonly AssertionResult[]): string {
  const width = Math.max(...results.map((r) => r.text.length), 10);
  const lines = results.map((r) => {
    const vals = Object.entries(r.values)
      .map(([k, v]) => `${k} = ${formatValue(k, v)}`)
      .join(", ");
    const head = `  ${r.passed ? "PASS" : "FAIL"}  ${r.text.padEnd(width)}  ${vals}${r.note ? `${vals ? "; " : ""}${r.note}` : ""}`;
    return [head, ...(r.fairness ?? []).map(fairnessLine)].join("\n");
  });
  const failed = results.filter((r) => !r.passed).length;
  return `gate ${gate}: ${failed ? `${failed} of ${results.length} assertions failed` : `all ${results.length} assertions passed`}\n${lines.join("\n")}`;
}

/** One line per measured group column: the selection rate and TPR of each group, the parity differences. */
function fairnessLine(f: GateFairness): string {
  const shown = f.report.groups
    .slice(0, 12)
    .map(
      (g) =>
        `${g.group} ${g.selectionRate.toFixed(3)}/${Number.isNaN(g.tpr) ? "–" : g.tpr.toFixed(3)} (n=${g.n})`,
    );
  const more = f.report.groups.length - shown.length;
  const groups = shown.join(", ") + (more > 0 ? `, … ${more} more (mlc report shows all)` : "");
  return `        by ${f.by} on ${f.split} (selection rate/TPR): ${groups}; parity difference ${f.report.demographicParityDifference.toFixed(4)}, equal opportunity ${f.report.equalOpportunityDifference.toFixed(4)}`;
}

function formatValue(path: string, v: number): string {
  if (path.startsWith("latency.")) return `${(v * 1000).toFixed(3)}ms`;
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(4);
}
