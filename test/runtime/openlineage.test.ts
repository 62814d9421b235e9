import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { lineageSinkFromEnv, runEvent, type RunEvent } from "../../src/runtime/openlineage.js";

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
