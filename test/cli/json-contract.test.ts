// The JSON output contract (specs/cli.md): every command that takes `--json` (and `mlc graph
// --format json`) prints keys in snake_case, except the keys of maps keyed by the user's names
// (json-output.ts DATA_MAPS). The table below must name every such command: a new `--json` fails
// the first test until it is run here.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { commandPath } from "../../src/cli/help-examples.js";
import { DATA_MAPS, snakeKey, toJsonContract } from "../../src/cli/json-output.js";
import { buildProgram } from "../../src/cli/program.js";
import { experimentExecutor } from "../../src/kinds/experiment/executor.js";
import { ReviewQueue } from "../../src/registry/review-queue.js";
import { openState } from "../../src/runtime/state/open.js";
import { writeDeployment } from "../../src/serve/deployment.js";
import { context } from "../kinds/experiment-fixtures.js";
import { applyOk, setSpec, tinyProject } from "../runtime/deploy-project.js";
import { buildFixtureBundle, fixtureMeta, fixtureOnnx, tempProject } from "../serve/fixtures.js";
import { tinyRetrieval } from "../fixtures/tiny-retrieval.js";
import { buildBundleDir } from "../../src/serve/bundle.js";
import { runCli } from "./run-cli.js";

const KEY = /^\$?[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Every key path that breaks the style, outside DATA_MAPS' maps (walked in a loop: configs nest deep). */
function badKeys(doc: unknown): string[] {
  const bad: string[] = [];
  const stack: [unknown, string, boolean][] = [[doc, "", false]];
  while (stack.length) {
    const [v, path, dataMap] = stack.pop()!;
    if (Array.isArray(v)) v.forEach((x) => stack.push([x, `${path}[]`, false]));
    else if (v !== null && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        if (!dataMap && !KEY.test(k)) bad.push(`${path}.${k}`);
        stack.push([x, `${path}.${k}`, !dataMap && DATA_MAPS.has(k)]);
      }
  }
  return [...new Set(bad)];
}

function allCommands(program: Command): Command[] {
  const out: Command[] = [];
  const visit = (c: Command) => c.commands.forEach((s) => (out.push(s), visit(s)));
  visit(program);
  return out;
}

interface Projects {
  tiny: string;
  events: string;
  review: string;
  experiment: string;
  recs: string;
  git: string;
  /** A tiny MLP (a graph with Gemm weights) for `export --quantize`. */
  edge: string;
}

/** One invocation per command path; each prints JSON (the exit code may be a documented non-zero). */
const RUNS: Record<string, (p: Projects) => string[]> = {
  validate: (p) => ["validate", p.tiny, "--json"],
  plan: (p) => ["plan", p.tiny, "--json"],
  apply: (p) => ["apply", p.tiny, "--json"],
  graph: (p) => ["graph", p.tiny, "--format", "json"],
  fmt: (p) => ["fmt", p.tiny, "--check", "--json"],
  gc: (p) => ["gc", p.tiny, "--dry-run", "--json"],
  "state list": (p) => ["state", "list", p.tiny, "--json"],
  "state show": (p) => ["state", "show", "m", p.tiny, "--json"],
  trials: (p) => ["trials", "m", p.tiny, "--json"],
  lineage: (p) => ["lineage", "model.m", p.tiny, "--json"],
  "models list": (p) => ["models", "list", p.tiny, "--json"],
  "models show": (p) => ["models", "show", "m", p.tiny, "--json"],
  "models promote": (p) => ["models", "promote", "m@1", p.tiny, "--alias", "challenger", "--json"],
  "models demote": (p) => ["models", "demote", "m", p.tiny, "--alias", "challenger", "--json"],
  explain: (p) => ["explain", "m", "--row", "1", "--top", "1", p.tiny, "--json"],
  report: (p) => ["report", "m", p.tiny, "--json"],
  export: (p) => ["export", "api", p.tiny, "--out", join(p.tiny, "exported"), "--json"],
  "rollout status": (p) => ["rollout", "status", "api", p.tiny, "--json"],
  rollback: (p) => ["rollback", "api", p.tiny, "--json"],
  monitor: (p) => ["monitor", "watch", p.tiny, "--json"],
  materialize: (p) => ["materialize", "ridership_api", p.events, "--json"],
  "schema infer": (p) => ["schema", "infer", "rows", p.tiny, "--json"],
  "review list": (p) => ["review", "list", p.review, "--json"],
  "review show": (p) => ["review", "show", "ev-1", p.review, "--json"],
  "review label": (p) => ["review", "label", "ev-1", "normal", p.review, "--note", "ok", "--json"],
  "experiment status": (p) => ["experiment", "status", "offer_test", p.experiment, "--json"],
  recommend: (p) => ["recommend", "recs", p.recs, "--k", "2", "--out", join(p.recs, "top.ndjson"), "--json"],
  diff: (p) => ["diff", "HEAD", p.git, "--json"],
};

describe("the JSON output contract", () => {
  it("names a run for every command that prints JSON", async () => {
    const withJson = allCommands(await buildProgram())
      .filter((c) => c.options.some((o) => o.long === "--json") || commandPath(c) === "graph")
      .map(commandPath);
    expect(withJson.filter((c) => !RUNS[c]).sort()).toEqual([]);
    expect(Object.keys(RUNS).filter((c) => !withJson.includes(c))).toEqual([]);
  });

  it("converts camelCase keys and leaves the user's names in data maps", () => {
    expect(snakeKey("aliasHistory")).toBe("alias_history");
    expect(snakeKey("schemaURL")).toBe("schema_url");
    expect(snakeKey("$ref")).toBe("$ref");
    expect(snakeKey("MonthlyCharges")).toBe("MonthlyCharges");
    expect(
      toJsonContract({
        runId: "r",
        metrics: { "test.auc": { lowerBound: 1 } },
        config: { monthlyFee: { $ref: ["x"] } },
        when: new Date(0),
      }),
    ).toEqual({
      run_id: "r",
      metrics: { "test.auc": { lower_bound: 1 } },
      config: { monthlyFee: { $ref: ["x"] } },
      when: "1970-01-01T00:00:00.000Z",
    });
  });

  describe("every command's keys are snake_case", () => {
    const p = {} as Projects;
    beforeAll(async () => {
      p.tiny = tinyProject(5);
      setSpec(p.tiny, 5, { tuneTrials: 2 });
      // a monitor of the deployment (no prediction log yet: not enough data, exit 4)
      writeFileSync(
        join(p.tiny, "monitor.mlspec"),
        "monitor watch {\n  deployment = api\n  window     = 1d\n  drift(x1) < 0.1\n}\n",
      );
      await applyOk(p.tiny);
      setSpec(p.tiny, 6, { tuneTrials: 2 });
      await applyOk(p.tiny);
      writeFileSync(
        join(p.tiny, "tiny.mlspec"),
        readFileSync(join(p.tiny, "tiny.mlspec"), "utf8").replace("seed = 3", "seed     =    3"),
      );

      // the events example with few trees: an online table of window features to materialize
      p.events = mkdtempSync(join(tmpdir(), "mlc-json-events-"));
      cpSync(join(import.meta.dirname, "../../examples/events"), p.events, {
        recursive: true,
        filter: (s) => !s.includes(".mlc"),
      });
      const spec = join(p.events, "events.mlspec");
      writeFileSync(
        spec,
        readFileSync(spec, "utf8")
          .replace(/trees(\s*)= 300/, "trees$1= 5")
          .replace("test.r2 >= 0.5", "test.r2 >= -10"),
      );
      await applyOk(p.events);

      p.review = tempProject();
      const state = await openState(p.review);
      await new ReviewQueue(state.records).add({
        event_id: "ev-1",
        deployment: "anomaly_api",
        model: "detector",
        model_version: 2,
        time: "2026-12-01T10:00:00.000Z",
        origin: "rest",
        features: { radFlow: 81 },
        score: 0.7,
        threshold: 0.65,
        reason_kind: "isolation path bits",
        reasons: [{ feature: "radFlow", value: 81, contribution: 3.25 }],
      });
      await state.close();

      p.experiment = tempProject();
      mkdirSync(join(p.experiment, ".mlc"), { recursive: true });
      buildFixtureBundle(join(p.experiment, ".mlc/bundles/api/v1"), { version: 1, scale: 1 });
      writeDeployment(p.experiment, "api", { version: 1, bundle: ".mlc/bundles/api/v1" }, "deployed");
      await experimentExecutor.run(context(p.experiment, { churn: 1, retention: 2 }));

      // a deployment whose bundle carries user and item embeddings: batch top-K reads only those
      p.recs = tempProject();
      buildBundleDir(join(p.recs, ".mlc/bundles/recs/v1"), fixtureOnnx(), fixtureMeta(), {
        retrieval: tinyRetrieval().serialize(),
      });
      writeDeployment(p.recs, "recs", { version: 1, bundle: ".mlc/bundles/recs/v1" }, "deployed");

      // a spec under git with one attribute changed since the commit
      p.git = tinyProject(5);
      const git = (...args: string[]) =>
        execFileSync("git", args, {
          cwd: p.git,
          stdio: "ignore",
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: "t",
            GIT_AUTHOR_EMAIL: "t@t",
            GIT_COMMITTER_NAME: "t",
            GIT_COMMITTER_EMAIL: "t@t",
          },
        });
      git("init", "-q");
      git("add", "-A");
      git("commit", "-qm", "spec");
      setSpec(p.git, 7);

      p.edge = tinyProject(5);
      const edgeSpec = join(p.edge, "tiny.mlspec");
      writeFileSync(
        edgeSpec,
        readFileSync(edgeSpec, "utf8")
          .replace("algorithm = gbdt", "algorithm = mlp")
          .replace(/params \{[^}]*\}/, 'params {\n    hidden = "16"\n    epochs = 5\n  }'),
      );
      await applyOk(p.edge);
    }, 240_000);

    it("export --quantize", async () => {
      const r = await runCli([
        "export",
        "api",
        p.edge,
        "--out",
        join(p.edge, "edge"),
        "--quantize",
        "float16",
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { quantize: Record<string, unknown> };
      expect(badKeys(doc)).toEqual([]);
      expect(Object.keys(doc.quantize).sort()).toEqual(
        [
          "max_abs_diff",
          "metric",
          "precision",
          "rows",
          "size_after",
          "size_before",
          "size_ratio",
          "tensors",
          "values",
        ].sort(),
      );
    });

    it.each(Object.keys(RUNS))("%s", async (cmd) => {
      const r = await runCli(RUNS[cmd]!(p));
      let doc: unknown;
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        throw new Error(
          `mlc ${cmd} printed no JSON (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 500)}`,
        );
      }
      expect(badKeys(doc)).toEqual([]);
    });
  });
});
