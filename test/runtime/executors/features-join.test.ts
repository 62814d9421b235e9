// The features executor's point-in-time joins, from spec text through lowering to the tables.
import { describe, expect, it } from "vitest";
import { compileProject } from "../../../src/compiler/compile.js";
import { lower } from "../../../src/compiler/lower.js";
import { loadExecutors } from "../../../src/runtime/executor-loader.js";
import { executorFor } from "../../../src/runtime/executor-registry.js";
import { NodeFailure, type NodeResult } from "../../../src/ir/executor.js";
import { columnValues } from "../../../src/data/table-columns.js";
import { MemoryArtifacts, context } from "../../data/fixtures.js";
import { makeProject } from "../fixtures.js";
import { runFeatures } from "./features-run.js";

await loadExecutors();

// Label rows: two stations on days 5 and 10 (and one station without any joined row).
const TRIPS =
  "day,station,rides\n2024-01-05,a,1\n2024-01-10,a,2\n2024-01-05,b,3\n2024-01-10,b,4\n2024-01-10,c,5\n";
// Keyed rows: for `a`, one before day 5, one on day 6 (after the first label: must never reach it).
const STATS =
  "at,station,capacity\n2024-01-04,a,40\n2024-01-06,a,60\n2024-01-11,a,110\n2024-01-01,b,10\n2024-01-10,b,100\n";
// Keyless, one row a few days apart.
const WEATHER = "date,temp_min\n2024-01-02,-5\n2024-01-09,12\n";

const SPEC = (join: string, features = "") => `
source trips {
  file      = "trips.csv"
  key       = station
  timestamp = day
  schema { day = timestamp  station = category  rides = float }
}
source stats {
  file      = "stats.csv"
  key       = station
  timestamp = at
  schema { at = timestamp  station = category  capacity = float }
}
source weather {
  file      = "weather.csv"
  timestamp = date
  schema { date = timestamp  temp_min = float }
}
features daily {
  from = trips
  ${join}
  ${features}
}
`;

async function run(spec: string, files: Record<string, string> = {}) {
  const r = await runFeatures({
    "main.mlspec": spec,
    "trips.csv": TRIPS,
    "stats.csv": STATS,
    "weather.csv": WEATHER,
    ...files,
  });
  const table = await r.table(r.node.id);
  const col = (name: string) =>
    Array.from(columnValues(table, name) as ArrayLike<unknown>, (v) =>
      typeof v === "number" && Number.isNaN(v) ? null : v,
    );
  return { table, col, logs: r.logs, node: r.node };
}

