// The container target of a deployment: a docker build context (Dockerfile, the bundle with its pointer,
// optionally the mlc app) and Kubernetes Deployment/Service/HorizontalPodAutoscaler manifests, or for a
// stream target one Deployment of consumers. Nothing is run.
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { buildBundleDir, loadBundle, readBundleRetrieval, type BundleMeta } from "./bundle.js";
import { writeDeployment } from "./deployment.js";
import { copySqliteTable } from "./online-sqlite.js";
import { DEFAULT_SQLITE_PATH, sqlitePath, type OnlineRef } from "./online-store.js";
import { writeStreamTarget, type StreamTarget } from "./stream-config.js";
import { toYaml, type YamlValue } from "./yaml.js";
import { containerSecurityContext, podSecurityContext, scratchVolume } from "./k8s-security.js";
import type { LogConfig } from "./log/types.js";
import { servingAppPlatformProblem, writeServingApp } from "./serving-app.js";

interface ContainerOptions {
  /** Image reference used by the Kubernetes Deployment (default `mlc-<deployment>:v<version>`). */
  image?: string;
  /** Container port (default 8080). */
  port?: number;
  /** Kubernetes namespace for metadata (omitted when unset). */
  namespace?: string;
  replicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  /** Target average CPU utilisation (%) for the autoscaler (default 70). */
  cpuUtilization?: number;
  cpuRequest?: string;
  memoryRequest?: string;
  memoryLimit?: string;
  /** Secret holding MLC_SERVE_TOKEN (key `token`); when set, the server requires the bearer token. */
  tokenSecret?: string;
  /** The bundle to place in the context (project/.mlc/bundles/…, with a deployment pointer to it). */
  bundleDir?: string;
  /**
   * A built mlc (dist/ and node_modules) whose serving application goes into the context as app/:
   * only the modules and packages serving needs (serving-app.ts). On a machine other than linux x64,
   * whose native builds would not run in the image, app/ holds package.json, package-lock.json and
   * dist/, and the image installs the dependencies itself.
   */
  appDir?: string;
  /**
   * The version's online table: a SQLite one is copied into the context (project/.mlc/online.db); a
   * Redis one is named in the pointer and its URL variable comes from the Secret `<name>-online` (key `url`).
   */
  online?: { ref: OnlineRef; projectDir: string };
  /**
   * A stream target: the image runs the consumers instead of the HTTP server (no port, Service or
   * autoscaler); the broker URL variable (Redis or NATS) comes from the Secret `<name>-stream` (key `url`).
   */
  stream?: StreamTarget;
  /**
   * The deployment's prediction log, recorded in the image's pointer; a database log's URL variable
   * comes from the Secret `<name>-log` (key `url`).
   */
  log?: LogConfig;
}

/** The project directory inside the image. */
export const IMAGE_PROJECT_DIR = "/srv/project";

/**
 * What the server writes at run time: the file log's predictions and feedback (when the log is
 * files, the default) and temporary files. Each is an emptyDir volume, so the root filesystem is
 * read-only; the file log lives as long as the pod, as it did in the container's own filesystem.
 */
function writableVolumes(opts: ContainerOptions): { volume: YamlValue; mount: YamlValue }[] {
  const files = !opts.log?.store || opts.log.store.kind === "files";
  return [
    scratchVolume("tmp", "/tmp"),
    ...(files
      ? [
          scratchVolume("predictions", `${IMAGE_PROJECT_DIR}/.mlc/predictions`),
          scratchVolume("feedback", `${IMAGE_PROJECT_DIR}/.mlc/feedback`),
        ]
      : []),
  ];
}

/** A DNS-1123 label from a deployment name (churn_api → churn-api). */
export function k8sName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return s || "mlc-serve";
}

/** Writes a file through a temporary name in the same folder, so a reader never sees half of it. */
export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The `mlc` arguments of the container: the HTTP server on its port, or a stream target's consumers. */
function serveArgs(meta: BundleMeta, opts: ContainerOptions): string[] {
  const args = ["serve", meta.deployment, "--dir", IMAGE_PROJECT_DIR];
  return opts.stream ? args : [...args, "--host", "0.0.0.0", "--port", String(opts.port ?? 8080)];
}

/** How app/ of the context was made: the traced serving application, or a checkout installed in the image. */
export type AppForm = "serving" | "install";

