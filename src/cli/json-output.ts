// The JSON output contract of every `--json` (and `mlc graph --format json`): one document on
// stdout whose keys are snake_case (specs/cli.md, "Machine-readable output", contract version
// JSON_CONTRACT_VERSION). Commands print the values they read (state records, registry versions,
// trials, reports), whose TypeScript fields are camelCase; printJson renames those keys on the way
// out and keeps as they are the keys of maps keyed by names from the user's spec or data (columns,
// features, metrics, parameters, node ids), listed in DATA_MAPS.

import { jsonText } from "../ir/json-text.js";

/** Bumped when a key of a documented `--json` output is renamed or removed. */
export const JSON_CONTRACT_VERSION = 1;

/**
 * Keys whose value, when an object, is a map keyed by names the user chose (a spec's attributes and
 * feature names, column names, metric and parameter names, node ids, artifact roles): its keys are
 * data and are printed as they are, its values are converted like the rest.
 */
export const DATA_MAPS: ReadonlySet<string> = new Set([
  "config",
  "attributes",
  "named",
  "defined",
  "metrics",
  "params",
  "values",
  "intermediate",
  "artifacts",
  "input_fingerprints",
  "features",
  "statistics",
]);

/** `durationMs` → `duration_ms`, `aliasHistory` → `alias_history`; snake_case and `$ref` stay. */
export function snakeKey(k: string): string {
  if (!/^[a-z][A-Za-z0-9]*$/.test(k) || !/[A-Z]/.test(k)) return k;
  return k.replace(/[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

type Frame = { from: unknown; set: (v: unknown) => void; dataMap: boolean };

/**
 * A copy of a JSON value with every object key in snake_case, except the keys of DATA_MAPS' maps.
 * Written as a loop: a stored config can hold an expression nested thousands of levels deep.
 */
export function toJsonContract(value: unknown): unknown {
  let root: unknown;
  const stack: Frame[] = [{ from: value, set: (v) => (root = v), dataMap: false }];
  while (stack.length) {
    const { from, set, dataMap } = stack.pop()!;
    if (from !== null && typeof from === "object" && "toJSON" in from && typeof from.toJSON === "function") {
      stack.push({ from: (from.toJSON as () => unknown)(), set, dataMap });
      continue;
    }
    if (Array.isArray(from)) {
      const out: unknown[] = new Array<unknown>(from.length);
      set(out);
      from.forEach((x, i) => stack.push({ from: x, set: (v) => (out[i] = v), dataMap: false }));
    } else if (from !== null && typeof from === "object") {
      const out: Record<string, unknown> = {};
      set(out);
      for (const [k, x] of Object.entries(from)) {
        if (x === undefined || typeof x === "function") continue;
        const key = dataMap ? k : snakeKey(k);
        out[key] = undefined;
        stack.push({ from: x, set: (v) => (out[key] = v), dataMap: !dataMap && DATA_MAPS.has(key) });
      }
    } else set(from);
  }
  return root;
}

/** Prints `value` as the command's JSON document (contract keys, two-space indent unless `indent` is 0). */
export function printJson(value: unknown, indent = 2): void {
  process.stdout.write(jsonText(toJsonContract(value), indent || undefined) + "\n");
}
