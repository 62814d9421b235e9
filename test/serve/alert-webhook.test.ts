// The alert webhook: one POST with the JSON report; retries on 5xx until delivered; no retry on 4xx;
// a timeout is reported, never thrown.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postAlert } from "../../src/serve/alert-webhook.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

function receiver(statuses: number[], delayMs = 0): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      bodies.push(JSON.parse(text));
      const status = statuses.shift() ?? 200;
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  return new Promise((r) =>
    server!.listen(0, "127.0.0.1", () =>
      r({ url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hook`, bodies }),
    ),
  );
}

describe("postAlert", () => {
  it("delivers the JSON report, retrying a 503", async () => {
    const { url, bodies } = await receiver([503]);
    const d = await postAlert(url, { monitor: "watch", breached: ["psi"] }, { backoffMs: 10 });
    expect(d).toEqual({ delivered: true, attempts: 2, status: 200 });
    expect(bodies).toEqual([
      { monitor: "watch", breached: ["psi"] },
      { monitor: "watch", breached: ["psi"] },
    ]);
  });

  it("does not retry a 400, and reports a timeout without throwing", async () => {
    const { url } = await receiver([400]);
    expect(await postAlert(url, {}, { backoffMs: 10 })).toMatchObject({
      delivered: false,
      attempts: 1,
      status: 400,
    });
    await new Promise<void>((r) => server!.close(() => r()));
    const slow = await receiver([200], 500);
    const d = await postAlert(slow.url, {}, { timeoutMs: 50, retries: 1, backoffMs: 10 });
    expect(d).toMatchObject({ delivered: false, attempts: 2, error: "no answer within 50 ms" });
  });
});
