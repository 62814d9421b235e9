// The built-in function registry: one `registerBuiltin` call per built-in, read by the checker,
// the reference generator and the runtime. Names are unique within a family, not across families.
import {
  BUILTIN_FAMILIES,
  type BuiltinFamily,
  type BuiltinSpec,
  type FunctionBuiltin,
  type MetricBuiltin,
  type TaskName,
} from "./types.js";

const byFamily = new Map<BuiltinFamily, Map<string, BuiltinSpec>>(
  BUILTIN_FAMILIES.map((f) => [f, new Map()]),
);

export function registerBuiltin(spec: BuiltinSpec): void {
  const fam = byFamily.get(spec.family);
  if (!fam) throw new Error(`unknown built-in family '${spec.family}'`);
  if (fam.has(spec.name))
    throw new Error(`built-in '${spec.name}' registered twice in family '${spec.family}'`);
  if (spec.family !== "metric") {
    const names = new Set<string>();
    for (const p of spec.params) {
      if (names.has(p.name)) throw new Error(`built-in '${spec.name}' has two parameters named '${p.name}'`);
      names.add(p.name);
    }
  }
  fam.set(spec.name, spec);
  sortedByFamily.delete(spec.family);
}

/** builtinsOf's sorted lists, made on first use after a registration. */
const sortedByFamily = new Map<BuiltinFamily, readonly BuiltinSpec[]>();

/** The built-in called `name` in the first of `families` that has one. */
export function lookupBuiltin(name: string, families: readonly BuiltinFamily[]): FunctionBuiltin | undefined {
  for (const f of families) {
    const b = byFamily.get(f)?.get(name);
    if (b && b.family !== "metric") return b;
  }
  return undefined;
}

/** Every family that has a built-in called `name`. */
export function familiesOf(name: string): BuiltinFamily[] {
  return BUILTIN_FAMILIES.filter((f) => byFamily.get(f)!.has(name));
}

export function builtinsOf(family: BuiltinFamily): BuiltinSpec[] {
  let sorted = sortedByFamily.get(family);
  if (sorted === undefined) {
    sorted = [...byFamily.get(family)!.values()].sort((a, b) => a.name.localeCompare(b.name));
    sortedByFamily.set(family, sorted);
  }
  return sorted.slice();
}

export function allBuiltins(): BuiltinSpec[] {
  return BUILTIN_FAMILIES.flatMap((f) => builtinsOf(f));
}

export function lookupMetric(name: string): MetricBuiltin | undefined {
  const m = byFamily.get("metric")!.get(name);
  return m?.family === "metric" ? m : undefined;
}

export function metricsOfTask(task: TaskName | string): MetricBuiltin[] {
  return builtinsOf("metric").filter(
    (m): m is MetricBuiltin => m.family === "metric" && (m.tasks as readonly string[]).includes(task),
  );
}
