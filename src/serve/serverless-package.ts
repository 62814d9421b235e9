// `serve = serverless { provider = aws_lambda }`: the function package of a deployment's bundle.
// Writes, into one folder (replaced as a whole, by rename): `handler.zip` (index.mjs → the handler of
// lambda-handler.ts, the bundle under bundle/, mlc's modules the handler imports and only the
// dependency files its warm-up loads, native addons for the target architecture alone),
// `template.yaml` (an AWS SAM function with the HTTP API routes) and `size.json` (bytes per part,
// against Lambda's limits). Entries are sorted and dated 1980-01-01, so the same bundle and build
// give the same zip bytes.
import AdmZip from "adm-zip";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadBundle } from "./bundle.js";
import { LAMBDA_BUNDLE_DIR } from "./lambda-handler.js";
import { dependencyEntryName, entryName, packageDirOf, traceRuntime } from "./runtime-trace.js";
import { toYaml, type YamlValue } from "./yaml.js";

export type LambdaArch = "x86_64" | "arm64";

export interface LambdaOptions {
  /** The built mlc application (the folder holding dist/ and node_modules). */
  appRoot: string;
  bundleDir: string;
  arch: LambdaArch;
  memoryMb: number;
  timeoutSeconds: number;
}

/** Lambda's documented limits of a function package. */
export const LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024;
export const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

export interface SizeReport {
  zip_bytes: number;
  unzipped_bytes: number;
  zip_limit_bytes: number;
  unzipped_limit_bytes: number;
  within_limits: boolean;
  /** Unzipped bytes per part: `bundle`, `mlc` (its own modules) and each dependency package. */
  parts: Record<string, number>;
  files: number;
}

export interface LambdaPackage {
  dir: string;
  files: string[];
  size: SizeReport;
}

const HANDLER_MODULE = join("dist", "src", "serve", "lambda-handler.js");
/** Node's name of each Lambda architecture, as it appears in native addon paths. */
const NODE_ARCH: Record<LambdaArch, string> = { x86_64: "x64", arm64: "arm64" };
const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);

