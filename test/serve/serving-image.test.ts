// The container context of `mlc export --container` carries only what serving needs: copied alone
// to a folder with no node_modules above it, its app/ starts the server from its own files and
// answers /v1/predict, and it is a small part of the checkout's node_modules (no tfjs, vega or
// onnxruntime builds for other systems). No docker here: the context is tested, not an image build.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands/export.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { folderBytes, servingAppPlatformProblem } from "../../src/serve/serving-app.js";
import { runCommand } from "./cli-harness.js";
import { buildFixtureBundle, fixtureExpected, tempProject } from "./fixtures.js";

const built = existsSync(resolve("dist/src/cli/commands/serve.js"));

/** Whether some folder from `dir` up holds a node_modules (which Node would resolve packages from). */
function nodeModulesAbove(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules"))) return true;
    if (dirname(d) === d) return false;
  }
}

describe.skipIf(!built || servingAppPlatformProblem() !== undefined)(
  "the serving image's context (needs npm run build, on linux x64)",
  () => {
    it("serves /v1/predict from its own folder and is far smaller than node_modules", async () => {
      const p = tempProject();
      buildFixtureBundle(join(p, ".mlc/bundles/churn_api/v1"), { version: 1 });
      writeDeployment(p, "churn_api", { version: 1, bundle: ".mlc/bundles/churn_api/v1" }, "deploy");
      const out = join(tempProject(), "ctx");
      const r = await runCommand(register, [
        "export",
        "churn_api",
        "--dir",
        p,
        "--out",
        out,
        "--container",
        "--json",
      ]);
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(r.out) as { context_bytes: number; files: string[] };
      expect(json.context_bytes).toBe(folderBytes(out));
      expect(json.files).toContain("app/");

      // nothing is installed in the image: the Dockerfile copies app/ as it is
      const dockerfile = readFileSync(join(out, "Dockerfile"), "utf8");
      expect(dockerfile).not.toContain("npm ci");
      expect(dockerfile).toContain(`node:${process.versions.node.split(".")[0]}-slim`);

      // only the serving packages, and onnxruntime's linux-x64 build alone
      const packages = readdirSync(join(out, "app", "node_modules"));
      expect(packages).toEqual(expect.arrayContaining(["fastify", "onnxruntime-node"]));
      for (const heavy of ["@tensorflow", "vega", "vega-lite", "onnxruntime-web", "typescript", "vitest"])
        expect(packages).not.toContain(heavy);
      const builds = join(out, "app", "node_modules", "onnxruntime-node", "bin", "napi-v6");
      expect(readdirSync(builds)).toEqual(["linux"]);
      expect(readdirSync(join(builds, "linux"))).toEqual(["x64"]);
      expect(json.context_bytes).toBeLessThan(folderBytes(resolve("node_modules")) / 5);

      // the context alone, where no node_modules of the checkout can be reached
      const alone = mkdtempSync(join(tmpdir(), "mlc-image-"));
      cpSync(join(out, "app"), join(alone, "app"), { recursive: true });
      cpSync(join(out, "project"), join(alone, "project"), { recursive: true });
      expect(nodeModulesAbove(join(alone, "app"))).toBe(false);
      const child = spawn(
        process.execPath,
        [
          "dist/src/cli/main.js",
          "serve",
          "churn_api",
          "--dir",
          "../project",
          "--host",
          "127.0.0.1",
          "--port",
          "0",
        ],
        { cwd: join(alone, "app"), env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let log = "";
      child.stdout.on("data", (d: Buffer) => (log += d.toString()));
      child.stderr.on("data", (d: Buffer) => (log += d.toString()));
      try {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        let address: string | undefined;
        while (!address) {
          const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 50))]);
          if (done) throw new Error(`the server exited: ${log}`);
          if (/ready, serving/.test(log)) address = /listening on (http:\/\/\S+)/.exec(log)?.[1];
        }
        const rec = { tenure: 7, monthly: 20, active: true, plan: "basic" };
        const res = await fetch(`${address}/v1/predict`, { method: "POST", body: JSON.stringify(rec) });
        expect(res.status, log).toBe(200);
        const body = (await res.json()) as { predictions: { probabilities: Record<string, number> }[] };
        expect(body.predictions[0]!.probabilities.churn).toBeCloseTo(fixtureExpected(rec), 5);
      } finally {
        child.kill("SIGTERM");
      }
    }, 120_000);
  },
);
