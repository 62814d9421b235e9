#!/usr/bin/env node
// Replays Shuttle sensor rows onto a Redis stream, as a radiator's telemetry would arrive: a seeded
// sample of `--rows` rows of data/shuttle.csv (the label column left out), each as one entry with
// `id` = row-<line> and `data` = the readings as JSON. The stream is the one `mlc apply` recorded for
// radiator_watch (.mlc/deployments/radiator_watch/stream.json), else shuttle.readings. `--reset` first
// deletes the deployment's input, output, alert and dead-letter streams and its dedup and alert keys, so
// a replay of the same rows is scored (and alerted) again. Usage:
//   MLC_STREAM_URL=redis://127.0.0.1:6379 node examples/anomaly/replay.mjs [--reset] [--stream S] [--rows 300] [--seed 7]
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const here = dirname(fileURLToPath(import.meta.url));
const recorded = join(here, ".mlc/deployments/radiator_watch/stream.json");
const target = existsSync(recorded) ? JSON.parse(readFileSync(recorded, "utf8")) : undefined;
const stream = opt("stream", target?.input ?? "shuttle.readings");
const reset = args.includes("--reset");
const rows = Number(opt("rows", "300"));
const seed = Number(opt("seed", "7"));
const url = process.env.MLC_STREAM_URL;
if (!url) {
  console.error("replay: set MLC_STREAM_URL to the Redis URL (redis://127.0.0.1:6379)");
  process.exit(2);
}
if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(seed)) {
  console.error("replay: --rows must be a positive integer and --seed an integer");
  process.exit(2);
}

// the data: header V1..V9,anomaly; every reading an integer
const file = join(here, "data/shuttle.csv");
const [header, ...lines] = readFileSync(file, "utf8").trim().split(/\r?\n/);
const names = header.split(",");
const sensors = names.filter((n) => n !== "anomaly");

// a seeded Fisher-Yates shuffle (mulberry32), so a seed always replays the same rows in the same order
let s = seed >>> 0;
const random = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const order = lines.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}

const redis = new Redis(url);
if (reset) {
  const output = target?.output ?? "shuttle.scores";
  const keys = [
    ...(await redis.keys(`mlc:stream:${output}:*`)),
    ...(await redis.keys(`mlc:alert:${output}:*`)),
  ];
  const streams = [stream, output, `${output}.alerts`, target?.dead_letter ?? `${stream}.dead`];
  await redis.del(...streams, ...keys);
  console.log(`replay: reset ${streams.join(", ")} and ${keys.length} dedup/alert keys`);
}
const pipe = redis.pipeline();
for (const i of order.slice(0, rows)) {
  const cells = lines[i].split(",");
  const data = Object.fromEntries(sensors.map((n) => [n, Number(cells[names.indexOf(n)])]));
  pipe.xadd(stream, "*", "id", `row-${i + 2}`, "data", JSON.stringify(data));
}
const replies = await pipe.exec();
const failed = replies.filter(([e]) => e);
await redis.quit();
if (failed.length) {
  console.error(`replay: ${failed.length} entries were refused: ${failed[0][0].message}`);
  process.exit(1);
}
console.log(
  `replay: ${Math.min(rows, lines.length)} rows of ${file.split("/").slice(-2).join("/")} onto ${stream} (seed ${seed})`,
);
