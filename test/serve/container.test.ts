import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands/export.js";
import { loadBundle } from "../../src/serve/bundle.js";
import { k8sName, writeContainerManifests } from "../../src/serve/container.js";
import { readDeployment, writeDeployment } from "../../src/serve/deployment.js";
import {
  cronOf,
  monitorCronJob,
  monitorCronJobYaml,
  ScheduleError,
} from "../../src/serve/monitor-cronjob.js";
import { readStreamTarget, type StreamTarget } from "../../src/serve/stream-config.js";
import { toYaml } from "../../src/serve/yaml.js";
import { runCommand } from "./cli-harness.js";
import { buildFixtureBundle, fixtureMeta, tempProject } from "./fixtures.js";

// ---- a parser for the YAML subset the emitter writes (block maps/lists, JSON-quoted strings) ----
type Y = unknown;
function parseYaml(text: string): Y {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  let i = 0;
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const scalar = (s: string): Y => {
    if (s.startsWith('"')) return JSON.parse(s);
    if (s === "[]") return [];
    if (s === "{}") return {};
    if (s === "true" || s === "false") return s === "true";
    if (s === "null") return null;
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    throw new Error(`unquoted string in YAML: ${s}`);
  };
  const keyOf = (s: string) => (s.startsWith('"') ? JSON.parse(s) : s);
  function block(indent: string): Y {
    if (lines[i]!.slice(indent.length).startsWith("- ")) {
      const arr: Y[] = [];
      while (
        i < lines.length &&
        indentOf(lines[i]!) === indent.length &&
        lines[i]!.slice(indent.length).startsWith("- ")
      ) {
        const rest = lines[i]!.slice(indent.length + 2);
        if (rest.startsWith("- ") || /^("[^"]*"|[A-Za-z_][\w./-]*):( |$)/.test(rest)) {
          lines[i] = indent + "  " + rest; // the first key (or item) of a nested block sits after "- "
          arr.push(block(indent + "  "));
        } else {
          arr.push(scalar(rest));
          i++;
        }
      }
      return arr;
    }
    const obj: Record<string, Y> = {};
    while (
      i < lines.length &&
      indentOf(lines[i]!) === indent.length &&
      !lines[i]!.slice(indent.length).startsWith("- ")
    ) {
      const l = lines[i]!.slice(indent.length);
      const m = /^("(?:[^"\\]|\\.)*"|[A-Za-z_][\w./-]*):(?: (.*))?$/.exec(l);
      if (!m) throw new Error(`bad YAML line: ${l}`);
      i++;
      if (m[2] !== undefined) obj[keyOf(m[1]!)] = scalar(m[2]);
      else obj[keyOf(m[1]!)] = block(" ".repeat(indentOf(lines[i]!)));
    }
    return obj;
  }
  const doc = block("");
  if (i !== lines.length) throw new Error(`unparsed YAML from line ${i}: ${lines[i]}`);
  return doc;
}

