import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PredictionLogWriter, predictionLogDir, predictionLogLine } from "../../src/serve/prediction-log.js";
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
