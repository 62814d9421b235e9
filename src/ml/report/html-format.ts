// Text formatting shared by report.html and its charts (and the counts of other messages): HTML/XML
// escaping and compact numbers, so every table cell and chart label prints a value the same way.

/** Escapes text for XML/HTML content and attribute values. */
export function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A p-value with 3 significant digits; below 0.001 (including a computed 0) as `< 0.001`. */
export function fmtP(p: number | null | undefined): string {
  if (p !== null && p !== undefined && Number.isFinite(p) && p < 0.001) return "< 0.001";
  return fmt(p, 3);
}

/** Compact number for labels: up to 4 significant digits, thousands separated, no "-0". */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
  if (a >= 1000) return countText(Math.round(v));
  return String(Number(v.toPrecision(digits)));
}

/**
 * A count as en-US writes it ("1,681"). Whole numbers are grouped here: the first toLocaleString
 * of a process sets up Intl's number formatting (~20 ms of CPU on the main thread of every apply).
 */
export function countText(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? `-${digits}` : digits;
}
