// `mlc apply`'s progress: on a terminal one live line (trial k/N with the best value so far, round
// r/R, elapsed, ETA) rewritten in place, with log lines above it and never a line per round; off a
// terminal a progress line per running node at each interval. The planned study comes from the
// model's tune block.
import { describe, expect, it } from "vitest";
import { ApplyProgress, duration, studiesOf, type StudyInfo } from "../../src/cli/apply-progress.js";
import type { GraphNode } from "../../src/ir/graph-ir.js";
import { compileGraph } from "../../src/runtime/project.js";
import { tinyProject } from "../runtime/deploy-project.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const study: StudyInfo = { trials: 20, key: "auc", direction: "maximize" };

function harness(tty: boolean) {
  let t = 0;
  let written = "";
  const p = new ApplyProgress(new Map([["model.churn", study]]), {
    tty,
    columns: 200,
    now: () => t,
    intervalMs: 30_000,
    write: (s) => (written += s),
  });
  return {
    p,
    advance: (ms: number) => (t += ms),
    take: () => {
      const w = written;
      written = "";
      return w;
    },
  };
}

describe("apply progress", () => {
  it("off a terminal: a progress line per running node every interval, trials with the best so far", () => {
    const h = harness(false);
    h.p.start("model.churn");
    // trials are numbered from 0, as the model executor logs them
    h.p.log("model.churn", 'trial 0: auc = 0.81000 {"depth":3}');
    h.advance(10_000);
    h.p.log("model.churn", 'trial 1: pruned at step 4, auc = 0.79000 {"depth":5}');
    h.p.log("model.churn", 'trial 2: auc = 0.83500 {"depth":4}');
    expect(h.take()).toBe(
      [
        'model.churn: trial 0: auc = 0.81000 {"depth":3}',
        'model.churn: trial 1: pruned at step 4, auc = 0.79000 {"depth":5}',
        'model.churn: trial 2: auc = 0.83500 {"depth":4}',
        "",
      ].join("\n"),
    );
    h.p.tick();
    expect(h.take()).toBe(""); // not due yet
    h.advance(20_000);
    h.p.tick();
    // 3 trials in 30 s: 17 left at 10 s each
    expect(h.take()).toBe("model.churn: trial 3/20, best auc 0.835, 30s elapsed, ETA 2m50s\n");
    // the refit's rounds: no line each, and the periodic line shows the round and its ETA
    for (let r = 1; r <= 95; r++) {
      h.advance(100);
      h.p.progress("model.churn", Math.min(r, 40), 95); // the fit stalls at round 40
    }
    expect(h.take()).toBe("");
    h.advance(30_000);
    h.p.tick();
    // 39.4 s for 40 rounds since the first: 55 more take 54 s
    expect(h.take()).toBe("model.churn: trial 3/20, best auc 0.835, round 40/95, 1m10s elapsed, ETA 54s\n");
    h.p.stop("model.churn");
    h.advance(60_000);
    h.p.tick();
    expect(h.take()).toBe("");
  });

  it("on a terminal: one live line rewritten in place, log lines above it, cleared at the end", () => {
    const h = harness(true);
    h.p.start("model.churn");
    expect(h.take()).toBe("\r\x1b[2Kmodel.churn: trial 0/20, 0s elapsed");
    h.advance(2000);
    h.p.log("model.churn", "trial 0: auc = 0.81000 {}");
    // the log line replaces the live line, which is drawn again below it
    expect(h.take()).toBe(
      "\r\x1b[2Kmodel.churn: trial 0: auc = 0.81000 {}\n\r\x1b[2Kmodel.churn: trial 0/20, 0s elapsed",
    );
    h.p.tick();
    expect(h.take()).toBe("\r\x1b[2Kmodel.churn: trial 1/20, best auc 0.81, 2s elapsed, ETA 38s");
    for (let r = 1; r <= 95; r++) {
      h.advance(50);
      h.p.progress("model.churn", r, 95);
    }
    const rounds = h.take();
    expect(rounds).not.toContain("\n"); // no line per round
    expect(rounds.split("\r\x1b[2K").pop()).toBe(
      "model.churn: trial 1/20, best auc 0.81, round 95/95, 7s elapsed, ETA 0s",
    );
    h.p.stop("model.churn");
    h.p.close();
    expect(h.take()).toBe("\r\x1b[2K");
  });

  it("keeps the lowest value of an objective to minimize", () => {
    let out = "";
    const p = new ApplyProgress(new Map([["model.m", { trials: 4, key: "rmse", direction: "minimize" }]]), {
      tty: false,
      now: () => 0,
      intervalMs: 0,
      write: (s) => (out += s),
    });
    p.start("model.m");
    for (const v of ["2.5", "1.25", "3"]) p.log("model.m", `trial 0: rmse = ${v} {}`);
    out = "";
    p.tick();
    expect(out).toContain("best rmse 1.25");
  });

  it("reads the study's size and first objective from the planned model", () => {
    const dir = tinyProject(5);
    const spec = join(dir, "tiny.mlspec");
    const text = readFileSync(spec, "utf8");
    const model = /model (\w+) \{/.exec(text)![1]!;
    expect(studiesOf((compileGraph(dir) as { graph: { nodes: GraphNode[] } }).graph.nodes).size).toBe(0); // no tune block
    writeFileSync(
      spec,
      text.replace(
        /(model \w+ \{\n)/,
        "$1  tune {\n    trials    = 7\n    objective = maximize(valid.auc)\n  }\n",
      ),
    );
    const compiled = compileGraph(dir);
    expect(compiled.ok, JSON.stringify(compiled.diagnostics)).toBe(true);
    expect(
      studiesOf((compiled as { graph: { nodes: GraphNode[] } }).graph.nodes).get(`model.${model}`),
    ).toEqual({
      trials: 7,
      key: "auc",
      direction: "maximize",
    });
  });

  it("writes durations as people read them", () => {
    expect([duration(400), duration(59_400), duration(61_000), duration(3_720_000)]).toEqual([
      "0s",
      "59s",
      "1m01s",
      "1h02m",
    ]);
  });
});
