// The model report's worker threads (report-thread.ts): TreeSHAP importance (also with the partial
// dependence of its top features), the rendered HTML (also with its charts drawn ahead) and a split's
// bootstrap evaluation (the evaluate lane) are the bytes the main thread computes, a TreeSHAP job does
// not wait for a whole report's charts, the worker lets the process exit, and without it (no compiled
// worker) everything runs inline.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEstimator } from "../../../src/ml/algorithms.js";
import type { TrainedModel } from "../../../src/ml/estimator.js";
import { buildReportJson, renderReportHtml, type ReportJson } from "../../../src/ml/report/index.js";
import { meanAbsShap } from "../../../src/ml/tree-shap.js";
import { TreeModel } from "../../../src/ml/tree/model.js";
import { startReportThread } from "../../../src/kinds/model/report-thread.js";
import { topPartialDependence, treeShapImportanceSection } from "../../../src/kinds/model/report-explain.js";
import { evaluateSplit } from "../../../src/kinds/model/evaluate.js";
import { BINARY, syntheticBinary } from "./tune-fixtures.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const data = syntheticBinary(600, 3, 6, (j, v) => (j % 2 ? 1 : -0.7) * v * (j < 3 ? 2 : v));
const valid = syntheticBinary(300, 4, 6, (j, v) => (j % 2 ? 1 : -0.7) * v * (j < 3 ? 2 : v));

