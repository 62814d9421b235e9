import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  isoTime,
  PredictionLogWriter,
  predictionLogDir,
  predictionLogLine,
} from "../../src/serve/prediction-log.js";
import { readPredictionLog } from "../../src/serve/prediction-log-reader.js";
import { tempProject } from "./fixtures.js";

const entry = (i: number) => ({
  ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  request_id: `r${i}`,
  deployment: "d",
  model_version: 1,
  arm: i % 2 ? "stable" : "shadow",
  latency_ms: 0.5,
  features: { x: i },
  output: { score: i / 10 },
});

describe("prediction log", () => {
  it("rotates files by size and reads them back in order, filtered by time and arm", async () => {
    const p = tempProject();
    const w = new PredictionLogWriter(predictionLogDir(p, "d"), { maxFileBytes: 600, flushMs: 10_000 });
    for (let i = 0; i < 40; i++) {
      w.append(entry(i));
      if (i % 5 === 4) await w.flush();
    }
    await w.close();
    expect(readdirSync(predictionLogDir(p, "d")).length).toBeGreaterThan(2);
    const all = readPredictionLog(p, "d");
    expect(all.map((e) => e.request_id)).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`));
    expect(readPredictionLog(p, "d", { since: entry(30).ts })).toHaveLength(10);
    expect(readPredictionLog(p, "d", { arms: ["stable"] })).toHaveLength(20);
  });

  it("writes pre-serialised lines identical to serialised entries", async () => {
    const e = entry(3);
    const line = predictionLogLine(
      e.ts,
      e.request_id,
      e.deployment,
      e.model_version,
      e.arm,
      e.latency_ms,
      undefined,
      JSON.stringify(e.features),
      JSON.stringify(e.output),
    );
    expect(JSON.parse(line)).toEqual(e);
  });

  it("writes the bytes JSON.stringify writes for the entry, whatever version and arm the line before had", () => {
    const cases = [
      { version: 1, arm: "stable", index: undefined, experiment: undefined, error: undefined },
      { version: 1, arm: "stable", index: 4, experiment: undefined, error: undefined },
      { version: 2, arm: "canary", index: undefined, experiment: undefined, error: undefined },
      { version: 2, arm: "b", index: 0, experiment: { name: 'exp "1"', arm: "b" }, error: undefined },
      { version: 1, arm: "stable", index: undefined, experiment: undefined, error: "scoring_failed" },
      { version: 1, arm: "shadow", index: 2, experiment: { name: "e", arm: "a" }, error: "x" },
    ];
    for (const [k, c] of [...cases, ...cases.reverse()].entries()) {
      const features = { x: k, s: "é\u2028" };
      const output = { score: k / 7 };
      const line = predictionLogLine(
        isoTime(Date.UTC(2026, 0, 1, 0, 0, k)),
        `r"${k}`,
        k % 2 ? "d" : "dé",
        c.version,
        c.arm,
        k + 0.125,
        c.index,
        JSON.stringify(features),
        JSON.stringify(output),
        c.experiment,
        c.error,
      );
      expect(line).toBe(
        JSON.stringify({
          ts: new Date(Date.UTC(2026, 0, 1, 0, 0, k)).toISOString(),
          request_id: `r"${k}`,
          deployment: k % 2 ? "d" : "dé",
          model_version: c.version,
          arm: c.arm,
          latency_ms: k + 0.125,
          ...(c.index !== undefined ? { index: c.index } : {}),
          ...(c.experiment ? { experiment: c.experiment.name, experiment_arm: c.experiment.arm } : {}),
          ...(c.error !== undefined ? { error: c.error } : {}),
          features,
          output,
        }),
      );
    }
  });

  it("writes a latency with String's digits, for values never seen before", () => {
    let seed = 5;
    for (let i = 0; i < 5_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const latency = (seed / 2 ** 32) * 40 + i * 1e-9;
      const line = predictionLogLine("t", "r", "d", 1, "stable", latency, undefined, "{}", "{}");
      expect(line).toContain(`"latency_ms":${String(latency)},`);
    }
  });

  it("formats a time as toISOString does, for the same millisecond again and for an earlier one", () => {
    for (const ms of [0, 1_767_225_600_123, 1_767_225_600_123, 1_767_225_600_124, 5, -1, 8.64e15])
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it("writes lines with and without non-ASCII text as UTF-8", async () => {
    const p = tempProject();
    const w = new PredictionLogWriter(predictionLogDir(p, "d"), { flushMs: 10_000 });
    const lines = ['{"a":"plain"}', '{"a":"café"}', '{"a":"日本 😀"}'];
    w.append(lines[0]!);
    await w.flush(); // an ASCII batch
    w.append(lines[1]!);
    w.append(lines[2]!);
    w.append(entry(1));
    await w.close();
    const file = readdirSync(predictionLogDir(p, "d"))[0]!;
    expect(readFileSync(join(predictionLogDir(p, "d"), file))).toEqual(
      Buffer.from([...lines, JSON.stringify(entry(1))].join("\n") + "\n", "utf8"),
    );
  });

  it("writes lines its caller knows to be ASCII with the same bytes, mixed with UTF-8 ones across chunks", async () => {
    const p = tempProject();
    const w = new PredictionLogWriter(predictionLogDir(p, "d"), { flushMs: 10_000, flushEntries: 1e9 });
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const ascii = i % 3 !== 0;
      // ASCII lines of every length up to past a chunk, with control characters and DEL (all below 0x80)
      const line = ascii
        ? JSON.stringify({ i, s: "\u0001~\u007f".repeat(i === 999 ? 9000 : i % 50) })
        : JSON.stringify({ i, s: "Łé日😀".repeat(i % 11) });
      lines.push(line);
      w.append(line, ascii);
      if (i === 1200) await w.flush();
    }
    await w.close();
    const file = readdirSync(predictionLogDir(p, "d"))[0]!;
    expect(
      readFileSync(join(predictionLogDir(p, "d"), file)).equals(Buffer.from(lines.join("\n") + "\n")),
    ).toBe(true);
  });

  it("keeps every line, in order, across chunk boundaries, lines longer than a chunk and flushes", async () => {
    const p = tempProject();
    const w = new PredictionLogWriter(predictionLogDir(p, "d"), { flushMs: 10_000, flushEntries: 1e9 });
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const line =
        i === 1500
          ? JSON.stringify({ big: "é".repeat(60_000) })
          : JSON.stringify({ i, s: i % 7 ? "x".repeat(i % 97) : "日本".repeat(i % 13) });
      lines.push(line);
      w.append(line);
      if (i === 2000) await w.flush();
    }
    await w.close();
    const file = readdirSync(predictionLogDir(p, "d"))[0]!;
    expect(
      readFileSync(join(predictionLogDir(p, "d"), file)).equals(Buffer.from(lines.join("\n") + "\n")),
    ).toBe(true);
  });

  it("skips a torn last line and drops entries beyond the buffer bound, counting them", async () => {
    const p = tempProject();
    let dropped = 0;
    const w = new PredictionLogWriter(predictionLogDir(p, "d"), {
      maxBuffered: 5,
      flushMs: 10_000,
      onDrop: (n) => (dropped += n),
    });
    for (let i = 0; i < 8; i++) w.append(entry(i));
    expect(dropped).toBe(3);
    await w.close();
    const file = readdirSync(predictionLogDir(p, "d"))[0]!;
    appendFileSync(join(predictionLogDir(p, "d"), file), '{"ts":"2026-01-01T00:00:09.000Z","requ');
    expect(readPredictionLog(p, "d")).toHaveLength(5);
  });
});
