// `mlc export DEPLOYMENT --out DIR`: copies the deployment's current bundle (model.onnx + bundle.json)
// for use outside mlc (edge, another ONNX runtime); `--quantize float16|int8` shrinks the graph and
// reports the parity loss measured on the test rows; `--web` adds a browser runner (onnxruntime-web);
// `--container` writes a docker build context and k8s manifests.
import type { Command } from "commander";
import { resolve } from "node:path";
import { diagnosticOf, isInternal } from "../../ir/errors.js";
import { buildBundleDir, loadBundle, readBundleRetrieval } from "../../serve/bundle.js";
import { mlcAppRoot } from "../../serve/app-root.js";
import { k8sName, writeContainerManifests } from "../../serve/container.js";
import { folderBytes } from "../../serve/serving-app.js";
import { writeMonitorCronJobs } from "../../runtime/monitor/monitor-cronjobs.js";
import { readDeployment, resolveBundlePath } from "../../serve/deployment.js";
import { CliExit } from "../exit.js";
import { specPort } from "../spec-port.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";
import { PRECISIONS, type Precision } from "../../onnx/quantize.js";
import { quantizeBundle, type EdgeReport } from "../../runtime/edge-export.js";
import { writeWebRunner } from "../../serve/web-runner.js";

/** One line of the quantised export: sizes, parity and the metric's change. */
function edgeText(r: EdgeReport): string {
  const kb = (b: number): string => `${(b / 1024).toFixed(1)} kB`;
  const metric = r.metric
    ? `; test ${r.metric.name} ${r.metric.before.toFixed(4)} → ${r.metric.after.toFixed(4)} (${r.metric.delta >= 0 ? "+" : ""}${r.metric.delta.toPrecision(3)})`
    : "";
  return `${r.precision}: model.onnx ${kb(r.sizeBefore)} → ${kb(r.sizeAfter)} (${r.sizeRatio.toFixed(3)}×, ${r.tensors} weight tensor${r.tensors === 1 ? "" : "s"}); on ${r.rows} test rows max |Δscore| ${r.maxAbsDiff.toPrecision(3)}${metric}\n`;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("export")
      .description("write a deployment's current bundle (model.onnx + bundle.json) to a directory")
      .argument("<deployment>"),
  )
    .requiredOption("--out <dir>", "output directory (replaced if it exists)")
    .option(
      "--container",
      "write a docker build context with Kubernetes manifests instead of the bare bundle",
    )
    .option("--image <ref>", "image reference for the Kubernetes Deployment (with --container)")
    .option(
      "--quantize <precision>",
      "shrink model.onnx: float16 (float weights as halves) or int8 (MatMul/Gemm weights); reports size and parity on the test rows",
    )
    .option("--web", "add a browser runner: index.html + runner.mjs with onnxruntime-web's wasm files")
    .option(
      "--json",
      "print JSON: deployment, model, version, out, files (context_bytes with --container; quantize: sizes, parity)",
    )
    .action(
      async (
        name: string,
        _dir: string,
        f: {
          out: string;
          dir: string;
          container?: boolean;
          image?: string;
          quantize?: string;
          web?: boolean;
          json?: boolean;
        },
      ) => {
        const projectDir = resolve(f.dir);
        let bundleDir: string;
        try {
          const p = readDeployment(projectDir, name);
          if (!p)
            throw new CliExit(1, `mlc export: deployment '${name}' has no current version in ${projectDir}`);
          bundleDir = resolveBundlePath(projectDir, p.bundle);
          const b = loadBundle(bundleDir);
          if ((f.quantize || f.web) && f.container)
            throw new CliExit(2, "mlc export: --quantize and --web write a bare bundle; drop --container");
          if (f.quantize !== undefined && !(PRECISIONS as readonly string[]).includes(f.quantize))
            throw new CliExit(
              2,
              `mlc export: --quantize takes ${PRECISIONS.join(" or ")}, not '${f.quantize}'`,
            );
          if (!f.container) {
            const retrieval = readBundleRetrieval(b);
            const edge = f.quantize
              ? await quantizeBundle(projectDir, b, f.quantize as Precision)
              : undefined;
            buildBundleDir(resolve(f.out), edge?.onnx ?? b.onnx, b.meta, retrieval ? { retrieval } : {});
            const files = ["model.onnx", "bundle.json", ...(retrieval ? ["retrieval.bin"] : [])];
            if (f.web) files.push(...writeWebRunner(resolve(f.out), b.meta.model, b.meta.version));
            if (f.json) {
              const json = {
                deployment: name,
                model: b.meta.model,
                version: b.meta.version,
                out: resolve(f.out),
                files,
                ...(edge ? { quantize: edge.report } : {}),
              };
              return void printJson(json);
            }
            process.stdout.write(
              `${name}: ${b.meta.model} version ${b.meta.version} written to ${resolve(f.out)} (${files.join(", ")})\n`,
            );
            if (edge) process.stdout.write(edgeText(edge.report));
            return;
          }
          const root = mlcAppRoot();
          const files = writeContainerManifests(resolve(f.out), b.meta, {
            bundleDir,
            ...(root ? { appDir: root } : {}),
            ...(f.image ? { image: f.image } : {}),
            port: specPort(f.dir, name, "export"),
            ...(p.online ? { online: { ref: p.online, projectDir } } : {}),
            ...(p.log ? { log: p.log } : {}),
          });
          // each monitor of the deployment runs as a CronJob in the same image
          const jobs = await writeMonitorCronJobs(
            projectDir,
            resolve(f.out),
            name,
            f.image ?? `mlc-${k8sName(name)}:v${b.meta.version}`,
            p.log,
          );
          files.push(...jobs.files);
          for (const s of jobs.skipped)
            process.stderr.write(`mlc export: warning: ${s}; no CronJob written\n`);
          // what `docker build` sends: the image is this plus the node base image
          const contextBytes = folderBytes(resolve(f.out));
          if (f.json) {
            const json = {
              deployment: name,
              model: b.meta.model,
              version: b.meta.version,
              out: resolve(f.out),
              files,
              context_bytes: contextBytes,
            };
            return void printJson(json);
          }
          process.stdout.write(
            `${name}: container context for version ${b.meta.version} in ${resolve(f.out)} (${(contextBytes / 1048576).toFixed(1)} MiB)\n${files.map((x) => `  ${x}`).join("\n")}\n`,
          );
        } catch (e) {
          if (e instanceof CliExit) throw e;
          // A bundle, deployment or file-system problem is the user's; anything else is a bug (with its stack).
          if (!isInternal(diagnosticOf(e))) throw new CliExit(1, `mlc export: ${(e as Error).message}`);
          throw e;
        }
      },
    );
}
