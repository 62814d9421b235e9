// The deploy block's other targets through apply: `batch` scores a whole source through the
// version's bundle into a file, `container` writes a build context with Kubernetes manifests.
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyProject } from "../../src/runtime/project.js";

describe("deploy targets", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlc-deploy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("batch-scores the source into a CSV and writes container manifests", async () => {
    cpSync(resolve(__dirname, "../../examples/iris"), dir, {
      recursive: true,
      filter: (s) => !s.includes(".mlc"),
    });
    appendFileSync(
      join(dir, "iris.mlspec"),
      `
deploy nightly_scores {
  model = logit
  serve = batch { input = flowers, output = "out/scores.csv", keep = ["species"] }
}

deploy flower_api {
  model = forest
  serve = container { replicas = 3 }
}
`,
    );
    const logs: string[] = [];
    const out = await applyProject(dir, {
      log: () => undefined,
      parallel: 2,
      onEvent: (e) => void (e.type === "log" && logs.push(`${e.id}: ${e.message}`)),
    });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.result.outcomes.filter((o) => o.status === "failed")).toEqual([]);

    const lines = readFileSync(join(dir, "out/scores.csv"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(151);
    // the kept input column first, row for row, so the scores join back to their rows
    expect(lines[0]!.split(",")[0]).toBe("species");
    expect(lines[0]).toContain("label");
    const species = readFileSync(join(dir, "data", "iris.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(species.map((l) => l.split(",").at(-1)));
    // the apply line names the output file and the rows scored
    expect(logs).toContain(
      "deploy.nightly_scores: scored 150 rows of flowers into out/scores.csv (with species)",
    );

    const k8s = join(dir, ".mlc/containers/flower_api");
    expect(existsSync(join(k8s, "Dockerfile"))).toBe(true);
    const deployment = readFileSync(join(k8s, "k8s/deployment.yaml"), "utf8");
    expect(deployment).toMatch(/kind: "?Deployment"?/);
    expect(deployment).toMatch(/replicas: 3\b/);
    expect(existsSync(join(k8s, "project/.mlc/deployments/flower_api/current.json"))).toBe(true);
  });

  it("refuses at apply a kept column a features-block input does not have (MLC2302), writing no scores", async () => {
    // validate knows a source's columns only; a features block's are known once it is built
    appendFileSync(
      join(dir, "iris.mlspec"),
      `
deploy shape_scores {
  model = logit
  serve = batch { input = shape, output = "out/shape.csv", keep = ["petal_lenght"] }
}
`,
    );
    const out = await applyProject(dir, { log: () => undefined, targets: ["deploy.shape_scores"] });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const failed = out.result.outcomes.find((o) => o.id === "deploy.shape_scores");
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toMatch(/batch input shape has no column 'petal_lenght' to keep/);
    expect(existsSync(join(dir, "out/shape.csv"))).toBe(false);
  });
});
