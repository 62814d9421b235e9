import { describe, expect, it } from "vitest";
import { check, codes } from "./check-helpers.js";
import { JOIN_SPEC as spec } from "./join-fixtures.js";

describe("point-in-time joins in the checker", () => {
  it("makes joined columns bare, typed column names of the block and downstream", () => {
    const r = check(
      spec(
        'join {\n table = weather\n ttl = 2d\n}\njoin {\n table = station_stats\n columns = [capacity]\n prefix = "st_"\n}',
        "cold = if(temp_min < 20, 1, 0)\n  big = st_capacity > 10",
        `
split s { from = daily  method = temporal(day)  train = 70%  valid = 15%  test = 15% }
model m { task = regress(rides)  data = s  features = [daily.cold, daily.big] }`,
      ),
    );
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    const daily = r.value.byName.get("daily")!;
    const deps = Object.fromEntries(daily.dependencies.map((d) => [d.target, d.members]));
    expect(deps).toEqual({ trips: [], weather: ["temp_min"], station_stats: ["capacity"] });
  });

  it("reports a misspelled joined table once: the block's use of its columns does not cascade", () => {
    const r = check(spec("join { table = wether }", "cold = if(temp_min < 20, 1, 0)"));
    expect(codes(r.diagnostics)).toEqual(["MLC1105"]);
    expect(r.diagnostics[0]!.hint).toContain("weather");
  });

  it("types joined columns: a category column is not a number", () => {
    const r = check(spec("join { table = weather }", "x = sky + 1"));
    expect(codes(r.diagnostics)).toEqual(["MLC1104"]);
  });

  it("reports a joined table without a timestamp, at the table", () => {
    const r = check(spec("join { table = weather }").replace("timestamp = date", ""));
    expect(codes(r.diagnostics)).toEqual(["MLC1141"]);
    expect(r.diagnostics[0]!.message).toContain("source `weather` has no timestamp");
    expect(r.diagnostics[0]!.hint).toContain("timestamp = COLUMN");
  });

  it("reports a features block that has no time to join its rows at", () => {
    const r = check(spec("join { table = weather }").replace("timestamp = day", ""));
    expect(codes(r.diagnostics)).toEqual(["MLC1141"]);
    expect(r.diagnostics[0]!.message).toContain(
      "features `daily` joins `weather` point in time but has no timestamp",
    );
    // the block's own timestamp is enough
    expect(
      check(spec("timestamp = day\n join { table = weather }").replace("timestamp = day\n  schema", "schema"))
        .diagnostics,
    ).toEqual([]);
  });

  it("reports a joined table's key that the input does not have", () => {
    const r = check(
      spec("join { table = station_stats }")
        .replace("key       = station\n  timestamp = day", "timestamp = day")
        .replace("station = string  rides", "stop = string  rides"),
    );
    expect(codes(r.diagnostics)).toEqual(["MLC1115"]);
    expect(r.diagnostics[0]!.message).toBe(
      "source `station_stats` is keyed by `station`, which `trips` does not have",
    );
  });

  it("reports a joined column that clashes with an input column, suggesting a prefix", () => {
    const r = check(spec("join { table = station_stats  columns = [capacity, station] }"));
    expect(codes(r.diagnostics)).toEqual(["MLC1142"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe(
      "joined column `station` of `station_stats` clashes with column `station` of `trips`",
    );
    expect(d.hint).toContain('prefix = "station_stats_"');
    // at the `columns` entry
    const line = spec("join { table = station_stats  columns = [capacity, station] }").split("\n")[
      d.span.start.line - 1
    ]!;
    expect(line.slice(d.span.start.column - 1)).toMatch(/^station\]/);
    expect(
      check(spec('join { table = station_stats  columns = [capacity, station]  prefix = "s_" }')).diagnostics,
    ).toEqual([]);
  });

  it("reports two joins that bring the same column name", () => {
    const r = check(spec("join { table = weather }\n join { table = weather  columns = [snow] }"));
    expect(codes(r.diagnostics)).toEqual(["MLC1142"]);
    expect(r.diagnostics[0]!.message).toContain("clashes with column `snow` joined from `weather`");
  });

  it("reports a `columns` entry the joined table does not have, with a suggestion", () => {
    const r = check(spec("join { table = weather  columns = [tmp_min] }"));
    expect(codes(r.diagnostics)).toEqual(["MLC1115"]);
    expect(r.diagnostics[0]!.message).toBe("unknown column `tmp_min` in `weather`");
    expect(r.diagnostics[0]!.hint).toBe("did you mean `temp_min`?");
  });

  it("only the listed columns are joined", () => {
    const r = check(spec("join { table = weather  columns = [snow] }", "x = temp_min"));
    expect(codes(r.diagnostics)).toEqual(["MLC1115"]);
  });

  it("a qualified reference to the joined table names the joined column to write", () => {
    const r = check(spec('join { table = weather  prefix = "w_" }', "x = weather.temp_min"));
    expect(codes(r.diagnostics)).toEqual(["MLC1131"]);
    expect(r.diagnostics[0]!.hint).toContain("write `w_temp_min`");
  });

  it("rejects a prefix that does not make column names, and a table of the wrong kind", () => {
    expect(codes(check(spec('join { table = weather  prefix = "w-" }')).diagnostics)).toEqual(["MLC1130"]);
    expect(
      codes(
        check(
          spec(
            "join { table = s }",
            "",
            "split s { from = daily  method = temporal(day)  train = 70%  valid = 15%  test = 15% }",
          ),
        ).diagnostics,
      ),
    ).toContain("MLC1106");
  });

  it("joins a features block: its timestamp and key come from its input when it sets none", () => {
    const r = check(
      spec(
        "join { table = wx  columns = [warm] }",
        "w = warm",
        "features wx {\n from = weather\n warm = temp_min > 10\n}",
      ),
    );
    expect(r.diagnostics).toEqual([]);
    const wx = r.value.byName.get("daily")!.dependencies.find((d) => d.target === "wx");
    expect(wx?.members).toEqual(["warm"]);
  });

  it("follows joined columns in lineage: a label joined in is still leakage", () => {
    const r = check(
      spec(
        'join { table = station_stats  columns = [capacity]  prefix = "s_" }',
        "cap2 = s_capacity * 2",
        `
split s { from = daily  method = temporal(day)  train = 70%  valid = 15%  test = 15% }
model m { task = regress(s_capacity)  data = s  features = [daily.cap2] }`,
      ),
    );
    expect(codes(r.diagnostics)).toContain("MLC1116");
  });
});
