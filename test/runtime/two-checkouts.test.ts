// Two checkouts in different folders share a PostgreSQL state and an S3-compatible store (both
// named in the project block): the second plans no changes, reports and reads what the first applied.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyQuiet, SPEC, writeProject } from "../cli/model-project.js";
import { runCli } from "../cli/run-cli.js";
import { planProject } from "../../src/runtime/project.js";
import { PG, pgSchemas } from "./pg-schemas.js";
import { BUCKET, s3Server } from "./s3-server.js";

const server = s3Server();
const freshSchema = pgSchemas();

const SHARED = `project synth {
  seed      = 7
  state     = postgres { url = env("MLC_TEST_PG_URL") }
  artifacts = s3 {
    bucket   = "${BUCKET}"
    prefix   = "two-checkouts"
    endpoint = env("MLC_TEST_S3_ENDPOINT")
  }
}
`;

describe.skipIf(!PG)("two checkouts sharing PostgreSQL and S3 (needs MLC_TEST_PG_URL)", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    delete process.env.MLC_STATE_SCHEMA;
    delete process.env.MLC_TEST_S3_ENDPOINT;
  });

  it("the second checkout plans no changes and reports the first one's model", async () => {
    process.env.MLC_STATE_SCHEMA = freshSchema("mlc_two");
    process.env.MLC_TEST_S3_ENDPOINT = server.endpoint;
    const spec = SPEC.replace("project synth {\n  seed = 7\n}\n", SHARED);
    expect(spec).not.toBe(SPEC);

    const a = writeProject();
    writeFileSync(join(a, "synth.mlspec"), spec);
    dirs.push(a);
    await applyQuiet(a);
    // No local state file: the state is in PostgreSQL.
    expect(existsSync(join(a, ".mlc", "state.db"))).toBe(false);

    // A fresh clone: the spec and the data, nothing of .mlc/.
    const b = mkdtempSync(join(tmpdir(), "mlc-checkout-b-"));
    dirs.push(b);
    cpSync(join(a, "synth.mlspec"), join(b, "synth.mlspec"));
    cpSync(join(a, "data"), join(b, "data"), { recursive: true });
    const planned = await planProject(b);
    if (!planned.ok) throw new Error(planned.diagnostics.map((d) => d.message).join("\n"));
    expect(planned.plan.changes.filter((c) => c.action !== "noop")).toEqual([]);
    const text = await runCli(["plan", b]);
    expect(text.stdout).toMatch(/^No changes\./);

    const r = await runCli(["report", "m", "--dir", b, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: { name: "m", version: 1 } });
    // The report's objects came down from the shared store into b's own cache.
    expect(existsSync(join(b, ".mlc", "objects"))).toBe(true);

    // gc in either checkout keeps everything the shared registry references.
    const gc = await runCli(["gc", b]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/removed 0 objects from s3:\/\/mlc-team\/two-checkouts/);
    const again = await planProject(a);
    expect(again.ok && again.plan.changes.every((c) => c.action === "noop")).toBe(true);
    expect(readFileSync(join(b, "synth.mlspec"), "utf8")).toContain("artifacts = s3");
  }, 120_000);
});
