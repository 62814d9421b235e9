// Materialisation for the online store: lowering gives the deploy node the tables it needs, and the
// values per entity equal the batch features of a row dated just after the newest data.
import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { readJoins } from "../../src/data/feature-joins.js";
import { materializeOnline } from "../../src/data/online-materialize.js";
import { columnValues } from "../../src/data/table-columns.js";
import { runFeatures } from "../runtime/executors/features-run.js";

// a: days 1-3; b: days 1-2; the newest row of the data is day 3.
const TRIPS =
  "day,station,rides\n2024-01-01,a,1\n2024-01-02,a,2\n2024-01-03,a,3\n2024-01-01,b,10\n2024-01-02,b,20\n";
const WEATHER = "date,temp_min\n2024-01-01,-5\n2024-01-03,-3\n";

const SPEC = (ttl = "1d") => `
source trips {
  file      = "trips.csv"
  key       = station
  timestamp = day
  schema { day = timestamp  station = category  rides = float }
}
source weather {
  file      = "weather.csv"
  timestamp = date
  schema { date = timestamp  temp_min = float }
}
features daily {
  from      = trips
  timestamp = day
  join {
    table = weather
    ttl   = ${ttl}
  }
  rides_2d = mean(rides, over = 2d, by = station)
  n_3d     = count(rides, over = 3d, by = station)
  ratio    = rides_2d / (n_3d + 1)
  cold     = if(temp_min < 0, 1, 0)
  weekday  = dayofweek(day)
}
split by_time {
  from   = daily
  method = temporal(day)
  train  = 60%
  valid  = 20%
  test   = 20%
}
model m {
  task      = regress(rides)
  data      = by_time
  features  = daily.*
  algorithm = linear
}
deploy api { model = m }
`;

/** Lowers the spec and runs the sources and the features node (on `trips`, which may have extra rows). */
async function project(opts: { ttl?: string; trips?: string } = {}) {
  return runFeatures({
    "main.mlspec": SPEC(opts.ttl),
    "trips.csv": opts.trips ?? TRIPS,
    "weather.csv": WEATHER,
  });
}

async function materialize(opts: { ttl?: string } = {}) {
  const p = await project(opts);
  const features = p.byId("features.daily");
  const joins = await Promise.all(
    readJoins(features.config, features.id).map(async (spec) => ({ spec, table: await p.table(spec.node) })),
  );
  const made = materializeOnline({
    table: await p.table("source.trips"),
    joins,
    featuresConfig: features.config,
    key: ["station"],
    time: "day",
    inputs: ["rides_2d", "n_3d", "ratio", "temp_min", "day", "station"],
  });
  return { made: made!, p };
}

const byEntity = (m: NonNullable<ReturnType<typeof materializeOnline>>) =>
  Object.fromEntries(
    m.rows.map((r) => [String(r.key[0]), Object.fromEntries(m.columns.map((c, i) => [c.name, r.values[i]]))]),
  );

describe("online materialisation", () => {
  it("lowering gives a deployment of a model with windows and joins the tables they are made from", async () => {
    const { byId } = await project();
    const deploy = byId("deploy.api");
    expect(deploy.config.online_features).toEqual({
      features: "features.daily",
      from: "source.trips",
      key: ["station"],
      timestamp: "day",
    });
    expect(deploy.inputs.map((i) => i.node)).toEqual(
      expect.arrayContaining(["features.daily", "source.trips", "source.weather", "model.m"]),
    );
  });

  it("windows end just after the newest row (so they include it); joins take the latest row within ttl", async () => {
    const { made } = await materialize();
    expect(made.columns).toEqual([
      { name: "rides_2d", source: "window" },
      { name: "n_3d", source: "window" },
      { name: "ratio", source: "window" },
      { name: "temp_min", source: "join" },
    ]);
    expect(new Date(made.asOf).toISOString()).toBe("2024-01-03T00:00:00.001Z");
    const v = byEntity(made);
    // a: 2-day window (Jan 1 00:00:00.001, Jan 3 00:00:00.001) holds days 2 and 3; 3-day window days 1-3.
    expect(v.a!.rides_2d).toBeCloseTo(2.5, 6);
    expect(v.a!.n_3d).toBe(3);
    expect(v.a!.ratio).toBeCloseTo(2.5 / 4, 6);
    // b's newest row is day 2: its 2-day window still ends at the data's newest time, holding day 2 only.
    expect(v.b!.rides_2d).toBeCloseTo(20, 6);
    expect(v.b!.n_3d).toBe(2);
    // weather is keyless: both stations get day 3's row.
    expect(v.a!.temp_min).toBe(-3);
    expect(v.b!.temp_min).toBe(-3);
  });

  it("equals the batch features of rows dated the day after the newest (the same windows, the same join)", async () => {
    const { made } = await materialize({ ttl: "2d" });
    const next = await project({ ttl: "2d", trips: TRIPS + "2024-01-04,a,0\n2024-01-04,b,0\n" });
    const t = await next.table("features.daily");
    const day = Array.from(columnValues(t, "day") as ArrayLike<Date>, (d) => d.toISOString().slice(0, 10));
    const station = columnValues(t, "station") as ArrayLike<string>;
    const v = byEntity(made);
    let compared = 0;
    for (let i = 0; i < t.numRows(); i++) {
      if (day[i] !== "2024-01-04") continue;
      for (const c of made.columns)
        expect(v[station[i]!]![c.name], `${station[i]} ${c.name}`).toBe(
          (columnValues(t, c.name) as ArrayLike<number>)[i],
        );
      compared++;
    }
    expect(compared).toBe(2);
  });

  it("a joined row older than ttl at materialisation time gives null, as in training", async () => {
    const { p } = await materialize();
    const features = p.byId("features.daily");
    const weather = aq.table({ date: [new Date("2024-01-01T00:00:00Z")], temp_min: new Float64Array([-5]) });
    const made = materializeOnline({
      table: await p.table("source.trips"),
      joins: readJoins(features.config, features.id).map((spec) => ({ spec, table: weather })),
      featuresConfig: features.config,
      key: ["station"],
      time: "day",
      inputs: ["temp_min"],
    })!;
    expect(made.rows).toHaveLength(2);
    for (const r of made.rows) expect(r.values[0] === null || Number.isNaN(r.values[0])).toBe(true);
  });

  it("without an entity key there is one row, from the newest data; a model without windows or joins needs none", async () => {
    const { p } = await materialize();
    const features = p.byId("features.daily");
    const trips = await p.table("source.trips");
    const joins = await Promise.all(
      readJoins(features.config, features.id).map(async (spec) => ({
        spec,
        table: await p.table(spec.node),
      })),
    );
    const base = { table: trips, joins, featuresConfig: features.config, time: "day" };
    const keyless = materializeOnline({ ...base, key: [], inputs: ["n_3d"] })!;
    expect(keyless.rows).toHaveLength(1);
    expect(keyless.rows[0]!.key).toEqual([]);
    // the newest row is a's day 3: its window over station a holds days 1-3
    expect(keyless.rows[0]!.values).toEqual([3]);
    expect(materializeOnline({ ...base, key: ["station"], inputs: ["weekday", "day"] })).toBeUndefined();
  });
});
