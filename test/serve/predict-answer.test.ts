// The answer's prediction-log entries and the ASCII hint it hands the sink with them: the hint lets a
// file sink copy a line's bytes instead of encoding it, so it must never be set for a line holding a
// character beyond ASCII, whichever part (body, request id, deployment, prediction) brings it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundle } from "../../src/serve/bundle.js";
import { FilesSink, loggedLine } from "../../src/serve/log/files.js";
import type { LoggedPrediction } from "../../src/serve/log/types.js";
import { ServeMetrics } from "../../src/serve/metrics.js";
import { ModelRunner } from "../../src/serve/model-runner.js";
import { predictAnswerer, type PredictInput } from "../../src/serve/predict-answer.js";
import { predictionLogDir } from "../../src/serve/prediction-log.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { buildFixtureBundle, fixtureMeta, fixtureOnnx, tempProject } from "./fixtures.js";

let ascii: ModelRunner;
let accented: ModelRunner;
beforeAll(async () => {
  const p = tempProject();
  ascii = await ModelRunner.load(loadBundle(buildFixtureBundle(join(p, "v1"))));
  // classes beyond ASCII: every prediction's JSON holds one
  const dir = join(p, "v2");
  buildBundleDir(dir, fixtureOnnx({ version: 2 }), {
    ...fixtureMeta({ version: 2 }),
    task: { kind: "binary", classes: ["séjour", "départ"], threshold: 0.5 },
  });
  accented = await ModelRunner.load(loadBundle(dir));
});
afterAll(() => {
  ascii.retire();
  accented.retire();
});

/** The files sink, remembering each entry with the hint it came with. */
class SpySink extends FilesSink {
  seen: { p: LoggedPrediction; ascii: boolean | undefined }[] = [];
  override append(p: LoggedPrediction, ascii?: boolean): void {
    this.seen.push({ p, ascii });
    super.append(p, ascii);
  }
}

/** The entry one single-record request logs, the hint it came with, and the bytes the sink wrote. */
async function logged(
  runner: ModelRunner,
  deployment: string,
  raw: string,
  rawAscii: boolean | undefined,
  id: string,
): Promise<{ p: LoggedPrediction; ascii: boolean | undefined; bytes: Buffer }> {
  const project = tempProject();
  const sink = new SpySink(project, deployment, { flushMs: 10_000 });
  const answer = predictAnswerer({
    deployment,
    maxBatch: 8,
    metrics: new ServeMetrics(deployment),
    routing: () => ({
      stable: runner,
      pointer: {
        version: runner.version,
        bundle: runner.dir,
        updated: "2026-01-01T00:00:00Z",
        reason: "test",
      },
    }),
    log: () => sink,
    logConfig: () => undefined,
    track: () => undefined,
  });
  const input: PredictInput = {
    body: JSON.parse(raw),
    raw,
    ...(rawAscii !== undefined ? { rawAscii } : {}),
    id,
    received: Date.UTC(2026, 0, 1),
    elapsedMs: () => 1.25,
    logger: { error: () => undefined, info: () => undefined },
  };
  const a = await answer(input);
  expect(a.status).toBe(200);
  await sink.close();
  expect(sink.seen).toHaveLength(1);
  const dir = predictionLogDir(project, deployment);
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  return { ...sink.seen[0]!, bytes: readFileSync(join(dir, files[0]!)) };
}

const isAsciiLine = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 0x80);
const rec = JSON.stringify({ tenure: 7, monthly: 20.5, active: true, plan: "basic" });
const recŁ = JSON.stringify({ tenure: 7, monthly: 20.5, active: true, plan: "basic", note: "Ł" });

describe("the answer's prediction-log hint", () => {
  it("marks a line ASCII exactly when its body, id, deployment and prediction are", async () => {
    const cases: [ModelRunner, string, string, boolean | undefined, string, boolean][] = [
      [ascii, "d", rec, true, "req-1", true],
      // the body's ASCII is not known (fastify's path): not marked, though it is ASCII
      [ascii, "d", rec, undefined, "req-1", false],
      [ascii, "d", recŁ, false, "req-1", false],
      [ascii, "d", rec, true, "req-Ł", false],
      [ascii, "déploiement", rec, true, "req-1", false],
      [accented, "d", rec, true, "req-1", false],
    ];
    for (const [runner, deployment, raw, rawAscii, id, expected] of cases) {
      const { p, ascii: hint, bytes } = await logged(runner, deployment, raw, rawAscii, id);
      expect(hint === true).toBe(expected);
      const line = loggedLine(p);
      // a hint only for a line that is ASCII, and whatever the hint, the line's UTF-8 bytes on disk
      if (hint) expect(isAsciiLine(line)).toBe(true);
      expect(bytes.equals(Buffer.from(line + "\n", "utf8"))).toBe(true);
      expect(bytes.toString("utf8")).toContain(raw);
    }
  });
});
