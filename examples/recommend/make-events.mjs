// Writes data/events.csv and data/truth.json: implicit feedback (impressions that were viewed,
// clicked or bought, with timestamps) from a seeded latent-factor model with a long-tailed item
// popularity, user segments, item and user side features, and users and items arriving over
// time, so cold start and temporal evaluation mean something. Deterministic: the same files on
// every machine. truth.json keeps the generating parameters for tests. See README.md.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const CONFIG = {
  users: 300,
  items: 200,
  days: 60,
  factors: 4,
  /** Zipf exponent of the items' exposure weights: a few items get most impressions. */
  zipf: 1.1,
  /** Share of users present on day 0 and of items released before day 0; the rest arrive later. */
  usersAtStart: 0.7,
  itemsAtStart: 0.6,
  impressionsPerUser: 20,
  start: Date.UTC(2026, 0, 1),
};
const SEGMENTS = ["bargain", "mainstream", "premium"];
const CATEGORIES = ["books", "music", "games", "garden", "kitchen", "sports"];
const EVENTS = ["view", "click", "purchase"];

// mulberry32: a small seeded generator, so the files are the same on every machine.
let state = 20261203;
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
const pick = (n) => Math.floor(uniform() * n);
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const vec = (centre, sd) => centre.map((c) => c + sd * normal());
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);

export function generate(c = CONFIG) {
  const segmentCentre = SEGMENTS.map(() => Array.from({ length: c.factors }, normal));
  const categoryCentre = CATEGORIES.map(() => Array.from({ length: c.factors }, normal));
  // Items: category, price band (1 cheap … 3 dear), release day (negative: back catalogue), a
  // Zipf exposure weight by a random popularity rank, and a latent vector near its category's.
  const ranks = Array.from({ length: c.items }, (_, i) => i);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  const items = Array.from({ length: c.items }, (_, i) => {
    const category = pick(CATEGORIES.length);
    return {
      category: CATEGORIES[category],
      price_band: 1 + pick(3),
      release_day: uniform() < c.itemsAtStart ? -1 - pick(365) : 1 + pick(c.days - 10),
      weight: 1 / (ranks[i] + 1) ** c.zipf,
      quality: 0.5 * normal(),
      vector: vec(categoryCentre[category], 0.6),
    };
  });
  const users = Array.from({ length: c.users }, () => {
    const segment = pick(SEGMENTS.length);
    return {
      segment: SEGMENTS[segment],
      age_band: ["18-29", "30-49", "50+"][pick(3)],
      signup_day: uniform() < c.usersAtStart ? 0 : 1 + pick(c.days - 10),
      vector: vec(segmentCentre[segment], 0.6),
    };
  });
  // Price affinity: bargain users prefer band 1, premium users band 3.
  const priceAffinity = (u, it) => 0.4 * (SEGMENTS.indexOf(u.segment) - 1) * (it.price_band - 2);
  const rows = [];
  for (let u = 0; u < c.users; u++) {
    const user = users[u];
    const n = Math.max(3, Math.round(c.impressionsPerUser * (0.5 + uniform())));
    const shown = new Set();
    for (let e = 0; e < n; e++) {
      const day = user.signup_day + uniform() * (c.days - user.signup_day);
      // the system shows what is released, by exposure weight (popular items are shown more)
      const live = items
        .map((it, i) => ({ it, i }))
        .filter(({ it, i }) => it.release_day <= day && !shown.has(i));
      if (!live.length) break;
      const total = live.reduce((s, x) => s + x.it.weight, 0);
      let r = uniform() * total;
      let chosen = live[live.length - 1];
      for (const x of live)
        if ((r -= x.it.weight) <= 0) {
          chosen = x;
          break;
        }
      shown.add(chosen.i);
      const it = chosen.it;
      const affinity = dot(user.vector, it.vector) / 2 + it.quality + priceAffinity(user, it);
      const pClick = sigmoid(-1 + affinity);
      const clicked = uniform() < pClick;
      const bought = clicked && uniform() < sigmoid(-1.5 + 0.5 * affinity);
      const label = bought ? 2 : clicked ? 1 : 0;
      const ts = c.start + day * 86400000;
      rows.push({
        user_id: u,
        item_id: chosen.i,
        ts: new Date(Math.round(ts / 1000) * 1000).toISOString().replace(".000Z", "Z"),
        event: EVENTS[label],
        label,
        segment: user.segment,
        age_band: user.age_band,
        category: it.category,
        price_band: it.price_band,
        item_age_days: Math.floor(day - it.release_day),
        p_click: pClick,
      });
    }
  }
  rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.user_id - b.user_id));
  const round = (v) => v.map((x) => Math.round(x * 1e6) / 1e6);
  const truth = {
    config: c,
    users: users.map((x) => ({ ...x, vector: round(x.vector) })),
    items: items.map((x) => ({ ...x, weight: Math.round(x.weight * 1e6) / 1e6, vector: round(x.vector) })),
    // the true click probability of every event row, in the file's order
    p_click: rows.map((x) => Math.round(x.p_click * 1e6) / 1e6),
  };
  return { rows, truth };
}

const COLUMNS = [
  "user_id",
  "item_id",
  "ts",
  "event",
  "label",
  "segment",
  "age_band",
  "category",
  "price_band",
  "item_age_days",
];

function write(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, truth } = generate();
  const dir = join(dirname(fileURLToPath(import.meta.url)), "data");
  write(
    join(dir, "events.csv"),
    [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((k) => r[k]).join(","))].join("\n") + "\n",
  );
  write(join(dir, "truth.json"), JSON.stringify(truth) + "\n");
  console.log(`wrote ${rows.length} events to ${join(dir, "events.csv")}`);
}