export function dockerfile(meta: BundleMeta, opts: ContainerOptions = {}, app: AppForm = "install"): string {
  const port = opts.port ?? 8080;
  const cmd = serveArgs(meta, opts);
  const install =
    app === "serving"
      ? [
          "# only what serving needs (the modules and packages `mlc serve` and `mlc monitor` load); nothing to install",
          "COPY app ./",
        ]
      : [
          "COPY app/package.json app/package-lock.json ./",
          "# `prepare` compiles TypeScript, which a production install lacks; the compiled dist/ is copied instead.",
          "RUN npm pkg delete scripts.prepare && npm ci --omit=dev && npm cache clean --force",
          "COPY app/dist ./dist",
        ];
  return [
    `# Generated by mlc: deployment ${meta.deployment}, model ${meta.model} version ${meta.version}.`,
    "# Build from this directory: docker build -t " +
      (opts.image ?? `mlc-${k8sName(meta.deployment)}:v${meta.version}`) +
      " .",
    // the native modules copied into app/ were built for this Node's ABI
    `FROM ${app === "serving" ? `--platform=linux/amd64 node:${process.versions.node.split(".")[0]}-slim` : "node:20-slim"}`,
    "ENV NODE_ENV=production",
    "WORKDIR /opt/mlc",
    ...install,
    "# the bundle and its deployment pointer; writable by the server for its prediction log",
    `COPY --chown=node:node project ${IMAGE_PROJECT_DIR}`,
    "USER node",
    ...(opts.stream ? [] : [`EXPOSE ${port}`]),
    "STOPSIGNAL SIGTERM",
    'ENTRYPOINT ["node", "/opt/mlc/dist/src/cli/main.js"]',
    `CMD ${JSON.stringify(cmd)}`,
    "",
  ].join("\n");
}

/** The Kubernetes objects as plain values (apps/v1 Deployment, v1 Service, autoscaling/v2 HPA). */
function kubernetesObjects(
  meta: BundleMeta,
  opts: ContainerOptions = {},
): { deployment: YamlValue; service: YamlValue; hpa: YamlValue } {
  const name = k8sName(meta.deployment);
  const port = opts.port ?? 8080;
  const selector = { "app.kubernetes.io/name": name };
  const labels = {
    ...selector,
    "app.kubernetes.io/component": opts.stream ? "stream-consumer" : "model-server",
    "app.kubernetes.io/managed-by": "mlc",
    "app.kubernetes.io/version": `v${meta.version}`,
  };
  const metadata = (extra: Record<string, YamlValue> = {}): Record<string, YamlValue> => ({
    name,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    labels,
    ...extra,
  });
  const env: YamlValue[] = [{ name: "MLC_LOG_LEVEL", value: "warn" }];
  if (opts.tokenSecret)
    env.push({
      name: "MLC_SERVE_TOKEN",
      valueFrom: { secretKeyRef: { name: opts.tokenSecret, key: "token" } },
    });
  const store = opts.online?.ref.store;
  if (store?.kind === "redis" && store.url_env)
    env.push({ name: store.url_env, valueFrom: { secretKeyRef: { name: `${name}-online`, key: "url" } } });
  if (opts.stream?.url_env && opts.stream.url_env !== (store?.kind === "redis" ? store.url_env : undefined))
    env.push({
      name: opts.stream.url_env,
      valueFrom: { secretKeyRef: { name: `${name}-stream`, key: "url" } },
    });
  // alert webhooks: each variable from the Secret `<name>-alerts`, keyed by the variable's name
  for (const v of new Set((opts.stream?.alerts ?? []).flatMap((a) => (a.webhook_env ? [a.webhook_env] : []))))
    if (!env.some((e) => typeof e === "object" && e !== null && !Array.isArray(e) && e.name === v))
      env.push({ name: v, valueFrom: { secretKeyRef: { name: `${name}-alerts`, key: v } } });
  const http: Record<string, YamlValue> = opts.stream
    ? {}
    : {
        ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
        readinessProbe: {
          httpGet: { path: "/readyz", port: "http" },
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        livenessProbe: {
          httpGet: { path: "/healthz", port: "http" },
          initialDelaySeconds: 10,
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        // give the Service time to stop routing here before SIGTERM starts the drain
        lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
      };
  const logStore = opts.log?.store;
  if (logStore && logStore.kind !== "files" && logStore.url_env)
    env.push({ name: logStore.url_env, valueFrom: { secretKeyRef: { name: `${name}-log`, key: "url" } } });
  const scratch = writableVolumes(opts);
  const deployment: YamlValue = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: metadata({
      annotations: { "mlc.dev/model": meta.model, "mlc.dev/run-id": meta.lineage.run_id },
    }),
    spec: {
      replicas: opts.replicas ?? opts.minReplicas ?? 2,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 30,
          securityContext: podSecurityContext(),
          containers: [
            {
              name: "mlc-serve",
              image: opts.image ?? `mlc-${name}:v${meta.version}`,
              imagePullPolicy: "IfNotPresent",
              args: serveArgs(meta, opts),
              ...http,
              env,
              resources: {
                requests: { cpu: opts.cpuRequest ?? "500m", memory: opts.memoryRequest ?? "256Mi" },
                limits: { memory: opts.memoryLimit ?? "512Mi" },
              },
              securityContext: containerSecurityContext(true),
              volumeMounts: scratch.map((v) => v.mount),
            },
          ],
          volumes: scratch.map((v) => v.volume),
        },
      },
    },
  };
  const service: YamlValue = {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(),
    spec: {
      type: "ClusterIP",
      selector,
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  };
  const hpa: YamlValue = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: metadata(),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: opts.minReplicas ?? 2,
      maxReplicas: opts.maxReplicas ?? 10,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: opts.cpuUtilization ?? 70 },
          },
        },
      ],
    },
  };
  return { deployment, service, hpa };
}

