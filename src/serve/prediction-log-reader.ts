// Reads the prediction log written by the server (see prediction-log.ts), oldest file first, for the
// monitor and for tests. A torn last line (a crash mid-write) is skipped, never an error.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { predictionLogDir, type PredictionLogEntry } from "./prediction-log.js";

interface ReadLogOptions {
  /** Only entries at or after this time. */
  since?: Date | string;
  /** Only entries before this time. */
  until?: Date | string;
  /** Only the newest N entries (after the other filters). */
  last?: number;
  /** Only entries of these arms (e.g. ["stable", "canary"] to leave shadow scores out). */
  arms?: string[];
  /** Every arm but these. */
  exceptArms?: string[];
  /** Include the rows of failed requests (`error` set); left out by default. */
  failures?: boolean;
}

export function readPredictionLog(
  projectDir: string,
  deployment: string,
  opts: ReadLogOptions = {},
): PredictionLogEntry[] {
  const dir = predictionLogDir(projectDir, deployment);
  if (!existsSync(dir)) return [];
  const since = opts.since === undefined ? undefined : new Date(opts.since).getTime();
  const until = opts.until === undefined ? undefined : new Date(opts.until).getTime();
  const arms = opts.arms ? new Set(opts.arms) : undefined;
  const except = new Set(opts.exceptArms ?? []);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ndjson"))
    .sort();
  const out: PredictionLogEntry[] = [];
  for (const f of files) {
    const path = join(dir, f);
    let text: string;
    try {
      // a file last written before `since` holds only older entries (each is written after its request)
      if (since !== undefined && statSync(path).mtimeMs < since) continue;
      text = readFileSync(path, "utf8");
    } catch {
      continue; // deleted by retention meanwhile
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      let e: PredictionLogEntry;
      try {
        e = JSON.parse(line) as PredictionLogEntry;
      } catch {
        continue;
      }
      if (since !== undefined && Date.parse(e.ts) < since) continue;
      if (until !== undefined && Date.parse(e.ts) >= until) continue;
      if ((arms && !arms.has(e.arm)) || except.has(e.arm)) continue;
      if (e.error !== undefined && !opts.failures) continue;
      out.push(e);
    }
  }
  // files of concurrent server processes interleave in time: present one timeline
  out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return opts.last !== undefined && out.length > opts.last ? out.slice(out.length - opts.last) : out;
}
