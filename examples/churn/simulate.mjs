#!/usr/bin/env node
// Seeded traffic and outcomes for the churn_offer experiment (experiment.mlspec): posts one prediction
// request per simulated customer (rows of data/churn.csv with a `customer_id`) to a running
// `mlc serve churn_api`, then the outcomes of each customer to POST /v1/feedback: `retained` (0/1,
// by the experiment's key) and `revenue` (by request id and row). The effect is planted: the `small`
// arm retains `--lift` more (relative) and its retained customers bring `--revenue-lift` more revenue.
// The same seed and options always send the same requests and outcomes.
//
//   node examples/churn/simulate.mjs [--url http://localhost:8080] [--customers 3000] [--seed 1]
//        [--lift 0.5] [--revenue-lift 0] [--prefix cust] [--json]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const USAGE =
  "usage: simulate.mjs [--url URL] [--customers N] [--seed N] [--lift X] [--revenue-lift X] [--prefix P] [--json]";

function parseArgs(argv) {
  const o = {
    url: "http://localhost:8080",
    customers: 3000,
    seed: 1,
    lift: 0.5,
    revenueLift: 0,
    prefix: "cust",
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value\n${USAGE}`);
      return v;
    };
    const number = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n)) fail(`${a}: '${v}' is not a number\n${USAGE}`);
      return n;
    };
    if (a === "--url") o.url = next().replace(/\/$/, "");
    else if (a === "--port") o.url = `http://localhost:${number(next())}`;
    else if (a === "--customers") o.customers = Math.trunc(number(next()));
    else if (a === "--seed") o.seed = Math.trunc(number(next()));
    else if (a === "--lift") o.lift = number(next());
    else if (a === "--revenue-lift") o.revenueLift = number(next());
    else if (a === "--prefix") o.prefix = next();
    else if (a === "--json") o.json = true;
    else fail(`unknown argument '${a}'\n${USAGE}`);
  }
  if (!(o.customers > 0)) fail("--customers must be positive");
  return o;
}

function fail(message) {
  process.stderr.write(`simulate: ${message}\n`);
  process.exit(2);
}

/** splitmix32: a small seeded generator of uniform numbers in [0, 1). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** The rows of data/churn.csv as request records (numbers as numbers), without the label. */
function readRows() {
  const text = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "data/churn.csv"), "utf8");
  const [header, ...lines] = text.trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => {
    const values = line.split(",");
    const rec = {};
    names.forEach((n, i) => {
      const v = values[i];
      rec[n] = v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
    });
    delete rec.churn;
    return rec;
  });
}

async function post(url, body) {
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      if (attempt < 30) {
        await new Promise((r) => setTimeout(r, 500)); // the server is still starting
        continue;
      }
      fail(`${url}: ${e.message}`);
    }
    const answer = await res.json().catch(() => ({}));
    if (res.status === 503 && attempt < 30) {
      await new Promise((r) => setTimeout(r, 500)); // still loading its model
      continue;
    }
    if (res.status !== 200) fail(`${url} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer;
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const rows = readRows();
  const draw = rng(o.seed);
  const units = Array.from({ length: o.customers }, (_, i) => ({
    customer_id: `${o.prefix}-${o.seed}-${i}`,
    record: rows[Math.floor(draw() * rows.length)],
  }));

  // one request per customer, sent in batches of 250 records
  const served = [];
  for (let b = 0; b < units.length; b += 250) {
    const chunk = units.slice(b, b + 250);
    const answer = await post(`${o.url}/v1/predict`, {
      instances: chunk.map((u) => ({ ...u.record, customer_id: u.customer_id })),
    });
    chunk.forEach((u, i) =>
      served.push({ ...u, request_id: answer.request_id, index: i, prediction: answer.predictions[i] }),
    );
  }

  // outcomes: control retains 20% of customers; retained customers bring about 30 in revenue
  const items = [];
  const arms = {};
  const time = new Date().toISOString();
  for (const s of served) {
    const arm = s.prediction.arm ?? "none";
    const a = (arms[arm] ??= { units: 0, retained: 0, revenue: 0 });
    a.units++;
    const small = arm === "small";
    const retained = draw() < 0.2 * (small ? 1 + o.lift : 1) ? 1 : 0;
    const revenue = retained ? +(30 * (small ? 1 + o.revenueLift : 1) * (0.5 + draw())).toFixed(2) : 0;
    a.retained += retained;
    a.revenue += revenue;
    items.push({ key: { customer_id: s.customer_id }, time, metric: "retained", value: retained });
    items.push({ request_id: s.request_id, index: s.index, metric: "revenue", value: revenue });
  }
  let stored = 0;
  for (let b = 0; b < items.length; b += 5000)
    stored += (await post(`${o.url}/v1/feedback`, { items: items.slice(b, b + 5000) })).stored;

  const summary = {
    customers: units.length,
    experiment: served[0]?.prediction.experiment ?? null,
    arms,
    outcomes_stored: stored,
    outcomes_duplicate: items.length - stored,
    assignments: o.json ? Object.fromEntries(served.map((s) => [s.customer_id, s.prediction.arm])) : undefined,
  };
  if (o.json) process.stdout.write(JSON.stringify(summary) + "\n");
  else {
    process.stdout.write(
      `simulate: ${units.length} customers of experiment ${summary.experiment}; ${stored} outcomes stored\n`,
    );
    for (const [arm, a] of Object.entries(arms))
      process.stdout.write(
        `  ${arm}: ${a.units} customers, ${a.retained} retained (${((100 * a.retained) / a.units).toFixed(1)}%), revenue ${a.revenue.toFixed(0)}\n`,
      );
  }
}

await main();
