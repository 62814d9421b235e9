#!/usr/bin/env node
// A local alert receiver for the anomaly example: listens on 127.0.0.1:--port for the webhook POSTs of
// `mlc serve radiator_watch` (ALERT_URL=http://127.0.0.1:PORT/alerts), prints each alert as one JSON line,
// answers 204, and exits 0 after --count alerts (1 unless given; 0: runs until stopped), or 1 when
// --timeout seconds pass first. Usage:
//   node examples/anomaly/receiver.mjs [--port 9000] [--count 1] [--timeout 120]
import { createServer } from "node:http";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const port = Number(opt("port", "9000"));
const count = Number(opt("count", "1"));
const timeout = Number(opt("timeout", "120"));
if (!Number.isInteger(port) || port < 1 || port > 65535 || !Number.isInteger(count) || count < 0 || !(timeout > 0)) {
  console.error("receiver: --port must be 1-65535, --count an integer ≥ 0 and --timeout seconds > 0");
  process.exit(2);
}

let received = 0;
const server = createServer((req, res) => {
  if (req.method !== "POST") {
    res.writeHead(405, { "content-type": "application/json" }).end('{"error":"POST alerts here"}');
    return;
  }
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    let alert;
    try {
      alert = JSON.parse(body);
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"not JSON"}');
      return;
    }
    res.writeHead(204).end();
    console.log(JSON.stringify(alert));
    received++;
    if (count > 0 && received >= count) server.close(() => process.exit(0));
  });
});
server.on("error", (e) => {
  console.error(`receiver: ${e.message}`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => console.error(`receiver: listening on http://127.0.0.1:${port}/alerts`));
setTimeout(() => {
  console.error(`receiver: ${received} of ${count} alerts within ${timeout} s`);
  process.exit(1);
}, timeout * 1000).unref();
