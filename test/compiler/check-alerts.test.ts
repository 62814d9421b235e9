// `alert { … }` blocks of a deployment are checked at validate: a stream target, an anomaly model that
// decides, a window for rate rules (and none for single events), unique names, a known group_by field,
// and a webhook that is env("…") or an http(s) URL without a password.
import { describe, expect, it } from "vitest";
import { BASE, check, codes } from "./check-helpers.js";

const STREAM = 'stream { url = env("MLC_STREAM_URL")  input = "events"  output = "scores" }';
const spec = (alerts: string, opts: { serve?: string; task?: string } = {}): string =>
  BASE.replace(
    "task     = classify(churned)",
    `task     = ${opts.task ?? "detect_anomalies(label = churned)"}`,
  )
    .replace("params { trees = 100  learning_rate = loguniform(0.01, 0.3) }", "algorithm = isolation_forest")
    .replace("tune { trials = 5  objective = maximize(valid.auc) }", "")
    .replace("serve = rest { port = 8080 }", `serve = ${opts.serve ?? STREAM}\n${alerts}`);

describe("alert blocks", () => {
  it("accepts single-event and rate rules with every attribute", () => {
    const r = check(
      spec(`
  alert { webhook = env("ALERT_URL") }
  alert {
    name     = "burst"
    webhook  = "https://hooks.example.com/mlc"
    count    = 6
    within   = 10m
    group_by = "plan"
    cooldown = 30m
    timeout  = 2s
    retries  = 5
  }`),
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("refuses alerts on a deployment that does not serve a stream, or whose model does not detect anomalies", () => {
    const rest = check(spec('  alert { webhook = env("A") }', { serve: "rest { port = 8080 }" }));
    expect(codes(rest.diagnostics)).toEqual(["MLC1130"]);
    expect(rest.diagnostics[0]!.message).toBe(
      "alerts watch a scored stream, and deployment `api` serves `rest`",
    );
    const cls = check(spec('  alert { webhook = env("A") }', { task: "classify(churned)" }));
    expect(cls.diagnostics.map((d) => d.message)).toContain(
      "alerts count anomalies, and model `churn` does classify",
    );
    const none = check(
      spec('  alert { webhook = env("A") }', { task: "detect_anomalies(contamination = 0)" }),
    );
    expect(codes(none.diagnostics)).toEqual(["MLC1130"]);
    expect(none.diagnostics[0]!.message).toMatch(/decides no anomaly/);
  });

  it("refuses alerts on a NATS stream (their windows and cooldowns live in Redis)", () => {
    const nats = check(
      spec('  alert { webhook = env("A") }', {
        serve: 'stream { transport = nats  url = env("U")  input = "events"  output = "scores" }',
      }),
    );
    expect(codes(nats.diagnostics)).toEqual(["MLC1130"]);
    expect(nats.diagnostics[0]!.message).toMatch(/alert rules are decided in Redis .* streams over NATS/);
    const redis = check(
      spec('  alert { webhook = env("A") }', {
        serve: 'stream { transport = "redis"  url = env("U")  input = "events"  output = "scores" }',
      }),
    );
    expect(redis.diagnostics).toEqual([]);
  });

  it("needs a window for a rate and none for a single event", () => {
    const rate = check(spec('  alert { webhook = env("A")  count = 6 }'));
    expect(codes(rate.diagnostics)).toEqual(["MLC1103"]);
    expect(rate.diagnostics[0]!.message).toBe(
      "`count = 6` counts anomalies over a window, and the alert has no `within`",
    );
    const single = check(spec('  alert { webhook = env("A")  within = 5m }'));
    expect(codes(single.diagnostics)).toEqual(["MLC1130"]);
  });

  it("refuses two alerts of one name, an unknown group_by field, bad webhooks and bad values", () => {
    const twice = check(spec('  alert { webhook = env("A") }\n  alert { webhook = env("B") }'));
    expect(codes(twice.diagnostics)).toEqual(["MLC1107"]);
    const group = check(spec('  alert { webhook = env("A")  group_by = "plann" }'));
    expect(codes(group.diagnostics)).toEqual(["MLC1115"]);
    expect(group.diagnostics[0]!.hint).toMatch(/plan/);
    expect(
      codes(check(spec('  alert { webhook = "https://u:pw@hooks.example.com/x" }')).diagnostics),
    ).toEqual(["MLC1130"]);
    expect(codes(check(spec('  alert { webhook = "ftp://hooks.example.com/x" }')).diagnostics)).toEqual([
      "MLC1130",
    ]);
    const values = check(spec('  alert { webhook = env("A")  count = 0  retries = 11  cooldown = "soon" }'));
    expect(values.diagnostics.length).toBe(3);
    expect(codes(check(spec("  alert { count = 1 }")).diagnostics)).toEqual(["MLC1103"]);
  });
});
