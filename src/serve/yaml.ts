// A small YAML emitter for generated manifests: block style, every string double-quoted (JSON escaping
// is valid YAML), so the output never depends on YAML's implicit typing rules. Pure.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [k: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const key = (k: string): string => (PLAIN_KEY.test(k) ? k : JSON.stringify(k));
const scalar = (v: string | number | boolean | null): string =>
  typeof v === "string" ? JSON.stringify(v) : v === null ? "null" : String(v);
const isScalar = (v: YamlValue): v is string | number | boolean | null => v === null || typeof v !== "object";
const isEmpty = (v: YamlValue): boolean =>
  Array.isArray(v) ? v.length === 0 : typeof v === "object" && v !== null && Object.keys(v).length === 0;
const emptyText = (v: YamlValue): string => (Array.isArray(v) ? "[]" : "{}");

function lines(v: YamlValue, indent: string): string[] {
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      if (isScalar(item) || isEmpty(item))
        out.push(`${indent}- ${isScalar(item) ? scalar(item) : emptyText(item)}`);
      else {
        const inner = lines(item, indent + "  ");
        out.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
      }
    }
    return out;
  }
  const out: string[] = [];
  for (const [k, val] of Object.entries(v as Record<string, YamlValue>)) {
    if (isScalar(val)) out.push(`${indent}${key(k)}: ${scalar(val)}`);
    else if (isEmpty(val)) out.push(`${indent}${key(k)}: ${emptyText(val)}`);
    else out.push(`${indent}${key(k)}:`, ...lines(val, indent + "  "));
  }
  return out;
}

/** One YAML document (no leading `---`). */
export function toYaml(doc: { [k: string]: YamlValue }): string {
  return lines(doc, "").join("\n") + "\n";
}