describe("the report thread", () => {
  let outDir: string;
  let workerUrl: URL;
  let model: TrainedModel;
  let report: ReportJson;

  beforeAll(async () => {
    // Compile the worker (and the thread module, for the exit test) with their imports as `npm run build` does for dist/, inside node_modules so
    // the compiled modules resolve the installed packages (vega, vega-lite).
    mkdirSync(join(repoRoot, "node_modules/.cache"), { recursive: true });
    outDir = mkdtempSync(join(repoRoot, "node_modules/.cache/mlc-report-worker-"));
    execFileSync(
      process.execPath,
      [
        join(repoRoot, "node_modules/typescript/bin/tsc"),
        ...["--outDir", outDir, "--rootDir", join(repoRoot, "src"), "--module", "nodenext"],
        ...["--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck", "--noCheck"],
        ...[
          "--types",
          "node",
          join(repoRoot, "src/kinds/model/report-worker.ts"),
          join(repoRoot, "src/kinds/model/report-thread.ts"),
        ],
      ],
      { cwd: repoRoot, stdio: "pipe" },
    );
    writeFileSync(join(outDir, "package.json"), '{"type":"module"}');
    workerUrl = pathToFileURL(join(outDir, "kinds/model/report-worker.js"));
    const gbdt = (await loadEstimator("gbdt"))!;
    model = await gbdt.fit(data, valid, { trees: 30, max_depth: 4 }, BINARY, { seed: 1, threads: 1 });
    const pred = model.predict(valid.X);
    report = buildReportJson({
      model: { name: "m", algorithm: "gbdt", task: "binary", classes: ["no", "yes"] },
      splits: {},
      predictions: { split: "valid", y: valid.y!, pred, width: 1, threshold: 0.5 },
      importance: {
        method: "treeshap",
        features: Array.from(meanAbsShap((model as TreeModel).ensemble, valid.X), (value, i) => ({
          feature: `f${i}`,
          value,
        })),
      },
    });
  }, 300_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("gives the importance and the HTML the main thread computes, byte for byte", async () => {
    const thread = startReportThread(workerUrl);
    const [imp, html] = await Promise.all([thread.importance(model, valid.X), thread.render(report)]);
    const own = meanAbsShap((model as TreeModel).ensemble, valid.X);
    expect(Buffer.from(imp!.buffer).equals(Buffer.from(own.buffer))).toBe(true);
    const inline = await renderReportHtml(report);
    expect(html).toBe(inline);
    expect(html).toContain("<svg");
    // the caller's columns are still whole (the worker got copies)
    expect(valid.X.columns[0]!.length).toBe(300);
  }, 120_000);

  it("draws the charts known early ahead of the report (prerender), and the report is the same bytes", async () => {
    const thread = startReportThread(workerUrl);
    const pred = model.predict(valid.X);
    const head = { model: report.model, splits: {} };
    // the curves and confusion first, the importance once known, then the whole report at once
    thread.prerender({
      ...head,
      predictions: { split: "valid", y: valid.y!, pred, width: 1, threshold: 0.5 },
    });
    thread.prerender({ ...head, importance: report.importance! });
    const html = await thread.render(report);
    expect(html).toBe(await renderReportHtml(report));
    // inline, it draws nothing ahead (the main thread would draw the charts twice)
    expect(startReportThread(null).prerender({ ...head })).toBeUndefined();
  }, 120_000);

  it("computes the partial dependence of the top features beside the importance, as the main thread does", async () => {
    const thread = startReportThread(workerUrl);
    const header = { name: "m", algorithm: "gbdt", task: "binary" as const, classes: ["no", "yes"] };
    // the explained rows (valid) and the rows partial dependence samples from (train, 600 > its 300)
    const got = (await thread.explain(model, valid.X, { X: data.X, seed: 3, model: header }))!;
    const own = meanAbsShap((model as TreeModel).ensemble, valid.X);
    expect(Buffer.from(got.values.buffer).equals(Buffer.from(own.buffer))).toBe(true);
    const ranked = treeShapImportanceSection(own, valid.X.names);
    const partial = topPartialDependence(model, data.X, ranked.order, 3);
    expect(partial).toHaveLength(3);
    expect(JSON.stringify(got.partial)).toBe(JSON.stringify(partial));
    const inline = (await startReportThread(null).explain(model, valid.X, { X: data.X, seed: 3 }))!;
    expect(JSON.stringify(inline.partial)).toBe(JSON.stringify(partial));
    expect(Array.from(inline.values)).toEqual(Array.from(own));
    // the report holding them (their charts drawn in the worker already) is the main thread's bytes
    const withThem = buildReportJson({
      model: header,
      splits: {},
      importance: ranked.section,
      partialDependence: got.partial,
    });
    expect(await thread.render(withThem)).toBe(await renderReportHtml(withThem));
    const notTrees = { ...model } as TrainedModel;
    expect(await thread.explain(notTrees, valid.X, { X: data.X, seed: 3 })).toBeUndefined();
  }, 120_000);

  it("answers a TreeSHAP job sent while it draws a report's charts before it has drawn them all", async () => {
    const thread = startReportThread(workerUrl);
    // vega loaded and warm, so only the drawing of the next report's charts is left
    await thread.render(report);
    const pred = model.predict(valid.X).map((v) => v * 0.97);
    const next = buildReportJson({
      model: report.model,
      splits: {},
      predictions: { split: "valid", y: valid.y!, pred, width: 1, threshold: 0.4 },
      importance: { method: "treeshap", features: report.importance!.features.slice(1) },
    });
    const answered: string[] = [];
    await Promise.all([
      thread.render(next).then(() => answered.push("render")),
      thread.importance(model, valid.X).then(() => answered.push("importance")),
    ]);
    expect(answered).toEqual(["importance", "render"]);
  }, 120_000);

  it("evaluates a split in its evaluate lane to the metrics the main thread computes, bit for bit", async () => {
    const pred = model.predict(valid.X);
    const input = {
      y: valid.y!,
      pred,
      width: 1,
      decision: { threshold: 0.3, costs: { tp: 0, fp: 1, tn: 0, fn: 5 } },
    };
    const opts = { seed: 7, resamples: 200 };
    const thread = startReportThread(workerUrl);
    // beside a TreeSHAP job in the report lane: the lanes are separate workers
    const [worker] = await Promise.all([
      thread.evaluate("valid", "binary", input, opts),
      thread.importance(model, valid.X),
    ]);
    const own = evaluateSplit("valid", "binary", input, opts);
    expect(Object.keys(worker)).toEqual(Object.keys(own));
    const bits = (r: Record<string, number>) => Buffer.from(Float64Array.from(Object.values(r)).buffer);
    expect(bits(worker).equals(bits(own))).toBe(true);
    expect(worker["valid.auc.lower"]).toBeLessThan(worker["valid.auc"]!);
    // inline (no worker) too
    expect(
      bits(await startReportThread(null).evaluate("valid", "binary", input, opts)).equals(bits(own)),
    ).toBe(true);
  }, 120_000);

  it("runs inline without the compiled worker, and for a model that is not a tree ensemble", async () => {
    const missing = startReportThread(pathToFileURL(join(outDir, "nope.js")));
    expect(await missing.render(report)).toBe(await renderReportHtml(report));
    const none = startReportThread(null);
    const own = meanAbsShap((model as TreeModel).ensemble, valid.X);
    expect(Array.from((await none.importance(model, valid.X))!)).toEqual(Array.from(own));
    const notTrees = { ...model } as TrainedModel;
    expect(await startReportThread(workerUrl).importance(notTrees, valid.X)).toBeUndefined();
  }, 120_000);

  it("does not keep the process alive once its jobs are answered, and holds it while one is out", () => {
    const script = `
      const { startReportThread } = await import(${JSON.stringify(pathToFileURL(join(outDir, "kinds/model/report-thread.js")).href)});
      const html = await startReportThread(new URL(${JSON.stringify(workerUrl.href)})).render(${JSON.stringify(
        buildReportJson({ model: { name: "m", algorithm: "gbdt", task: "binary" }, splits: {} }),
      )});
      console.log(html.includes("<html") ? "rendered" : "no html");
      // fires only if something (the idle worker) keeps the process alive: before its 30 s idle end
      setTimeout(() => { console.log("still alive"); process.exit(3); }, 29_000).unref();`;
    const file = join(outDir, "exit-check.mjs");
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], {
      cwd: outDir,
      encoding: "utf8",
      timeout: 110_000,
    });
    // exit 13 would be a top-level await left unsettled (the worker let go while a job was out);
    // exit 3, a worker that kept the process alive after its answer
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("rendered");
  }, 120_000);
});
