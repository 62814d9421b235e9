// A damaged bundle or deployment pointer is visible to plan (a replace with the reason) and apply
// rebuilds it, also when the last plan was a remembered no-op.
import { appendFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment } from "../../src/serve/deployment.js";
import { runCli } from "../cli/run-cli.js";
import { applyOk, tinyProject } from "./deploy-project.js";

const bundle = (dir: string) => join(dir, ".mlc", "bundles", "api", "v1");
const pointer = (dir: string) => join(dir, ".mlc", "deployments", "api", "current.json");

describe("deploy outputs outside the artifact store", () => {
  let dir: string;
  beforeAll(async () => {
    dir = tinyProject(5);
    await applyOk(dir);
  });

  const planText = async () => {
    const r = await runCli(["plan", dir]);
    expect(r.stderr).toBe("");
    return r.stdout;
  };

  for (const [what, damage, expected] of [
    [
      "a corrupt model.onnx",
      (d: string) => appendFileSync(join(bundle(d), "model.onnx"), "x"),
      /bundle \.mlc\/bundles\/api\/v1 is missing or corrupt/,
    ],
    [
      "a missing bundle",
      (d: string) => rmSync(bundle(d), { recursive: true }),
      /bundle \.mlc\/bundles\/api\/v1 is missing or corrupt/,
    ],
    [
      "a corrupt pointer",
      (d: string) => writeFileSync(pointer(d), "{ broken"),
      /deployment pointer \.mlc\/deployments\/api\/current\.json is corrupt/,
    ],
    [
      "a deleted pointer",
      (d: string) => rmSync(pointer(d)),
      /deployment pointer \.mlc\/deployments\/api\/current\.json is missing/,
    ],
  ] as const) {
    it(`${what}: plan reports it, apply rebuilds it`, async () => {
      expect(await planText()).toContain("No changes");
      damage(dir);
      const text = await planText();
      expect(text).toMatch(expected);
      expect(text).toMatch(/-\/\+ deploy\.api/);
      await applyOk(dir);
      expect(loadBundle(bundle(dir)).meta.version).toBe(1);
      expect(readDeployment(dir, "api")?.version).toBe(1);
      expect(await planText()).toContain("No changes");
    });
  }

  it("keeps the damaged pointer beside the new one", () => {
    const kept = readdirSync(join(dir, ".mlc", "deployments", "api")).filter((f) => f.includes("damaged"));
    expect(kept.length).toBe(1);
  });
});