// ---- minimal schema checks: the required fields of the Kubernetes API objects used ----
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML of any shape
type O = Record<string, any>;
function checkMeta(o: O, kind: string, apiVersion: string) {
  expect(o.apiVersion).toBe(apiVersion);
  expect(o.kind).toBe(kind);
  expect(o.metadata.name).toMatch(DNS1123);
  expect(o.metadata.name.length).toBeLessThanOrEqual(63);
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    expect(typeof v).toBe("string");
    expect(k).toMatch(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  }
}
function checkProbe(p: O, path: string, ports: string[]) {
  expect(p.httpGet.path).toBe(path);
  expect(ports).toContain(p.httpGet.port);
  for (const k of ["periodSeconds", "timeoutSeconds", "failureThreshold"])
    if (k in p) expect(Number.isInteger(p[k]) && p[k] > 0).toBe(true);
}
function checkDeployment(d: O) {
  checkMeta(d, "Deployment", "apps/v1");
  const spec = d.spec;
  expect(Number.isInteger(spec.replicas)).toBe(true);
  // apps/v1 requires a selector that matches the template's labels
  expect(Object.keys(spec.selector.matchLabels).length).toBeGreaterThan(0);
  for (const [k, v] of Object.entries(spec.selector.matchLabels))
    expect(spec.template.metadata.labels[k]).toBe(v);
  const containers = spec.template.spec.containers;
  expect(Array.isArray(containers) && containers.length).toBeTruthy();
  for (const c of containers) {
    expect(c.name).toMatch(DNS1123);
    expect(typeof c.image).toBe("string");
    const portNames = c.ports.map((p: O) => p.name);
    for (const p of c.ports) {
      expect(Number.isInteger(p.containerPort) && p.containerPort > 0 && p.containerPort < 65536).toBe(true);
      expect(["TCP", "UDP", "SCTP"]).toContain(p.protocol);
    }
    checkProbe(c.readinessProbe, "/readyz", portNames);
    checkProbe(c.livenessProbe, "/healthz", portNames);
    for (const e of c.env)
      expect(typeof e.name === "string" && ("value" in e || "valueFrom" in e)).toBe(true);
  }
}
function checkService(s: O, deployment: O) {
  checkMeta(s, "Service", "v1");
  expect(["ClusterIP", "NodePort", "LoadBalancer"]).toContain(s.spec.type);
  expect(s.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  const containerPorts = deployment.spec.template.spec.containers.flatMap((c: O) =>
    c.ports.map((p: O) => p.name),
  );
  for (const p of s.spec.ports) {
    expect(Number.isInteger(p.port)).toBe(true);
    expect(containerPorts).toContain(p.targetPort);
  }
}
function checkHpa(h: O, deployment: O) {
  checkMeta(h, "HorizontalPodAutoscaler", "autoscaling/v2");
  expect(h.spec.scaleTargetRef).toEqual({
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: deployment.metadata.name,
  });
  expect(Number.isInteger(h.spec.maxReplicas)).toBe(true);
  expect(h.spec.minReplicas).toBeLessThanOrEqual(h.spec.maxReplicas);
  for (const m of h.spec.metrics) {
    expect(m.type).toBe("Resource");
    expect(["Utilization", "AverageValue", "Value"]).toContain(m.resource.target.type);
  }
}

describe("container target", () => {
  it("emits YAML that parses back to the same value", () => {
    const v = { a: "x: y", "b/c": [1, { d: true, e: [] }, "- z"], f: { g: null, h: {} }, i: [["n"]] };
    expect(parseYaml(toYaml(v as never))).toEqual(v);
  });

  it("writes Kubernetes manifests with the required fields of Deployment, Service and HPA", () => {
    const out = tempProject();
    const files = writeContainerManifests(out, fixtureMeta({ version: 3 }), {
      tokenSecret: "churn-token",
      maxReplicas: 6,
    });
    expect(files).toEqual(
      expect.arrayContaining(["Dockerfile", "k8s/deployment.yaml", "k8s/service.yaml", "k8s/hpa.yaml"]),
    );
    const dep = parseYaml(readFileSync(join(out, "k8s/deployment.yaml"), "utf8")) as O;
    const svc = parseYaml(readFileSync(join(out, "k8s/service.yaml"), "utf8")) as O;
    const hpa = parseYaml(readFileSync(join(out, "k8s/hpa.yaml"), "utf8")) as O;
    checkDeployment(dep);
    checkService(svc, dep);
    checkHpa(hpa, dep);
    expect(dep.metadata.name).toBe("churn-api");
    expect(dep.spec.template.spec.containers[0].args).toEqual([
      "serve",
      "churn_api",
      "--dir",
      "/srv/project",
      "--host",
      "0.0.0.0",
      "--port",
      "8080",
    ]);
    expect(dep.spec.template.spec.containers[0].env[1]).toEqual({
      name: "MLC_SERVE_TOKEN",
      valueFrom: { secretKeyRef: { name: "churn-token", key: "token" } },
    });
    expect(hpa.spec.maxReplicas).toBe(6);
  });

  it("writes a Dockerfile on node:20-slim that installs production dependencies and runs mlc serve", () => {
    const out = tempProject();
    writeContainerManifests(out, fixtureMeta({ version: 3 }), {});
    const df = readFileSync(join(out, "Dockerfile"), "utf8");
    const instr = df.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(instr[0]).toBe("FROM node:20-slim");
    expect(instr.some((l) => /^RUN .*npm ci --omit=dev/.test(l))).toBe(true);
    expect(instr).toContain("COPY --chown=node:node project /srv/project");
    expect(instr.find((l) => l.startsWith("CMD "))).toBe(
      'CMD ["serve","churn_api","--dir","/srv/project","--host","0.0.0.0","--port","8080"]',
    );
    for (const l of instr)
      expect(l).toMatch(/^(FROM|ENV|WORKDIR|COPY|RUN|USER|EXPOSE|STOPSIGNAL|ENTRYPOINT|CMD) /);
  });

  it("places the bundle and a deployment pointer in the build context", () => {
    const p = tempProject();
    const b = buildFixtureBundle(join(p, "b"), { version: 3 });
    const out = tempProject();
    writeContainerManifests(out, fixtureMeta({ version: 3 }), { bundleDir: b });
    expect(readDeployment(join(out, "project"), "churn_api")).toMatchObject({
      version: 3,
      bundle: ".mlc/bundles/churn_api/v3",
    });
    expect(loadBundle(join(out, "project/.mlc/bundles/churn_api/v3")).meta.version).toBe(3);
  });

  it("writes one Deployment of consumers for a stream target: no port, probes, Service or autoscaler", () => {
    const p = tempProject();
    const b = buildFixtureBundle(join(p, "b"), { version: 3 });
    const out = tempProject();
    const stream: StreamTarget = {
      format: "mlc-stream/1",
      url_env: "MLC_STREAM_URL",
      input: "events",
      output: "scores",
      group: "mlc-churn_api",
      dead_letter: "events.dead",
      batch: 128,
      claim_idle_ms: 30000,
      dedup_s: 86400,
      workers: 4,
    };
    const files = writeContainerManifests(out, fixtureMeta({ version: 3 }), {
      bundleDir: b,
      stream,
      replicas: 1,
    });
    expect(files).toContain("k8s/deployment.yaml");
    expect(files).toContain("project/.mlc/deployments/churn_api/stream.json");
    expect(files).not.toContain("k8s/service.yaml");
    expect(files).not.toContain("k8s/hpa.yaml");
    expect(readStreamTarget(join(out, "project"), "churn_api")).toEqual(stream);
    const dep = parseYaml(readFileSync(join(out, "k8s/deployment.yaml"), "utf8")) as O;
    const c = dep.spec.template.spec.containers[0];
    expect(c.args).toEqual(["serve", "churn_api", "--dir", "/srv/project"]);
    expect(c.ports).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(c.env).toContainEqual({
      name: "MLC_STREAM_URL",
      valueFrom: { secretKeyRef: { name: "churn-api-stream", key: "url" } },
    });
    expect(dep.spec.replicas).toBe(1);
    expect(dep.metadata.labels["app.kubernetes.io/component"]).toBe("stream-consumer");
    const df = readFileSync(join(out, "Dockerfile"), "utf8");
    expect(df).toContain('CMD ["serve","churn_api","--dir","/srv/project"]');
    expect(df).not.toMatch(/^EXPOSE/m);
  });

  it("gives the consumers each alert webhook's variable from the Secret <name>-alerts, once", () => {
    const p = tempProject();
    const b = buildFixtureBundle(join(p, "b"), { version: 3 });
    const out = tempProject();
    const rule = {
      count: 1,
      within_ms: 0,
      cooldown_ms: 60000,
      timeout_ms: 5000,
      retries: 3,
    };
    const stream: StreamTarget = {
      format: "mlc-stream/1",
      url_env: "MLC_STREAM_URL",
      input: "events",
      output: "scores",
      group: "mlc-churn_api",
      dead_letter: "events.dead",
      batch: 128,
      claim_idle_ms: 30000,
      dedup_s: 86400,
      workers: 1,
      alerts: [
        { name: "one", webhook_env: "ALERT_URL", ...rule },
        { name: "two", webhook_env: "ALERT_URL", ...rule },
        { name: "pager", webhook_env: "PAGER_URL", ...rule },
      ],
    };
    writeContainerManifests(out, fixtureMeta({ version: 3 }), { bundleDir: b, stream, replicas: 1 });
    expect(readStreamTarget(join(out, "project"), "churn_api")).toEqual(stream);
    const dep = parseYaml(readFileSync(join(out, "k8s/deployment.yaml"), "utf8")) as O;
    const env = dep.spec.template.spec.containers[0].env as { name: string }[];
    expect(env.filter((e) => e.name.endsWith("_URL") && e.name !== "MLC_STREAM_URL")).toEqual([
      { name: "ALERT_URL", valueFrom: { secretKeyRef: { name: "churn-api-alerts", key: "ALERT_URL" } } },
      { name: "PAGER_URL", valueFrom: { secretKeyRef: { name: "churn-api-alerts", key: "PAGER_URL" } } },
    ]);
  });

  it("makes DNS-1123 names", () => {
    expect(k8sName("churn_api")).toBe("churn-api");
    expect(k8sName("__X__")).toBe("x");
  });
});

describe("mlc export", () => {
  it("copies the current bundle for edge use, verified", async () => {
    const p = tempProject();
    buildFixtureBundle(join(p, ".mlc/bundles/churn_api/v2"), { version: 2 });
    writeDeployment(p, "churn_api", { version: 2, bundle: ".mlc/bundles/churn_api/v2" }, "deploy");
    const out = join(tempProject(), "edge");
    const r = await runCommand(register, ["export", "churn_api", "--dir", p, "--out", out]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, "model.onnx"))).toEqual(
      readFileSync(join(p, ".mlc/bundles/churn_api/v2/model.onnx")),
    );
    expect(loadBundle(out).meta.version).toBe(2);
  });

  it("fails clearly for a deployment that was never deployed", async () => {
    const r = await runCommand(register, [
      "export",
      "nope",
      "--dir",
      tempProject(),
      "--out",
      join(tempProject(), "x"),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("deployment 'nope' has no current version");
    expect(existsSync(join(tempProject(), "x"))).toBe(false);
  });
});

describe("container target with a shared prediction log", () => {
  it("records the log in the image's pointer and passes its URL variable from the Secret <name>-log", () => {
    const p = tempProject();
    const bundleDir = join(p, ".mlc/bundles/churn_api/v1");
    buildFixtureBundle(bundleDir, { version: 1 });
    const out = join(p, "ctx");
    const log = {
      store: { kind: "postgres" as const, url_env: "MLC_LOG_URL", table: "mlc_predictions" },
      retention_seconds: 2_592_000,
      exclude: ["ssn"],
    };
    writeContainerManifests(out, fixtureMeta(), { bundleDir, log });
    expect(readDeployment(join(out, "project"), "churn_api")!.log).toEqual(log);
    const yaml = readFileSync(join(out, "k8s/deployment.yaml"), "utf8");
    const env = (
      parseYaml(yaml) as {
        spec: { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[] }[] } } };
      }
    ).spec.template.spec.containers[0]!.env;
    expect(env).toContainEqual({
      name: "MLC_LOG_URL",
      valueFrom: { secretKeyRef: { name: "churn-api-log", key: "url" } },
    });
  });
});

