// The plan/apply/graph/state/lineage/gc commands in-process, with fake executors registered in
// the global registry (as MLC_EXECUTOR_MODULES plugins would be).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/run-cli.js";
import { loadExecutors } from "../../src/runtime/executor-loader.js";
import { overrideExecutor } from "../../src/runtime/executor-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { renderPlanText, renderValue } from "../../src/runtime/plan-render.js";
import { CHURN_CSV, fakeExecutors, makeProject, TWO_MODELS } from "./fixtures.js";

beforeAll(async () => {
  await loadExecutors();
  for (const e of fakeExecutors().executors.values()) overrideExecutor(e);
});

const project = () => makeProject({ "main.mlspec": TWO_MODELS, "data/customers.csv": CHURN_CSV });

describe("mlc plan / apply commands", () => {
  it("prints one line per change with its symbol and reason, and the summary line, without colour off a terminal", async () => {
    const dir = project();
    const r = await runCli(["plan", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {4}\+ source\.customers +new$/m);
    expect(r.stdout).toContain("Plan: 7 to create, 0 to update, 0 to replace, 0 to destroy.");
    expect(r.stdout).not.toContain("\x1b[");
  });

  it("--json follows specs/plan-json.md and --markdown prints a table", async () => {
    const dir = project();
    const j = JSON.parse((await runCli(["plan", dir, "--json"])).stdout);
    expect(j.format_version).toBe(1);
    expect(j.summary).toEqual({ create: 7, update: 0, replace: 0, delete: 0, noop: 0 });
    expect(j.changes[0]).toEqual({
      id: "source.customers",
      kind: "source",
      action: "create",
      reasons: [{ type: "new_node", message: "new" }],
    });
    const md = (await runCli(["plan", dir, "--markdown"])).stdout;
    expect(md.startsWith(`<!-- mlc-plan -->\n### mlc plan: \`${basename(dir)}\`\n\n**Plan: `)).toBe(true);
    expect(md).toContain("\n\n| | Node | Action | Reason |\n");
    expect(md).toContain("| `+` | `model.a` | create | new |");
    // the ML impact, then a collapsible section per node with its reasons
    expect(md).toMatch(
      /\*\*ML impact\*\*\n\n- New results \(models retrain, deployments get a new version\): `source\.customers`.*`model\.a`/,
    );
    expect(md).toContain("<details><summary><code>model.a</code>: create</summary>\n\n- new\n\n</details>");
  });

  it("--markdown titles the comment with the project block's name and renders spec errors as Markdown", async () => {
    const dir = project();
    const spec = join(dir, "main.mlspec");
    writeFileSync(spec, "project churn_team {\n  seed = 3\n}\n" + readFileSync(spec, "utf8"));
    const ok = await runCli(["plan", dir, "--markdown"]);
    expect(ok.stdout).toMatch(/^<!-- mlc-plan -->\n### mlc plan: `churn_team`\n/);
    writeFileSync(spec, readFileSync(spec, "utf8").replace("test.auc >= 0.8", "test.auc >= "));
    const bad = await runCli(["plan", dir, "--markdown"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^<!-- mlc-plan -->\n### mlc plan: `churn_team`\n\n\*\*The spec has 1 error; nothing was planned\.\*\*\n\n```text\n/,
    );
    expect(bad.stdout).toMatch(/main\.mlspec:\d+:\d+/);
    expect(bad.stdout.trimEnd().endsWith("```")).toBe(true);
    expect(bad.stdout).not.toContain("\x1b[");
    // The terminal still gets the diagnostics on stderr.
    expect(bad.stderr).toMatch(/main\.mlspec:\d+:\d+/);
  });

  it("--detailed-exitcode is 2 with changes and 0 after apply; a data edit shows the data reason", async () => {
    const dir = project();
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(2);
    const a = await runCli(["apply", dir]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/source\.customers: done in \d/);
    expect(a.stdout).toContain("Apply complete: 7 succeeded, 0 failed, 0 skipped, 0 destroyed, 0 unchanged.");
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(0);
    writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV + "4,7,50.0,pro,true\n");
    const p = await runCli(["plan", dir]);
    expect(p.stdout).toMatch(
      /~ source\.customers +data data\/customers\.csv changed: rows 3 → 4, hash [0-9a-f]{12} → [0-9a-f]{12}/,
    );
  });

  it("apply FILE applies a saved plan and refuses it once stale", async () => {
    const dir = project();
    const file = join(dir, "plan.out");
    expect((await runCli(["plan", dir, "--out", file])).code).toBe(0);
    const a = await runCli(["apply", file]);
    expect(a.code).toBe(0);
    const again = await runCli(["apply", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /the saved plan .* is stale and was not applied:\n {2}- the state changed since the plan was made/,
    );
  });

  it("a failed node makes apply exit 1 with a summary naming it and why", async () => {
    const dir = project();
    overrideExecutor(fakeExecutors({ failing: new Set(["model.b"]) }).executors.get("model")!);
    try {
      const a = await runCli(["apply", dir]);
      expect(a.code).toBe(1);
      expect(a.stdout).toMatch(
        /Failures:\n\S*main\.mlspec:\d+:1: error MLC2000: model\.b failed on purpose\n.*model b \{\n.*\^~+\n {2}gate\.ship_b: not run \(upstream model\.b failed\)/,
      );
    } finally {
      overrideExecutor(fakeExecutors().executors.get("model")!);
    }
  });

  it("a bug in an executor is an internal error (MLC2999) with its stack, at the node's block", async () => {
    const dir = project();
    const model = fakeExecutors().executors.get("model")!;
    overrideExecutor({
      ...model,
      run: () => Promise.reject(new TypeError("cannot read properties of undefined")),
    });
    try {
      const a = await runCli(["apply", dir]);
      expect(a.code).toBe(1);
      expect(a.stdout).toMatch(
        /main\.mlspec:\d+:1: error MLC2999: internal error: TypeError: cannot read properties of undefined\n/,
      );
      expect(a.stdout).toMatch(/\n\s+at .*plan-cli\.test\.ts/);
    } finally {
      overrideExecutor(model);
    }
  });

  it("spec errors are printed as diagnostics with file:line:col and exit 1", async () => {
    const dir = makeProject({
      "main.mlspec": TWO_MODELS.replace(
        "data     = holdout\n  features = [usage.tenure_z]",
        "data     = holdot\n  features = [usage.tenure_z]",
      ),
      "data/customers.csv": CHURN_CSV,
    });
    for (const cmd of ["plan", "apply"]) {
      const r = await runCli([cmd, dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/main\.mlspec:\d+:\d+: error MLC\d+/);
    }
  });

  it("graph prints dot, mermaid and the IR as JSON", async () => {
    const dir = project();
    expect((await runCli(["graph", dir])).stdout).toContain(
      '"split.holdout" -> "model.a" [label="churned, spend_ratio"];',
    );
    expect((await runCli(["graph", dir, "--format", "mermaid"])).stdout).toMatch(/^flowchart LR\n/);
    const ir = JSON.parse((await runCli(["graph", dir, "--format", "json"])).stdout);
    expect(ir.format_version).toBe(1);
    expect(ir.nodes).toHaveLength(7);
    expect((await runCli(["graph", dir, "--format", "png"])).code).toBe(1);
  });

  it("state list/show, lineage and gc read the state; state unlock --force removes a lock", async () => {
    const dir = project();
    await runCli(["apply", dir]);
    const list = await runCli(["state", "list", "-C", dir]);
    expect(list.stdout).toMatch(/^model\.a +ok /m);
    const show = await runCli(["state", "show", "a", "-C", dir]);
    expect(show.stdout).toMatch(/^model\.a {2}\(model\) {2}ok/);
    const lin = JSON.parse((await runCli(["lineage", "model.a", "-C", dir, "--json"])).stdout);
    expect(lin.node).toBe("model.a");
    expect((await runCli(["gc", dir, "--dry-run"])).stdout).toMatch(/would remove 0 objects/);
    const store = await openState(dir);
    await store.lock.acquire({
      pid: 999999,
      host: "elsewhere",
      command: "mlc apply .",
      since: "2026-01-01T00:00:00Z",
    });
    const blocked = await runCli(["apply", dir]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(
      "locked by another apply: pid 999999 on elsewhere, running `mlc apply .` since 2026-01-01T00:00:00Z",
    );
    const noTty = await runCli(["state", "unlock", "-C", dir]);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toMatch(/pass --force/);
    const un = await runCli(["state", "unlock", "-C", dir, "--force"]);
    expect(un.stdout).toContain("Removed the lock held by pid 999999 on elsewhere");
    expect(await store.lock.holder()).toBeUndefined();
    await store.close();
  });
});

describe("the no-op plan shortcut", () => {
  it("answers a repeated no-op plan from its record, and replans once a spec, data file or object changes", async () => {
    const dir = project();
    await runCli(["apply", dir]);
    const cacheFile = join(dir, ".mlc", "plan-cache.json");
    expect((await runCli(["plan", dir])).stdout).toBe("No changes. 7 nodes up to date.\n");
    const cache = JSON.parse(readFileSync(cacheFile, "utf8"));
    cache.plan.summary.noop = 999; // a marker: only the shortcut can print it
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await runCli(["plan", dir])).stdout).toBe("No changes. 999 nodes up to date.\n");
    expect(JSON.parse((await runCli(["plan", dir, "--json"])).stdout).summary.noop).toBe(999);
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(0);
    // a spec edit (even a comment) replans
    writeFileSync(join(dir, "main.mlspec"), readFileSync(join(dir, "main.mlspec"), "utf8") + "\n# note\n");
    expect((await runCli(["plan", dir])).stdout).toBe("No changes. 7 nodes up to date.\n");
    // a data edit replans and shows the change
    writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV + "4,7,50.0,pro,true\n");
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(2);
    writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV);
    await runCli(["apply", dir]);
    expect((await runCli(["plan", dir])).stdout).toBe("No changes. 7 nodes up to date.\n");
    // a damaged object replans
    const store = await openState(dir);
    const hash = (await store.getNode("model.b"))!.result!.artifacts.out!;
    await store.close();
    writeFileSync(join(dir, ".mlc", "objects", hash.slice(0, 2), hash.slice(2)), "x");
    expect((await runCli(["plan", dir])).stdout).toMatch(
      /-\/\+ model\.b +artifact out [0-9a-f]{12} is corrupt/,
    );
  });
});

describe("apply leaves the no-op plan recorded", () => {
  it("so the first plan after a whole apply is answered from the record; a partial apply records nothing", async () => {
    const dir = project();
    const cacheFile = join(dir, ".mlc", "plan-cache.json");
    await runCli(["apply", dir, "--target", "model.a"]);
    expect(existsSync(cacheFile)).toBe(false);
    await runCli(["apply", dir]);
    const cache = JSON.parse(readFileSync(cacheFile, "utf8"));
    cache.plan.summary.noop = 999; // a marker: only the shortcut can print it
    writeFileSync(cacheFile, JSON.stringify(cache));
    expect((await runCli(["plan", dir])).stdout).toBe("No changes. 999 nodes up to date.\n");
    // the record follows the state: a change made by another command replans
    const store = await openState(dir);
    await store.retireNode("model.b");
    await store.close();
    const replanned = await runCli(["plan", dir, "--detailed-exitcode"]);
    expect(replanned.stdout).not.toContain("999");
    expect(replanned.code).toBe(2);
    // and the inputs: a data edit replans
    await runCli(["apply", dir]);
    expect((await runCli(["plan", dir])).stdout).toBe("No changes. 7 nodes up to date.\n");
    writeFileSync(join(dir, "data/customers.csv"), CHURN_CSV + "4,7,50.0,pro,true\n");
    expect((await runCli(["plan", dir, "--detailed-exitcode"])).code).toBe(2);
  });
});

describe("plan rendering", () => {
  it("renders expression values in the language's syntax", () => {
    expect(
      renderValue({
        $op: ">=",
        args: [{ $ref: ["test", "auc"] }, { $op: "-", args: [{ $ref: ["champion", "test", "auc"] }, 0.005] }],
      }),
    ).toBe("test.auc >= champion.test.auc - 0.005");
    expect(renderValue({ $op: "*", args: [{ $op: "+", args: [1, 2] }, 3] })).toBe("(1 + 2) * 3");
    expect(
      renderValue({ $call: "canary", args: [{ $percent: 10 }], named: { after: { $duration: 3600 } } }),
    ).toBe("canary(10%, after = 1h)");
    expect(renderValue(undefined)).toBe("(absent)");
  });

  it("colours symbols only when asked", () => {
    const p = JSON.parse(readFileSync(new URL("./plan-sample.json", import.meta.url), "utf8"));
    expect(renderPlanText(p, { color: true })).toContain("\x1b[33m  ~\x1b[0m gate.ship");
    expect(renderPlanText(p, { color: false })).toContain(
      "    ~ gate.ship  assertions[0]: test.auc >= 0.85 → test.auc >= 0.9",
    );
  });
});
