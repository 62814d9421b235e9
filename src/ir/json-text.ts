// JSON text of values nested deeper than the native serialiser's recursion allows. An expression
// chain of 5,000 terms is a JSON value 10,000 levels deep (expr-json.ts): JSON.parse reads it, but
// JSON.stringify and structuredClone overflow the stack. jsonText writes such values in a loop.

/**
 * JSON.stringify(value, null, space), also for values nested thousands of levels deep. Those are
 * written without indentation: indenting a value 10,000 levels deep would take 10,000² spaces.
 */
export function jsonText(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return deepJsonText(value, 0);
  }
}

/** A deep copy through JSON (what the native structuredClone does to JSON values), at any depth. */
export function cloneJson<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return JSON.parse(deepJsonText(value, 0)) as T;
  }
}

/** What JSON.stringify writes for a leaf, or undefined when `v` is an array or an object to open. */
function leaf(v: unknown): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return String(v);
    case "bigint":
      return JSON.stringify(v); // throws the native TypeError
    case "object":
      return undefined;
    default:
      return "null"; // only reached for array elements; object properties of these are skipped
  }
}

const skipped = (v: unknown): boolean => v === undefined || typeof v === "function" || typeof v === "symbol";

interface Frame {
  /** Entries to write: [key or undefined for an array element, value]. */
  entries: [string | undefined, unknown][];
  next: number;
  close: string;
  depth: number;
}

/** The same text as JSON.stringify(value, null, space), written with an explicit stack. */
export function deepJsonText(root: unknown, space: number): string {
  const out: string[] = [];
  const pad = (depth: number): string => (space ? "\n" + " ".repeat(space * depth) : "");
  const colon = space ? ": " : ":";
  const stack: Frame[] = [];
  const open = (v: unknown, depth: number): void => {
    let x = v;
    if (x !== null && typeof x === "object" && typeof (x as { toJSON?: unknown }).toJSON === "function")
      x = (x as { toJSON: () => unknown }).toJSON();
    const text = leaf(x);
    if (text !== undefined) {
      out.push(text);
      return;
    }
    const isArray = Array.isArray(x);
    const entries: [string | undefined, unknown][] = isArray
      ? (x as unknown[]).map((e) => [undefined, e])
      : Object.entries(x as object).filter(([, e]) => !skipped(e));
    if (entries.length === 0) {
      out.push(isArray ? "[]" : "{}");
      return;
    }
    out.push(isArray ? "[" : "{");
    stack.push({ entries, next: 0, close: isArray ? "]" : "}", depth: depth + 1 });
  };
  open(root, 0);
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    if (f.next === f.entries.length) {
      out.push(pad(f.depth - 1) + f.close);
      stack.pop();
      continue;
    }
    const [key, v] = f.entries[f.next]!;
    out.push((f.next > 0 ? "," : "") + pad(f.depth) + (key === undefined ? "" : JSON.stringify(key) + colon));
    f.next++;
    open(v, f.depth);
  }
  return out.join("");
}