describe("features executor: point-in-time joins", () => {
  it("gives each row the entity's latest joined row at or before its time, never a later one", async () => {
    const { col, table } = await run(SPEC("join { table = stats }", "cap_k = capacity + 1"));
    expect(table.columnNames()).toEqual(["day", "station", "rides", "capacity", "cap_k"]);
    // a@5 sees day 4 (40), not day 6; a@10 sees day 6 (60), not day 11; b@10 sees the same day's 100; c has none.
    expect(col("capacity")).toEqual([40, 60, 10, 100, null]);
    expect(col("cap_k")).toEqual([41, 61, 11, 101, null]);
  });

  it("honours the ttl: rows older than it relative to the row's time are ignored", async () => {
    const { col } = await run(SPEC('join {\n table = stats\n ttl = 2d\n prefix = "s_"\n}'));
    // b@5 would see day 1 (4 days old) and a@10 day 6 (4 days old): both too old.
    expect(col("s_capacity")).toEqual([40, null, null, 100, null]);
  });

  it("joins a table without a key on time only, for every entity alike", async () => {
    const { col, logs } = await run(SPEC("join { table = weather }", "cold = if(temp_min < 0, 1, 0)"));
    expect(col("temp_min")).toEqual([-5, 12, -5, 12, 12]);
    expect(col("cold")).toEqual([1, 0, 1, 0, 0]);
    expect(logs.some((l) => l.includes("on time only"))).toBe(true);
  });

  it("joins a table that declares no schema: every column but its time, known when it runs", async () => {
    const spec = SPEC("join { table = weather }", "cold = if(temp_min < 0, 1, 0)").replace(
      "  schema { date = timestamp  temp_min = float }\n",
      "",
    );
    const { col, node } = await run(spec);
    expect(node.inputs.find((i) => i.node === "source.weather")!.columns).toBe("*");
    expect((node.config.join as { attributes: { columns: unknown } }[])[0]!.attributes.columns).toBeNull();
    expect(col("temp_min")).toEqual([-5, 12, -5, 12, 12]);
    expect(col("cold")).toEqual([1, 0, 1, 0, 0]);
  });

  it("reads the `from` input as the rows even when a joined table's node sorts first", async () => {
    const spec = SPEC("join { table = aaa  columns = [capacity] }").replace("source stats", "source aaa");
    const { node, table } = await runFeatures({
      "main.mlspec": spec,
      "trips.csv": TRIPS,
      "stats.csv": STATS,
      "weather.csv": WEATHER,
    });
    expect(node.inputs.map((i) => i.node)).toEqual(["source.aaa", "source.trips"]);
    expect((await table(node.id)).numRows()).toBe(5);
  });

  it("refuses times of two kinds: the checker first, and the executor if it gets there", async () => {
    const floatTime = SPEC("join { table = weather }").replace(
      "date = timestamp  temp_min",
      "date = float  temp_min",
    );
    const checked = compileProject(
      makeProject({
        "main.mlspec": floatTime,
        "trips.csv": TRIPS,
        "stats.csv": STATS,
        "weather.csv": WEATHER,
      }),
    );
    expect(checked.diagnostics.map((d) => d.code)).toEqual(["MLC1104"]);
    expect(checked.diagnostics[0]!.message).toContain("a join compares the two");
    // The executor sees a weather table whose `date` holds numbers (a source of another spec).
    const { node } = await run(SPEC("join { table = weather }"));
    const dir = makeProject({
      "main.mlspec": SPEC("").replace("date = timestamp  temp_min", "date = float  temp_min"),
      "trips.csv": TRIPS,
      "stats.csv": STATS,
      "weather.csv": "date,temp_min\n1,2\n",
    });
    const g = lower(compileProject(dir).checked!);
    const artifacts = new MemoryArtifacts();
    const inputs: Record<string, NodeResult> = {};
    for (const id of ["source.trips", "source.weather"])
      inputs[id] = await executorFor("source")!.run(
        context(
          dir,
          g.nodes.find((n) => n.id === id)!,
          artifacts,
        ),
      );
    await expect(executorFor("features")!.run(context(dir, node, artifacts, inputs))).rejects.toThrow(
      /cannot join source\.weather at `day`: its time `date` is float but `day` is timestamp/,
    );
  });

  it("a ttl change changes only the joined columns and the features that read them", async () => {
    const { computeFingerprints } = await import("../../../src/runtime/fingerprint.js");
    const fp = async (ttl: string) => {
      const dir = makeProject({
        "main.mlspec": SPEC(
          `join {\n table = stats\n ttl = ${ttl}\n}`,
          "cap_k = capacity / 1000\n  r2 = rides * 2",
        ),
        "trips.csv": TRIPS,
        "stats.csv": STATS,
        "weather.csv": WEATHER,
      });
      const g = lower(compileProject(dir).checked!);
      return computeFingerprints(g, () => ({ version: "1" }), {})["features.daily"]!;
    };
    const a = await fp("2d");
    const b = await fp("3d");
    expect(a.whole).not.toBe(b.whole);
    expect(a.columns!.r2).toBe(b.columns!.r2);
    expect(a.columns!.rides).toBe(b.columns!.rides);
    expect(a.columns!.capacity).not.toBe(b.columns!.capacity);
    expect(a.columns!.cap_k).not.toBe(b.columns!.cap_k);
  });

  it("refuses a node config without the resolved join settings", async () => {
    const { node } = await run(SPEC("join { table = weather }"));
    const broken = {
      ...node,
      config: {
        ...node.config,
        join: [{ $block: "join", attributes: { table: { $ref: ["weather"] } }, blocks: {}, assertions: [] }],
      },
    };
    await expect(
      executorFor("features")!.run(context("/nonexistent", broken, new MemoryArtifacts())),
    ).rejects.toThrow(NodeFailure);
  });
});