describe("pod security of the container target", () => {
  const podOf = (out: string): O =>
    (parseYaml(readFileSync(join(out, "k8s/deployment.yaml"), "utf8")) as O).spec.template.spec;

  it("runs as the image's non-root user with a read-only root and writable volumes for the file log", () => {
    const out = tempProject();
    writeContainerManifests(out, fixtureMeta(), {});
    const pod = podOf(out);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    // every path the server writes is a mounted volume: the file log's predictions and feedback, /tmp
    expect(c.volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "predictions", mountPath: "/srv/project/.mlc/predictions" },
      { name: "feedback", mountPath: "/srv/project/.mlc/feedback" },
    ]);
    expect(pod.volumes.map((v: O) => v.name)).toEqual(["tmp", "predictions", "feedback"]);
    for (const v of pod.volumes) expect(v.emptyDir).toEqual({});
  });

  it("mounts no log volumes when the log is a database, and keeps the root read-only", () => {
    const out = tempProject();
    writeContainerManifests(out, fixtureMeta(), {
      log: { store: { kind: "postgres", url_env: "MLC_LOG_URL", table: "t" } },
    });
    const c = podOf(out).containers[0];
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });
});

describe("monitor CronJob", () => {
  const base = {
    name: "churn_watch",
    deployment: "churn_api",
    image: "registry.example/mlc-churn-api:v3",
    schedule: { everySeconds: 900 },
  };

  it("turns a period into the cron expression that runs at exactly that period", () => {
    const every = (s: number) => cronOf({ everySeconds: s });
    expect(every(60)).toBe("* * * * *");
    expect(every(300)).toBe("*/5 * * * *");
    expect(every(900)).toBe("*/15 * * * *");
    expect(every(3600)).toBe("0 * * * *");
    expect(every(6 * 3600)).toBe("0 */6 * * *");
    expect(every(86_400)).toBe("0 0 * * *");
    expect(every(7 * 86_400)).toBe("0 0 * * 0");
    expect(cronOf({ cron: " 5  */2 * * 1-5 " })).toBe("5 */2 * * 1-5");
  });

  it("refuses a schedule a CronJob cannot keep, with a hint", () => {
    for (const s of [30, 90, 7 * 60, 5 * 3600, 2 * 86_400, 0, -60, 1.5])
      expect(() => cronOf({ everySeconds: s })).toThrow(ScheduleError);
    for (const c of ["* * * *", "61 * * * *", "* 24 * * *", "*/0 * * * *", "a b c d e", "0 0 0 * *"])
      expect(() => cronOf({ cron: c })).toThrow(ScheduleError);
    try {
      cronOf({ everySeconds: 5 * 3600 });
    } catch (e) {
      expect((e as ScheduleError).message).toBe("a period of 18000 s has no exact cron expression");
      expect((e as ScheduleError).hint).toMatch(/hours dividing a day/);
    }
  });

  it("runs `mlc monitor NAME` in the image, never twice at once, with env and Secret references", () => {
    const job = parseYaml(
      monitorCronJobYaml({
        ...base,
        namespace: "ml",
        env: { MLC_LOG_LEVEL: "info" },
        secretEnv: [
          { name: "ALERT_URL", secret: "churn-alerts", key: "url" },
          { name: "MLC_LOG_URL", secret: "churn-api-log", key: "url" },
        ],
      }),
    ) as O;
    checkMeta(job, "CronJob", "batch/v1");
    expect(job.metadata.name).toBe("mlc-monitor-churn-watch");
    expect(job.metadata.namespace).toBe("ml");
    expect(job.metadata.annotations).toEqual({ "mlc.dev/monitor": "churn_watch" });
    expect(job.spec.schedule).toBe("*/15 * * * *");
    expect(job.spec.timeZone).toBe("Etc/UTC");
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    expect(job.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const c = pod.containers[0];
    expect(c.image).toBe(base.image);
    expect(c.args).toEqual(["monitor", "churn_watch", "--dir", "/srv/project"]);
    expect(c.env).toEqual([
      { name: "MLC_LOG_LEVEL", value: "info" },
      { name: "ALERT_URL", valueFrom: { secretKeyRef: { name: "churn-alerts", key: "url" } } },
      { name: "MLC_LOG_URL", valueFrom: { secretKeyRef: { name: "churn-api-log", key: "url" } } },
    ]);
    // the embedded state store is a file in the project: writable root unless told otherwise
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.volumeMounts).toBeUndefined();
  });

  it("makes the root read-only with a scratch /tmp when the monitor's state is external", () => {
    const job = monitorCronJob({ ...base, readOnlyRootFilesystem: true }) as O;
    const pod = job.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
  });

  it("throws for an unschedulable period instead of writing a job", () => {
    expect(() => monitorCronJob({ ...base, schedule: { everySeconds: 45 } })).toThrow(ScheduleError);
  });
});
