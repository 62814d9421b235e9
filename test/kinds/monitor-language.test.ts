// The monitor kind's language half: the checks a monitor assertion may call, live metric and latency
// paths, tests that must fit their column's type (MLC1170 with a hint), fields the requests must
// carry, window vs last, actions, and the decoded config the executor records.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "../compiler/check-helpers.js";
import { lower } from "../../src/compiler/lower.js";
import { readBlock } from "../../src/ir/node-config.js";
import { decodeMonitorConfig, MonitorConfigError } from "../../src/kinds/monitor/config.js";
import { decodeRegistration, encodeRegistration } from "../../src/kinds/monitor/results.js";

const monitor = (body: string): string => `${BASE}
monitor watch {
  deployment = api
  ${body}
}
`;

describe("monitor language", () => {
  it("accepts every check, live metrics, latency and the actions without diagnostics", () => {
    const r = check(
      monitor(`window = 12h  min_rows = 50  schedule = 30m  reference = valid  cooldown = 2h
  drift(monthly) < 0.1
  drift(plan, chi2) > 0.01
  drift(tenure, wasserstein) < 0.2
  drift(plan, js) < 0.1
  drift(monthly, psi) < 0.2 and drift(tenure, ks) < 0.3
  prediction_drift(psi) < 0.2
  drift_share() <= 0.3
  drift_share(psi, threshold = 0.25) < 0.5
  null_rate(monthly) < 0.05
  unseen_rate(plan) == 0
  requests() >= 10
  live.auc >= 0.7
  live.auc.lower >= 0.6
  latency.p99 < 250ms
  on_breach = [alert(env("ALERT_URL")), rollback(api), retrain(churn)]`),
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("rejects a test that does not fit the column's type, with the tests that do", () => {
    const r = check(
      monitor("drift(plan, ks) < 0.1\n  drift(monthly, chi2) > 0.05\n  drift(tenure, wasserstein) < 1"),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1170", "MLC1170"]);
    expect(r.diagnostics[0]!.message).toBe("`ks` does not fit `plan`, a category column");
    expect(r.diagnostics[0]!.hint).toMatch(/^a category column takes psi, js, chi2/);
    expect(r.diagnostics[1]!.message).toBe("`chi2` does not fit `monthly`, a number column");
    expect(r.diagnostics[1]!.hint).toMatch(/^a number column takes psi, js, ks, wasserstein/);
    expect(r.diagnostics[0]!.span.start).toMatchObject({ line: 25, column: 15 });
  });

  it("rejects a column the requests do not carry (a feature, the label) and a misspelt one once", () => {
    const r = check(monitor("drift(spend_ratio) < 0.1\n  null_rate(churned) < 0.1\n  drift(monthy) < 0.1"));
    expect(r.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ["MLC1170", "monitored fields: monthly, plan, tenure"],
      ["MLC1170", "monitored fields: monthly, plan, tenure"],
      ["MLC1115", "did you mean `monthly`?"],
    ]);
  });

  it("rejects names a monitor does not know, with suggestions", () => {
    const r = check(
      monitor("live.aucc >= 0.8\n  latency.p98 < 1s\n  auc > 0.5\n  test.auc > 0.5\n  psi(monthly) < 0.1"),
    );
    expect(r.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ["MLC1125", "did you mean `live.auc`?"],
      ["MLC1105", "did you mean `latency.p90`?"],
      ["MLC1105", "did you mean `live.auc`?"],
      ["MLC1105", "names here start with live, latency"],
      ["MLC1112", "monitor checks: drift, drift_share, null_rate, prediction_drift, requests, unseen_rate"],
    ]);
  });

  it("rejects window with last, a wrong action, a wrong reference and a non-boolean assertion", () => {
    const r = check(
      monitor(`window = 1d  last = 500  reference = holdout
  on_breach = [alert(env("X")), page(oncall)]
  drift(monthly)`),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1126", "MLC1130", "MLC1112", "MLC1110"]);
  });

  it("rejects a check called outside a monitor", () => {
    const r = check(BASE.replace("test.auc >= 0.8", "drift(monthly) < 0.1"));
    expect(r.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ["MLC1124", "monitor checks are used in monitor assertions"],
    ]);
  });

  it("lowers to a node the executor decodes, with the defaults, and the registration round-trips", () => {
    const r = check(monitor('drift(monthly) < 0.1\n  on_breach = [alert(env("ALERT_URL")), retrain(churn)]'));
    expect(r.diagnostics).toEqual([]);
    const node = lower(r.value).nodes.find((n) => n.id === "monitor.watch")!;
    const block = readBlock(node.config, "monitor");
    const c = decodeMonitorConfig("watch", block.attributes, block.assertions);
    expect(c).toMatchObject({
      deployment: "api",
      window: { seconds: 86400 },
      minRows: 100,
      scheduleSeconds: 3600,
      cooldownSeconds: 3600,
      reference: "train",
      onBreach: [
        { kind: "alert", url: { env: "ALERT_URL" } },
        { kind: "retrain", model: "churn" },
      ],
    });
    expect(c.assertions).toHaveLength(1);
    expect(node.inputs.map((i) => i.node)).toContain("deploy.api");
    const reg = { config: c, seed: 7, registered: "2026-12-03T00:00:00.000Z" };
    expect(decodeRegistration(encodeRegistration(reg))).toEqual(reg);
  });

  it("decodes last rows, and refuses a monitor without assertions", () => {
    const c = decodeMonitorConfig("m", { deployment: { $ref: ["api"] }, last: 500 }, [true]);
    expect(c.window).toEqual({ last: 500 });
    expect(() => decodeMonitorConfig("m", { deployment: { $ref: ["api"] } }, [])).toThrow(MonitorConfigError);
  });
});
