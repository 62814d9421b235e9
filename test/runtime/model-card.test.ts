// `mlc card`: a model card from state, kept with the version by apply; descriptive attributes
// (intended_use, limitations) reach the card and retrain nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderModelCard, type ModelCardInput } from "../../src/ml/report/model-card.js";
import { planProject } from "../../src/runtime/project.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { storedCardHash } from "../../src/runtime/model-card.js";
import { openState } from "../../src/runtime/state/open.js";
import { runCli } from "../cli/run-cli.js";
import { applyOk, setSpec, tinyProject } from "./deploy-project.js";

const describeModel = (dir: string, use: string) => {
  const p = join(dir, "tiny.mlspec");
  const text = readFileSync(p, "utf8").replace(
    "  algorithm = gbdt\n",
    `  algorithm = gbdt\n  intended_use = "${use}"\n  limitations  = ["trained on 300 synthetic rows", "no | pipes in cells"]\n`,
  );
  writeFileSync(p, text);
};

async function storedCard(dir: string, version: number): Promise<string | undefined> {
  const s = await openState(dir);
  try {
    const h = await storedCardHash(s, "m", version);
    return h ? Buffer.from(await openArtifacts(dir).get(h)).toString("utf8") : undefined;
  } finally {
    await s.close();
  }
}

describe("mlc card", () => {
  it("covers use, limitations, data lineage, metrics with intervals, gates, serving and history", async () => {
    const dir = tinyProject(5);
    describeModel(dir, "rank accounts for a retention call");
    await applyOk(dir);
    const r = await runCli(["card", "m", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const md = r.stdout;
    expect(md).toMatch(/^# Model card: m version 1\n/);
    expect(md).toContain("rank accounts for a retention call");
    expect(md).toContain("- trained on 300 synthetic rows");
    expect(md).toMatch(/\| source\.rows \| data\/rows\.csv \| 300 \|/);
    expect(md).toMatch(/\| auc \| 0\.\d+ \| \[0\.\d+, (0\.\d+|1)\] 95% \|/);
    expect(md).toMatch(/\| ok \| passed \|/);
    expect(md).toMatch(/\| api \| version 1 \|/);
    expect(md).toContain("| 1 |");
    // apply kept the same card with the version
    expect(await storedCard(dir, 1)).toBe(md);
  });

  it("a changed intended_use retrains nothing, and the next apply refreshes the kept card", async () => {
    const dir = tinyProject(5);
    describeModel(dir, "first wording");
    await applyOk(dir);
    setSpec(dir, 5);
    describeModel(dir, "second wording");
    const plan = await planProject(dir);
    if (!plan.ok) throw new Error("compile failed");
    expect(plan.plan.changes.filter((c) => c.action !== "noop").map((c) => c.id)).toEqual([]);
    await applyOk(dir);
    expect(await storedCard(dir, 1)).toContain("second wording");
    expect((await runCli(["card", "m", "-C", dir])).stdout).toContain("second wording");
  });

  it("renders HTML without scripts, escaping text", async () => {
    const dir = tinyProject(5);
    describeModel(dir, "<b>bold</b> & more");
    await applyOk(dir);
    const r = await runCli(["card", "m", dir, "--format", "html"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("&lt;b&gt;bold&lt;/b&gt; &amp; more");
    expect(r.stdout).not.toMatch(/<script|https?:\/\//);
  });

  it("names what is missing: an unknown model, a version not recorded, a bad flag", async () => {
    const dir = tinyProject(5);
    await applyOk(dir);
    const unknown = await runCli(["card", "nope", dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no versions of model 'nope'");
    expect(unknown.stderr).toContain("models: m");
    const version = await runCli(["card", "m", dir, "--version", "7"]);
    expect(version.code).toBe(1);
    expect(version.stderr).toContain("has no version 7");
    const format = await runCli(["card", "m", dir, "--format", "pdf"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("--format must be md or html");
  });

  it("is deterministic and escapes table cells", () => {
    const input: ModelCardInput = {
      model: "m",
      version: 2,
      algorithm: "gbdt",
      task: "binary",
      created: "2026-01-01T00:00:00.000Z",
      aliases: ["champion"],
      limitations: ["a | b"],
      params: { trees: 5 },
      data: [],
      splits: {},
      fairness: [],
      gates: [],
      deployments: [],
      monitors: [
        {
          name: "watch",
          deployment: "api",
          assertions: ["drift(x1, psi) < 0.2"],
          actions: ['alert(env("URL"))'],
        },
      ],
      history: [{ version: 2, created: "2026-01-01T00:00:00.000Z", aliases: ["champion"] }],
    };
    const a = renderModelCard(input, "md");
    expect(renderModelCard(input, "md")).toBe(a);
    expect(a).toContain("- a | b");
    expect(a).toContain("| param trees | 5 |");
    expect(a).toContain("Monitor `watch` watches `api` and checks: drift(x1, psi) < 0.2.");
    expect(a).toContain("mlc rollback api");
  });
});
