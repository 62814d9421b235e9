// Deployments shared between checkouts (PostgreSQL state + a shared-directory store): a checkout that
// never built a bundle folder plans no changes, serves the deployed version, rolls it back (the
// older bundle comes down from the store, verified), and the first checkout sees the rollback.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyQuiet, SPEC, writeProject } from "../cli/model-project.js";
import { runCli } from "../cli/run-cli.js";
import { planProject } from "../../src/runtime/project.js";
import { materialiseShared } from "../../src/runtime/shared-deployments.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { readDeployment, readHistory } from "../../src/serve/deployment.js";
import { createPredictionServer } from "../../src/serve/server.js";
import { PG, pgSchemas } from "./pg-schemas.js";

const freshSchema = pgSchemas();

const shared = (store: string) => `project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = dir { path = "${store}" }
}
`;

const DEPLOY = `
deploy api {
  model = m
  when  = ok
}
`;

/** Every object file of a shared-directory store. */
function storeObjects(store: string): string[] {
  const root = join(store, "objects");
  return readdirSync(root)
    .filter((p) => /^[0-9a-f]{2}$/.test(p))
    .flatMap((p) => readdirSync(join(root, p)).map((f) => join(root, p, f)));
}

/** A fresh clone: the spec and the data, nothing of .mlc/. */
function clone(from: string, dirs: string[]): string {
  const to = mkdtempSync(join(tmpdir(), "mlc-clone-"));
  dirs.push(to);
  cpSync(join(from, "synth.mlspec"), join(to, "synth.mlspec"));
  cpSync(join(from, "data"), join(to, "data"), { recursive: true });
  return to;
}

async function noChanges(dir: string): Promise<void> {
  const planned = await planProject(dir);
  if (!planned.ok) throw new Error(planned.diagnostics.map((d) => d.message).join("\n"));
  expect(planned.plan.changes.filter((c) => c.action !== "noop")).toEqual([]);
}

describe.skipIf(!PG)("deployments shared between checkouts (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
  });

  it("a second checkout serves and rolls back what the first deployed, from the shared bundles", async () => {
    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_shdep");
    const store = mkdtempSync(join(tmpdir(), "mlc-store-"));
    dirs.push(store);
    const spec = SPEC.replace("project synth {\n  seed = 7\n}\n", shared(store)) + DEPLOY;
    const a = writeProject();
    dirs.push(a);
    writeFileSync(join(a, "synth.mlspec"), spec);
    await applyQuiet(a);
    writeFileSync(join(a, "synth.mlspec"), spec.replace("trees         = 30", "trees         = 31"));
    await applyQuiet(a);
    expect(readDeployment(a, "api")?.version).toBe(2);

    // b has never built a bundle: the plan brings the pointer and the served bundle down and is a no-op.
    const b = clone(a, dirs);
    await noChanges(b);
    expect(readDeployment(b, "api")).toMatchObject({ version: 2, bundle: ".mlc/bundles/api/v2" });
    expect(loadBundle(join(b, ".mlc/bundles/api/v2")).meta).toMatchObject({ model: "m", version: 2 });
    expect(loadBundle(join(b, ".mlc/bundles/api/v1")).meta).toMatchObject({ model: "m", version: 1 });
    expect(readHistory(b, "api").map((h) => h.version)).toEqual([1, 2]);

    // b serves version 2.
    const server = createPredictionServer({ projectDir: b, deployment: "api", predictionLog: false });
    try {
      await server.loaded;
      const base = await server.listen(0);
      const res = await fetch(`${base}/v1/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ x1: 0.5, x2: -0.2, x3: 0.1, grp: "a", region: "north" }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { model_version: number }).model_version).toBe(2);
    } finally {
      await server.close();
    }

    // b rolls back; version 1's bundle folder, gone from b, comes down from the store again.
    rmSync(join(b, ".mlc/bundles/api/v1"), { recursive: true });
    const rb = await runCli(["rollback", "api", "--dir", b, "--json"]);
    expect(rb.stderr).toBe("");
    expect(JSON.parse(rb.stdout)).toMatchObject({ deployment: "api", from: 2, to: 1 });
    expect(loadBundle(join(b, ".mlc/bundles/api/v1")).meta.version).toBe(1);

    // a sees b's rollback: its pointer moves back to version 1, and its plan stays a no-op.
    const st = await runCli(["rollout", "status", "api", "--dir", a, "--json"]);
    expect(st.stderr).toBe("");
    expect(JSON.parse(st.stdout)).toMatchObject({ version: 1 });
    expect(readHistory(a, "api").map((h) => h.version)).toEqual([1, 2, 1]);
    await noChanges(a);

    // gc in a removes nothing a deployment needs: a third checkout still materialises both bundles.
    expect((await runCli(["gc", a])).code).toBe(0);
    const c = clone(a, dirs);
    await noChanges(c);
    expect(readDeployment(c, "api")?.version).toBe(1);
    expect(loadBundle(join(c, ".mlc/bundles/api/v1")).meta.version).toBe(1);
    await materialiseShared(c, "api", ".mlc/bundles/api/v2");
    expect(readFileSync(join(c, ".mlc/bundles/api/v2/bundle.json"), "utf8")).toContain('"version": 2');

    // Objects are verified on download: a tampered bundle.json in the store is refused (MLC2400), never written.
    const tampered = storeObjects(store).find((f) =>
      /"format_version": 1[\s\S]*"version": 1,/.test(readFileSync(f, "utf8")),
    );
    expect(tampered).toBeDefined();
    writeFileSync(tampered!, readFileSync(tampered!, "utf8").replace('"version": 1,', '"version": 3,'));
    const d = clone(a, dirs);
    await expect(planProject(d)).rejects.toMatchObject({ code: "MLC2400" });
    expect(existsSync(join(d, ".mlc/bundles/api/v1"))).toBe(false);
  }, 240_000);
});
