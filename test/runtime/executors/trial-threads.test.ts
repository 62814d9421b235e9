import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  giveBackTrialThread,
  prestartTrialThreads,
  takeTrialThread,
} from "../../../src/kinds/model/trial-threads.js";

describe("trial threads kept between searches", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-trial-threads-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string): URL => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return pathToFileURL(file);
  };
  // answers nothing, says it is ready, and stays (its port listens)
  const idle = script(
    "idle.mjs",
    'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => {});\nparentPort.postMessage({ kind: "ready" });\n',
  );

  it("gives a search the thread an earlier search gave back, and a new one when it was stopped busy", async () => {
    const first = takeTrialThread(idle)!;
    expect(first.searches).toBe(0);
    expect(await first.ready).toBe(true);
    await giveBackTrialThread(first, false);
    const again = takeTrialThread(idle)!;
    expect(again.worker).toBe(first.worker);
    expect(again.searches).toBe(1);
    expect(await again.ready).toBe(true);
    // stopped in the middle of a fit: ended, not kept
    await giveBackTrialThread(again, true);
    const other = takeTrialThread(idle)!;
    expect(other.worker).not.toBe(first.worker);
    expect(other.searches).toBe(0);
    await giveBackTrialThread(other, true);
  });

  it("starts threads ahead of a search, up to the count asked for, which the search then takes as new ones", async () => {
    const ahead = script(
      "ahead.mjs",
      'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => {});\nparentPort.postMessage({ kind: "ready" });\n',
    );
    prestartTrialThreads(ahead, 1);
    // the one is there (ready or starting): nothing more is started
    prestartTrialThreads(ahead, 1);
    const [a, b] = [takeTrialThread(ahead)!, takeTrialThread(ahead)!];
    expect(a.searches).toBe(0);
    expect(await a.ready).toBe(true);
    // the second is started now, later than the first (a second one started ahead would be taken first)
    expect(b.searches).toBe(0);
    expect(b.worker.threadId).toBeGreaterThan(a.worker.threadId);
    await Promise.all([a, b].map((t) => giveBackTrialThread(t, true)));
  });

  it("does not keep a thread that failed to start", async () => {
    const broken = script("broken.mjs", 'throw new Error("no trial worker here");\n');
    const t = takeTrialThread(broken)!;
    expect(await t.ready).toBe(false);
    expect(t.ended).toMatch(/no trial worker here|exit code/);
    await giveBackTrialThread(t, false);
    const next = takeTrialThread(broken)!;
    expect(next.worker).not.toBe(t.worker);
    expect(await next.ready).toBe(false);
  });
});
