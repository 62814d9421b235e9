import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GraphNode } from "../../src/ir/graph-ir.js";
import {
  jobFacets,
  lineageSinkFromEnv,
  PRODUCER,
  runEvent,
  sourceDatasets,
  type RunEvent,
} from "../../src/runtime/openlineage.js";
import { applyOk, tinyProject } from "./deploy-project.js";

const event = (type: RunEvent["eventType"]) =>
  runEvent(type, {
    runId: "3f0c6b7e-2a1d-4c3b-9e8f-0a1b2c3d4e5f",
    namespace: "mlc://churn",
    job: "model.churn",
    inputs: [{ namespace: "mlc://churn", name: "split.holdout" }],
    outputs: [],
  });

describe("OpenLineage over HTTP", () => {
  it("POSTs each event as JSON", async () => {
    const got: unknown[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += String(d)));
      req.on("end", () => {
        got.push({ method: req.method, type: req.headers["content-type"], body: JSON.parse(body) });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/lineage`;
    const logs: string[] = [];
    const sink = lineageSinkFromEnv((m) => logs.push(m), { MLC_OPENLINEAGE_URL: url })!;
    sink.emit(event("START"));
    sink.emit(event("COMPLETE"));
    await sink.flush();
    server.close();
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      method: "POST",
      type: "application/json",
      body: { eventType: "START", job: { name: "model.churn" } },
    });
    expect(logs).toEqual([]);
  });

  it("logs an unreachable endpoint instead of failing", async () => {
    const logs: string[] = [];
    const sink = lineageSinkFromEnv((m) => logs.push(m), {
      MLC_OPENLINEAGE_URL: "http://127.0.0.1:9/lineage",
    })!;
    sink.emit(event("FAIL"));
    await sink.flush();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^openlineage: cannot POST to http:\/\/127\.0\.0\.1:9\/lineage/);
  });

  it("is off when neither variable is set", () => {
    expect(lineageSinkFromEnv(() => undefined, {})).toBeUndefined();
  });
});

describe("OpenLineage datasets and facets", () => {
  const FACET_URL = /^https:\/\/openlineage\.io\/spec\/facets\/\d+-\d+-\d+\/(\w+)\.json#\/\$defs\/(\w+)$/;
  /** The standard facet each key must be (OpenLineage's facet names), checked on its _schemaURL. */
  const FACET_OF: Record<string, string> = {
    schema: "SchemaDatasetFacet",
    dataSource: "DatasourceDatasetFacet",
    version: "DatasetVersionDatasetFacet",
    sql: "SQLJobFacet",
    errorMessage: "ErrorMessageRunFacet",
  };
  const checkFacets = (facets: Record<string, Record<string, unknown>> | undefined) => {
    for (const [key, f] of Object.entries(facets ?? {})) {
      expect(f._producer).toBe(PRODUCER);
      const m = FACET_URL.exec(String(f._schemaURL));
      expect(m, `${key}: ${String(f._schemaURL)}`).not.toBeNull();
      expect([m![1], m![2]]).toEqual([FACET_OF[key], FACET_OF[key]]);
    }
  };

  it("names the producer by this package and version", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    expect(PRODUCER).toBe(`https://www.npmjs.com/package/${pkg.name}/v/${pkg.version}`);
    expect(event("START").producer).toBe(PRODUCER);
  });

  it("a source's file is file://HOST + its absolute path, with schema, dataSource and version facets", async () => {
    const dir = tinyProject(5);
    const file = join(dir, "ol.ndjson");
    process.env.MLC_OPENLINEAGE_FILE = file;
    try {
      await applyOk(dir);
    } finally {
      delete process.env.MLC_OPENLINEAGE_FILE;
    }
    const events = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RunEvent);
    for (const e of events) {
      checkFacets(e.run.facets as Record<string, Record<string, unknown>> | undefined);
      checkFacets(e.job.facets as Record<string, Record<string, unknown>> | undefined);
      for (const d of [...e.inputs, ...e.outputs])
        checkFacets(d.facets as Record<string, Record<string, unknown>> | undefined);
    }
    const done = events.find((e) => e.eventType === "COMPLETE" && e.job.name === "source.rows")!;
    const csv = join(dir, "data", "rows.csv");
    expect(done.inputs).toHaveLength(1);
    const d = done.inputs[0]!;
    expect(d.namespace).toBe(`file://${hostname()}`);
    expect(d.name).toBe(csv);
    const facets = d.facets as Record<string, Record<string, unknown>>;
    expect(facets.dataSource).toMatchObject({
      name: `file://${hostname()}`,
      uri: `file://${hostname()}${csv}`,
    });
    expect(facets.schema!.fields).toEqual([
      { name: "id", type: "int" },
      { name: "x1", type: "float" },
      { name: "x2", type: "float" },
      { name: "y", type: "category" },
    ]);
    expect(facets.version!.datasetVersion).toMatch(/^[a-z0-9]+:[0-9a-f]+$|^[0-9a-f]{16,}$/);
    // START already names the file (the schema is known once read)
    const start = events.find((e) => e.eventType === "START" && e.job.name === "source.rows")!;
    expect(start.inputs.map((x) => x.name)).toEqual([csv]);
    // artifacts are versioned by their hash
    const model = events.find((e) => e.eventType === "COMPLETE" && e.job.name === "model.m")!;
    const onnx = model.outputs.find((o) => o.name === "model.m/onnx")!;
    expect((onnx.facets as Record<string, Record<string, unknown>>).version!.datasetVersion).toMatch(
      /^[0-9a-f]{64}$/,
    );
  }, 120_000);

  it("a SQLite source is its database file; a database query is the job's sql facet", () => {
    const node: GraphNode = {
      id: "source.orders",
      kind: "source",
      name: "orders",
      config: {
        connection: { $call: "sqlite", args: [], named: { path: "db/shop.db" } },
        query: "select * from orders",
      },
      inputs: [],
    };
    const [d] = sourceDatasets(node, "/srv/shop", { hash: "sha256:ab", description: "q" });
    expect(d).toMatchObject({ namespace: `file://${hostname()}`, name: "/srv/shop/db/shop.db" });
    expect(jobFacets(node)).toMatchObject({ sql: { query: "select * from orders" } });
    checkFacets(jobFacets(node) as Record<string, Record<string, unknown>>);
  });
});
