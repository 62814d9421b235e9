// Writes data/interactions.csv: synthetic movie-style ratings from a seeded latent-factor model,
// so the matrix-factorisation example has data with a known low-rank structure. Deterministic.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const USERS = 200;
const ITEMS = 100;
const FACTORS = 3;
const PER_USER = 20; // distinct items each user rates: 4,000 rows
const NOISE = 0.3;

// mulberry32: a small seeded generator, so the file is the same on every machine.
let state = 20261126;
function uniform() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function normal() {
  const u = Math.max(uniform(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

const userVec = Array.from({ length: USERS }, () => Array.from({ length: FACTORS }, normal));
const itemVec = Array.from({ length: ITEMS }, () => Array.from({ length: FACTORS }, normal));
const userBias = Array.from({ length: USERS }, () => 0.4 * normal());
const itemBias = Array.from({ length: ITEMS }, () => 0.5 * normal());

const lines = ["user_id,item_id,rating"];
for (let u = 0; u < USERS; u++) {
  const seen = new Set();
  while (seen.size < PER_USER) seen.add(Math.floor(uniform() * ITEMS));
  for (const i of [...seen].sort((a, b) => a - b)) {
    let dot = 0;
    for (let k = 0; k < FACTORS; k++) dot += userVec[u][k] * itemVec[i][k];
    // A 1–5 star scale centred on 3; clamped and kept to one decimal.
    const r = Math.min(5, Math.max(1, 3 + userBias[u] + itemBias[i] + 0.5 * dot + NOISE * normal()));
    lines.push(`${u},${i},${r.toFixed(1)}`);
  }
}

const out = join(dirname(fileURLToPath(import.meta.url)), "data", "interactions.csv");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, lines.join("\n") + "\n");
renameSync(`${out}.tmp`, out);
console.log(`wrote ${lines.length - 1} ratings to ${out}`);
