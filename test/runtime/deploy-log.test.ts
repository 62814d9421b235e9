// A deploy block's `log` from the spec to the LogConfig its pointer records: lowered with the
// block, read by the deploy executor (files default → nothing recorded; URLs only as variable names).
import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compiler/compile.js";
import { lower } from "../../src/compiler/lower.js";
import { readBlock } from "../../src/ir/node-config.js";
import { logConfigOf } from "../../src/kinds/deploy/log.js";
import { CHURN_CSV, makeProject, TWO_MODELS } from "./fixtures.js";

function deployLog(log: string): ReturnType<typeof logConfigOf> {
  const spec = `${TWO_MODELS}\ndeploy api {\n  model = a\n  log = ${log}\n}\n`;
  const c = compileProject(makeProject({ "main.mlspec": spec, "data/customers.csv": CHURN_CSV }));
  expect(c.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  const node = lower(c.checked!).nodes.find((n) => n.id === "deploy.api")!;
  return logConfigOf(readBlock(node.config, "deploy").attributes.log, "api");
}

describe("a deployment's log setting", () => {
  it("records a database log by its URL variable, with retention in seconds and excluded fields sorted", () => {
    expect(
      deployLog('postgres { url = env("MLC_LOG_URL")  retention = 30d  exclude = ["tenure", "monthly"] }'),
    ).toEqual({
      store: { kind: "postgres", url_env: "MLC_LOG_URL", table: "mlc_predictions" },
      retention_seconds: 30 * 86400,
      exclude: ["monthly", "tenure"],
    });
    expect(deployLog('redis { url = env("R")  prefix = "p" }')).toEqual({
      store: { kind: "redis", url_env: "R", prefix: "p" },
    });
  });

  it("records nothing for plain files (the server's default), and files with retention", () => {
    expect(deployLog("files")).toBeUndefined();
    expect(deployLog("files { retention = 7d }")).toEqual({
      store: { kind: "files" },
      retention_seconds: 604800,
    });
  });
});
