// Parses human sizes for command-line options ("1mb", "512kb", "2048"): a number of bytes, or an
// error message. Pure.

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

export function parseSize(text: string): number | { error: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return { error: `invalid size '${text}' (examples: 1mb, 512kb, 65536)` };
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 1) return { error: `size '${text}' must be at least 1 byte` };
  return bytes;
}