/** Writes the package of `bundleDir` into `outDir`; returns what it wrote. */
export function writeLambdaPackage(outDir: string, opts: LambdaOptions): LambdaPackage {
  const app = resolve(opts.appRoot);
  const handler = join(app, HANDLER_MODULE);
  if (!existsSync(handler))
    throw new Error(`${app} has no ${HANDLER_MODULE}: run 'npm run build' in it first`);
  const bundle = loadBundle(opts.bundleDir);
  const out = resolve(outDir);
  const stage = `${out}.tmp-${process.pid}`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, LAMBDA_BUNDLE_DIR), { recursive: true });
  try {
    writeFileSync(join(stage, LAMBDA_BUNDLE_DIR, "model.onnx"), bundle.onnx);
    writeFileSync(
      join(stage, LAMBDA_BUNDLE_DIR, "bundle.json"),
      readFileSync(join(bundle.dir, "bundle.json")),
    );
    // the warm-up loads the bundle from the staging folder exactly as Lambda will from /var/task
    const trace = traceRuntime(
      handler,
      `const r = await entry.handler({ rawPath: "/healthz", requestContext: { http: { method: "GET" } } });
if (r.statusCode !== 200) throw new Error(r.body);`,
      { LAMBDA_TASK_ROOT: stage },
      app,
    );

    const entries = new Map<string, Buffer>();
    const parts: Record<string, number> = {};
    const add = (name: string, data: Buffer, part: string): void => {
      if (entries.has(name)) return;
      entries.set(name, data);
      parts[part] = (parts[part] ?? 0) + data.length;
    };
    add(`${LAMBDA_BUNDLE_DIR}/model.onnx`, Buffer.from(bundle.onnx), "bundle");
    add(`${LAMBDA_BUNDLE_DIR}/bundle.json`, readFileSync(join(bundle.dir, "bundle.json")), "bundle");
    add(
      "package.json",
      Buffer.from(
        JSON.stringify(
          { name: `mlc-lambda-${bundle.meta.deployment}`, private: true, type: "module" },
          null,
          2,
        ) + "\n",
      ),
      "mlc",
    );
    add(
      "index.mjs",
      Buffer.from(`export { handler } from "./${HANDLER_MODULE.split("\\").join("/")}";\n`),
      "mlc",
    );
    for (const m of trace.modules) add(entryName(app, m), readFileSync(m), "mlc");

    const packageOf = (file: string): string => {
      const dir = packageDirOf(file)!;
      return dependencyEntryName(dir).replace(/^node_modules\//, "");
    };
    const packageDirs = new Set<string>();
    for (const f of trace.dependencyFiles) {
      add(dependencyEntryName(f), readFileSync(f), packageOf(f));
      packageDirs.add(packageDirOf(f)!);
    }
    for (const dir of trace.wholePackages) {
      for (const f of filesUnder(dir)) add(dependencyEntryName(f), readFileSync(f), packageOf(f));
      packageDirs.add(dir);
    }
    // every package.json from a file up to its package's root: a nested one ({"type": "commonjs"}
    // in dist/cjs/) decides how Node reads the files below it
    for (const file of [...trace.dependencyFiles, ...trace.nativeAddons]) {
      const root = packageDirOf(file)!;
      for (let dir = dirname(file); dir.length >= root.length; dir = dirname(dir)) {
        const pkg = join(dir, "package.json");
        if (existsSync(pkg)) add(dependencyEntryName(pkg), readFileSync(pkg), packageOf(pkg));
        if (dir === root) break;
      }
    }
    for (const dir of packageDirs) {
      const pkg = join(dir, "package.json");
      if (existsSync(pkg)) add(dependencyEntryName(pkg), readFileSync(pkg), packageOf(pkg));
    }
    // a native addon comes with the libraries beside it, in the build of the target architecture
    const traced = NODE_ARCH[process.arch === "arm64" ? "arm64" : "x86_64"];
    const wanted = NODE_ARCH[opts.arch];
    for (const addon of trace.nativeAddons) {
      const dir = dirname(addon);
      const target = dir.split(`/${traced}`).join(`/${wanted}`);
      if (!existsSync(target))
        throw new Error(`${packageOf(addon)} has no native build for ${opts.arch} (looked in ${target})`);
      for (const f of filesUnder(target)) add(dependencyEntryName(f), readFileSync(f), packageOf(f));
    }

    const zip = new AdmZip();
    for (const name of [...entries.keys()].sort()) {
      const entry = zip.addFile(name, entries.get(name)!, "", 0o644);
      entry.header.time = FIXED_TIME;
    }
    const zipBytes = zip.toBuffer();
    writeFileSync(join(stage, "handler.zip"), zipBytes);
    rmSync(join(stage, LAMBDA_BUNDLE_DIR), { recursive: true });

    const unzipped = [...entries.values()].reduce((s, b) => s + b.length, 0);
    const size: SizeReport = {
      zip_bytes: zipBytes.length,
      unzipped_bytes: unzipped,
      zip_limit_bytes: LAMBDA_ZIP_LIMIT,
      unzipped_limit_bytes: LAMBDA_UNZIPPED_LIMIT,
      within_limits: zipBytes.length <= LAMBDA_ZIP_LIMIT && unzipped <= LAMBDA_UNZIPPED_LIMIT,
      parts: Object.fromEntries(Object.entries(parts).sort(([a], [b]) => a.localeCompare(b))),
      files: entries.size,
    };
    writeFileSync(join(stage, "size.json"), JSON.stringify(size, null, 2) + "\n");
    writeFileSync(join(stage, "template.yaml"), samTemplate(bundle.meta.deployment, opts));
    // the previous package is set aside, not deleted, until the new one is in place
    const old = `${out}.old-${process.pid}`;
    mkdirSync(dirname(out), { recursive: true });
    if (existsSync(out)) renameSync(out, old);
    renameSync(stage, out);
    rmSync(old, { recursive: true, force: true });
    return { dir: out, files: ["handler.zip", "size.json", "template.yaml"], size };
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files.push(...filesUnder(p));
    else files.push(p);
  }
  return files;
}

/** An AWS SAM template: the function and the HTTP API routes the handler answers. */
function samTemplate(deployment: string, opts: LambdaOptions): string {
  const route = (path: string, method: string): YamlValue => ({
    Type: "HttpApi",
    Properties: { Path: path, Method: method },
  });
  const doc: Record<string, YamlValue> = {
    AWSTemplateFormatVersion: "2010-09-09",
    Transform: "AWS::Serverless-2016-10-31",
    Description: `mlc deployment ${deployment}`,
    Resources: {
      [functionName(deployment)]: {
        Type: "AWS::Serverless::Function",
        Properties: {
          CodeUri: "handler.zip",
          Handler: "index.handler",
          Runtime: "nodejs20.x",
          Architectures: [opts.arch],
          MemorySize: opts.memoryMb,
          Timeout: opts.timeoutSeconds,
          Events: {
            Predict: route("/v1/predict", "POST"),
            Health: route("/healthz", "GET"),
            Model: route("/v1/model", "GET"),
          },
        },
      },
    },
  };
  return toYaml(doc);
}

/** A CloudFormation logical id: letters and digits only. */
function functionName(deployment: string): string {
  const words = deployment.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("") + "Function";
}
