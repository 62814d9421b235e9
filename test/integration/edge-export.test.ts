// `mlc export --quantize float16|int8 [--web]` on an MLP: the shrunk model.onnx is smaller, the
// parity loss and metric change are measured on the test rows (and match a re-scoring here), a
// gbdt bundle is refused for int8 with the reason, and the browser runner scores records in
// headless Chromium (onnxruntime-web, served over loopback, nothing fetched elsewhere) as the
// server's /v1/predict does.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { runCli } from "../cli/run-cli.js";
import { openState } from "../../src/runtime/state/open.js";
import { ModelRegistry } from "../../src/registry/model-registry.js";

const CHROMIUM = "/usr/bin/chromium";

function rowsCsv(): string {
  let s = 5;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const lines = ["x1,x2,plan,churned"];
  for (let i = 0; i < 240; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = rnd() * 2;
    const plan = rnd() < 0.5 ? "basic" : "premium";
    const z = 1.5 * x1 - x2 + (plan === "basic" ? 0.8 : -0.8);
    lines.push(`${x1.toFixed(4)},${x2.toFixed(4)},${plan},${rnd() < 1 / (1 + Math.exp(-z)) ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}

const SPEC = `
project edge { seed = 11 }
source rows {
  file = "data/rows.csv"
  schema { x1 = float  x2 = float  plan = category  churned = category }
}
features f {
  from      = rows
  x1        = x1
  x2        = x2
  plan_code = onehot(plan)
}
split holdout { from = f  method = stratified(churned)  train = 60%  valid = 20%  test = 20% }
model net {
  task      = classify(churned, positive = "yes")
  data      = holdout
  features  = f.*
  algorithm = mlp
  params { hidden = "32,16"  epochs = 30  learning_rate = 0.01 }
  export { quantize = [float16, int8] }
}
model trees {
  task      = classify(churned, positive = "yes")
  data      = holdout
  features  = f.*
  algorithm = gbdt
  params { trees = 5 }
}
gate ok {
  model = net
  test.auc >= 0.5
  export.int8.size_ratio <= 0.65
  export.int8.max_abs_diff <= 0.05
  export.float16.auc_delta >= -0.01
}
gate ok_trees { model = trees  test.auc >= 0.5 }
deploy api { model = net  when = ok  serve = rest { port = 8080 } }
deploy tree_api { model = trees  when = ok_trees  serve = rest { port = 8081 } }
`;

const RECORDS = [
  { x1: 1.2, x2: 0.3, plan: "basic" },
  { x1: -1.5, x2: 1.7, plan: "premium" },
  { x1: 0, x2: 1, plan: "basic" },
  { x1: 0.4, x2: 0.05, plan: "premium" },
];

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** A static file server over loopback for one directory. */
function serveDir(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** P(yes) of the records from /v1/predict of the server of deployment `api`. */
async function servedScores(dir: string): Promise<number[]> {
  const server = createPredictionServer({
    projectDir: dir,
    deployment: "api",
    logLevel: "silent",
    predictionLog: false,
  });
  await server.loaded;
  try {
    const res = await server.app.inject({
      method: "POST",
      url: "/v1/predict",
      payload: { instances: RECORDS },
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { predictions: { probabilities: { yes: number } }[] }).predictions.map(
      (p) => p.probabilities.yes,
    );
  } finally {
    await server.app.close();
  }
}

describe("edge export", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-edge-"));
  beforeAll(async () => {
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data/rows.csv"), rowsCsv());
    writeFileSync(join(dir, "main.mlspec"), SPEC);
    const out = await applyProject(dir, { log: () => undefined, parallel: 2 });
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("float16 and int8 shrink the MLP and report the measured parity loss", async () => {
    for (const precision of ["float16", "int8"] as const) {
      const out = join(dir, `out-${precision}`);
      const r = await runCli([
        "export",
        "api",
        "--dir",
        dir,
        "--out",
        out,
        "--quantize",
        precision,
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout) as {
        files: string[];
        quantize: {
          precision: string;
          size_before: number;
          size_after: number;
          size_ratio: number;
          rows: number;
          max_abs_diff: number;
          metric: { name: string; before: number; after: number; delta: number };
        };
      };
      const q = json.quantize;
      expect(q.precision).toBe(precision);
      const bundle = loadBundle(out);
      expect(bundle.onnx.byteLength).toBe(q.size_after);
      expect(q.size_ratio).toBeCloseTo(q.size_after / q.size_before, 12);
      expect(q.size_ratio).toBeLessThan(precision === "int8" ? 0.65 : 0.8);
      expect(q.rows).toBe(bundle.meta.metrics["test.rows"]);
      expect(q.max_abs_diff).toBeGreaterThan(0);
      expect(q.max_abs_diff).toBeLessThan(precision === "int8" ? 0.05 : 0.005);
      expect(q.metric.name).toBe("auc");
      expect(q.metric.delta).toBeCloseTo(q.metric.after - q.metric.before, 12);
      expect(Math.abs(q.metric.delta)).toBeLessThan(0.05);
      // apply measured the same graph on the same rows: the version's export.* metrics agree
      const state = await openState(dir);
      const m = (await new ModelRegistry(state).version("net", bundle.meta.version))!.metrics;
      await state.close();
      expect(m[`export.${precision}.size_bytes`]).toBe(q.size_after);
      expect(m[`export.${precision}.max_abs_diff`]).toBe(q.max_abs_diff);
      expect(m[`export.${precision}.auc_delta`]).toBeCloseTo(q.metric.delta, 12);
      const text = await runCli(["export", "api", "--dir", dir, "--out", out, "--quantize", precision]);
      expect(text.stdout).toMatch(new RegExp(`${precision}: model\\.onnx .* kB → .* kB \\(0\\.\\d+×`));
      expect(text.stdout).toContain(`on ${q.rows} test rows max |Δscore|`);
    }
  });

  it("refuses int8 for a tree ensemble and an unknown precision, naming why", async () => {
    const r = await runCli([
      "export",
      "tree_api",
      "--dir",
      dir,
      "--out",
      join(dir, "out-t"),
      "--quantize",
      "int8",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tree ensemble keeps its thresholds");
    const bad = await runCli([
      "export",
      "api",
      "--dir",
      dir,
      "--out",
      join(dir, "out-b"),
      "--quantize",
      "int4",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--quantize takes float16 or int8");
  });

  it("the runner's own module scores records in Node as the server does (its ort files, its encoding)", async () => {
    const out = join(dir, "out-node");
    const r = await runCli(["export", "api", "--dir", dir, "--out", out, "--web"]);
    expect(r.code, r.stderr).toBe(0);
    // no module names a source map the runner does not ship (a browser would ask for it: a 404)
    expect(readFileSync(join(out, "ort.wasm.bundle.min.mjs"), "utf8")).not.toMatch(/sourceMappingURL/);
    const served = await servedScores(dir);
    const http = await serveDir(out);
    try {
      const runner = (await import(pathToFileURL(join(out, "runner.mjs")).href)) as {
        setBase(url: string): void;
        score(records: unknown[]): Promise<number[][]>;
      };
      runner.setBase(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      const scores = await runner.score(RECORDS);
      scores.forEach((s, i) => expect(s[0]).toBeCloseTo(served[i]!, 5));
    } finally {
      await new Promise((ok) => http.close(ok));
    }
  }, 60_000);

  it.skipIf(!existsSync(CHROMIUM))(
    "scores records in headless Chromium as the server does",
    async () => {
      const out = join(dir, "out-web");
      const r = await runCli(["export", "api", "--dir", dir, "--out", out, "--web"]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(out, "index.html"))).toBe(true);
      const served = await servedScores(dir);
      const http = await serveDir(out);
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
      });
      try {
        const page = await browser.newPage();
        const external: string[] = [];
        page.on("request", (q) => {
          if (!q.url().startsWith(base)) external.push(q.url());
        });
        await page.goto(`${base}/`);
        await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
        expect(await page.getAttribute("body", "data-ready")).toBe("1");
        const scores = (await page.evaluate(
          (recs) => (window as unknown as { mlcScore(r: unknown): Promise<number[][]> }).mlcScore(recs),
          RECORDS,
        )) as number[][];
        expect(scores).toHaveLength(RECORDS.length);
        scores.forEach((s, i) => expect(s[0]).toBeCloseTo(served[i]!, 5));
        // the page's own form scores too
        await page.fill("#records", JSON.stringify(RECORDS[0]));
        await page.click("#score");
        await page.waitForFunction(() => document.querySelector("#out")!.textContent !== "");
        const shown = JSON.parse((await page.textContent("#out"))!) as number[][];
        expect(shown[0]![0]).toBeCloseTo(served[0]!, 5);
        expect(external).toEqual([]);
      } finally {
        await browser.close();
        await new Promise((ok) => http.close(ok));
      }
    },
    120_000,
  );
});
