// Guesses the field separator of a delimited text file from its header line, for `mlc schema infer`
// on a bare file: the candidate (comma, semicolon, tab, bar) that occurs most often outside quotes.
import { closeSync, openSync, readSync } from "node:fs";

export const DELIMITERS = [",", ";", "\t", "|"] as const;

/** The separator most frequent outside double quotes in `line`; a comma when none occurs. */
export function delimiterOfLine(line: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(ch))
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ",";
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** The separator of the file's first line (read up to 64 KiB). */
export function detectDelimiter(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString("latin1");
    const end = text.search(/\r?\n/);
    return delimiterOfLine(end < 0 ? text : text.slice(0, end));
  } finally {
    closeSync(fd);
  }
}

/** How a spec writes the separator: `"\t"` for a tab. */
export const delimiterLiteral = (d: string): string => JSON.stringify(d);