/**
 * Writes the build context into `outDir`: Dockerfile, k8s/{deployment,service,hpa}.yaml, and when given,
 * project/ (bundle + pointer) and app/ (mlc). Returns the files written, relative to outDir.
 */
export function writeContainerManifests(
  outDir: string,
  meta: BundleMeta,
  opts: ContainerOptions = {},
): string[] {
  const out = resolve(outDir);
  const written: string[] = [];
  const put = (rel: string, text: string): void => {
    writeAtomic(join(out, rel), text);
    written.push(rel);
  };
  if (opts.bundleDir) {
    const b = loadBundle(opts.bundleDir);
    if (b.meta.version !== meta.version || b.meta.deployment !== meta.deployment) {
      throw new Error(
        `bundle ${b.dir} is ${b.meta.deployment} v${b.meta.version}, the manifests describe ${meta.deployment} v${meta.version}`,
      );
    }
    const project = join(out, "project");
    const rel = `.mlc/bundles/${meta.deployment}/v${meta.version}`;
    const retrieval = readBundleRetrieval(b);
    buildBundleDir(join(project, rel), b.onnx, b.meta, retrieval ? { retrieval } : {});
    let online: OnlineRef | undefined;
    if (opts.online) {
      const { ref, projectDir } = opts.online;
      if (ref.store.kind === "sqlite") {
        copySqliteTable(sqlitePath(projectDir, ref.store), join(project, DEFAULT_SQLITE_PATH), ref.table);
        online = { store: { kind: "sqlite", path: DEFAULT_SQLITE_PATH }, table: ref.table };
        written.push(`project/${DEFAULT_SQLITE_PATH}`);
      } else online = ref;
    }
    writeDeployment(
      project,
      meta.deployment,
      { version: meta.version, bundle: rel, ...(online ? { online } : {}), log: opts.log },
      "container image",
    );
    if (opts.stream) {
      writeStreamTarget(project, meta.deployment, opts.stream);
      written.push(`project/.mlc/deployments/${meta.deployment}/stream.json`);
    }
    written.push(
      `project/${rel}/bundle.json`,
      `project/${rel}/model.onnx`,
      `project/.mlc/deployments/${meta.deployment}/current.json`,
    );
  }
  let app: AppForm = "install";
  if (opts.appDir) {
    const root = resolve(opts.appDir);
    if (!existsSync(join(root, "dist", "src", "cli", "main.js")))
      throw new Error(`${root} has no dist/src/cli/main.js: run 'npm run build' first`);
    if (!servingAppPlatformProblem()) {
      // written aside, then swapped in whole, so no file of an earlier export stays behind
      const stage = join(out, `.app.tmp-${process.pid}`);
      const old = join(out, `.app.old-${process.pid}`);
      rmSync(stage, { recursive: true, force: true });
      try {
        writeServingApp(root, stage);
      } catch (e) {
        rmSync(stage, { recursive: true, force: true });
        throw e;
      }
      if (existsSync(join(out, "app"))) renameSync(join(out, "app"), old);
      renameSync(stage, join(out, "app"));
      rmSync(old, { recursive: true, force: true });
      app = "serving";
      written.push("app/");
    } else {
      for (const f of ["package.json", "package-lock.json"])
        put(`app/${f}`, readFileSync(join(root, f), "utf8"));
      cpSync(join(root, "dist"), join(out, "app", "dist"), {
        recursive: true,
        filter: (src) => !src.endsWith(".map") && !src.includes(`${join("dist", "bench")}`),
      });
      written.push("app/dist/");
    }
  }
  const k = kubernetesObjects(meta, opts);
  put("Dockerfile", dockerfile(meta, opts, app));
  put(".dockerignore", "**/.mlc/predictions\n**/*.map\n");
  put("k8s/deployment.yaml", toYaml(k.deployment as Record<string, YamlValue>));
  // consumers take work from the group, not from a Service; scale them with the Deployment's replicas
  if (!opts.stream) {
    put("k8s/service.yaml", toYaml(k.service as Record<string, YamlValue>));
    put("k8s/hpa.yaml", toYaml(k.hpa as Record<string, YamlValue>));
  }
  return written;
}
