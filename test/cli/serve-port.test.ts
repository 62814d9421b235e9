// `mlc serve` and the container export take the spec's `serve = rest { port = … }` as the default;
// --port overrides it. A spec without a port (or no spec: a container's copy) serves on 8080.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { specPort } from "../../src/cli/spec-port.js";
import { servingAppPlatformProblem } from "../../src/serve/serving-app.js";
import { applyOk, tinyProject } from "../runtime/deploy-project.js";
import { runCli } from "./run-cli.js";

const cli = resolve(import.meta.dirname, "../../dist/src/cli/main.js");

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function withPort(dir: string, port: number): void {
  const spec = join(dir, "tiny.mlspec");
  const text = readFileSync(spec, "utf8").replace(
    "  when  = ok\n",
    `  when  = ok\n  serve = rest { port = ${port} }\n`,
  );
  writeFileSync(spec, text);
}

/** Starts `mlc serve` and resolves with the address it prints, then stops it. */
function servedAddress(args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [cli, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += String(b);
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        child.kill("SIGTERM");
        ok(m[0]);
      }
    });
    child.stderr.on("data", (b: Buffer) => (err += String(b)));
    child.on("exit", (code) => fail(new Error(`mlc serve exited ${code}: ${err}${out}`)));
  });
}

describe("the serving port", () => {
  it("is the spec's rest port by default, 8080 without one", async () => {
    const dir = tinyProject(5);
    expect(specPort(dir, "api", "serve")).toBe(8080);
    withPort(dir, 9123);
    expect(specPort(dir, "api", "serve")).toBe(9123);
  });

  it("is 8080 in a folder without a spec (a container's project: a bundle and its pointer)", () => {
    expect(specPort(mkdtempSync(join(tmpdir(), "mlc-nospec-")), "api", "serve")).toBe(8080);
  });

  it.skipIf(!existsSync(cli))("mlc serve listens there; --port overrides it", async () => {
    const dir = tinyProject(5);
    const port = await freePort();
    withPort(dir, port);
    await applyOk(dir);
    expect(await servedAddress(["api", dir])).toBe(`http://127.0.0.1:${port}`);
    const other = await freePort();
    expect(await servedAddress(["api", dir, "--port", String(other)])).toBe(`http://127.0.0.1:${other}`);
  });

  it("the container export serves on the spec's port", async () => {
    const dir = tinyProject(5);
    withPort(dir, 9124);
    await applyOk(dir);
    const out = join(dir, "image");
    const r = await runCli(["export", "api", dir, "--container", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const deployment = readFileSync(join(out, "k8s/deployment.yaml"), "utf8");
    expect(deployment).toContain("containerPort: 9124");
    expect(deployment).not.toContain("8080");
    expect(readFileSync(join(out, "Dockerfile"), "utf8")).toContain("9124");
  });

  // Regression: the package was renamed (mlspec-compiler) and the export looked for a package.json
  // named "mlc", so the build context lacked the app/ folder its Dockerfile copies.
  it("the container build context holds the app its Dockerfile copies", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const out = join(dir, "image");
    const r = await runCli(["export", "api", dir, "--container", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const dockerfile = readFileSync(join(out, "Dockerfile"), "utf8");
    // the serving app on linux x64 (serving-image.test.ts runs it), the checkout to install elsewhere
    if (servingAppPlatformProblem() === undefined) expect(dockerfile).toContain("COPY app ./");
    else {
      expect(dockerfile).toContain("COPY app/dist ./dist");
      expect(existsSync(join(out, "app", "package-lock.json"))).toBe(true);
    }
    expect(existsSync(join(out, "app", "package.json"))).toBe(true);
    expect(existsSync(join(out, "app", "dist", "src", "cli", "main.js"))).toBe(true);
  });
});
