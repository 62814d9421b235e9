// The browser runner of an exported bundle: a static page (index.html, runner.mjs) that loads
// model.onnx and bundle.json beside it with onnxruntime-web, encodes records as the server does
// (numbers and booleans as float, null as NaN; text as string, null as ""; timestamps as epoch
// milliseconds) and scores them. onnxruntime-web's wasm build is copied next to it: no CDN, no network.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The onnxruntime-web files the page loads: the wasm-only build, its wasm glue and the wasm binary. */
export const ORT_WEB_FILES = [
  "ort.wasm.bundle.min.mjs",
  "ort-wasm-simd-threaded.mjs",
  "ort-wasm-simd-threaded.wasm",
] as const;

const RUNNER = `// mlc browser runner: scores records with the bundle's model.onnx in onnxruntime-web.
import * as ort from "./ort.wasm.bundle.min.mjs";

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL("./", import.meta.url).href;

const TYPES = { int: "float", float: "float", bool: "float", string: "string", category: "string", timestamp: "double" };

let loaded;
/** Where model.onnx and bundle.json are: beside the page, or another base URL (\`setBase\`). */
let base = new URL("./", import.meta.url).href;
export function setBase(url) {
  base = url;
  loaded = undefined;
}

async function load() {
  loaded ??= (async () => {
    const meta = await (await fetch(new URL("bundle.json", base))).json();
    const bytes = new Uint8Array(await (await fetch(new URL("model.onnx", base))).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
    return { meta, session };
  })();
  return loaded;
}

export function feeds(meta, records) {
  const n = records.length;
  const out = {};
  for (const input of meta.inputs) {
    const type = TYPES[input.type];
    const values = records.map((r) => r[input.name]);
    if (type === "string") {
      out[input.name] = new ort.Tensor("string", values.map((v) => (v === null || v === undefined ? "" : String(v))), [n, 1]);
    } else if (type === "double") {
      const data = Float64Array.from(values, (v) =>
        v === null || v === undefined ? NaN : typeof v === "number" ? v : Date.parse(String(v)),
      );
      out[input.name] = new ort.Tensor("float64", data, [n, 1]);
    } else {
      const data = Float32Array.from(values, (v) =>
        v === null || v === undefined ? NaN : typeof v === "boolean" ? (v ? 1 : 0) : Number(v),
      );
      out[input.name] = new ort.Tensor("float32", data, [n, 1]);
    }
  }
  return out;
}

/** Scores records (objects by input name): one array of scores per record (the model's output width). */
export async function score(records) {
  const { meta, session } = await load();
  const result = await session.run(feeds(meta, records));
  const data = Array.from(result.score.data);
  const w = meta.output.width;
  return records.map((_, i) => data.slice(i * w, (i + 1) * w));
}

/** The bundle's scorer for pages and scripts. */
if (typeof window !== "undefined") window.mlcScore = score;

if (typeof document !== "undefined") {
  document.querySelector("#score")?.addEventListener("click", async () => {
    const out = document.querySelector("#out");
    try {
      const records = JSON.parse(document.querySelector("#records").value);
      out.textContent = JSON.stringify(await score(Array.isArray(records) ? records : [records]), null, 2);
    } catch (e) {
      out.textContent = "error: " + e.message;
    }
  });
  load().then(
    ({ meta }) => {
      document.querySelector("#status").textContent = meta.model + " version " + meta.version + " loaded";
      document.body.dataset.ready = "1";
    },
    (e) => {
      document.querySelector("#status").textContent = "error: " + e.message;
      document.body.dataset.ready = "error";
    },
  );
}
`;

const page = (title: string): string => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:50em}textarea{width:100%;height:10em;font:13px monospace}pre{background:#f4f4f4;padding:1em}</style>
</head><body>
<h1>${title}</h1>
<p id="status">loading…</p>
<p>Records as JSON (an object or a list of objects by input name):</p>
<textarea id="records">[]</textarea>
<p><button id="score">Score</button></p>
<pre id="out"></pre>
<script type="module" src="runner.mjs"></script>
</body></html>
`;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Writes index.html, runner.mjs and onnxruntime-web's files into `dir` (beside model.onnx); returns their names. */
export function writeWebRunner(dir: string, model: string, version: number): string[] {
  mkdirSync(dir, { recursive: true });
  const dist = dirname(createRequire(import.meta.url).resolve("onnxruntime-web"));
  for (const f of ORT_WEB_FILES)
    if (f.endsWith(".mjs"))
      // the source-map comment names a .map file the runner does not ship: a browser would ask for it (404)
      writeFileSync(
        join(dir, f),
        readFileSync(join(dist, f), "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"),
      );
    else copyFileSync(join(dist, f), join(dir, f));
  writeFileSync(join(dir, "runner.mjs"), RUNNER);
  writeFileSync(join(dir, "index.html"), page(escapeHtml(`${model} v${version}: mlc browser runner`)));
  return ["index.html", "runner.mjs", ...ORT_WEB_FILES];
}
