// Lowering of point-in-time joins: the resolved join records in the features node's config, the
// joined table as an input restricted to what the join reads, and per-column provenance.
import { describe, expect, it } from "vitest";
import { lower } from "../../src/compiler/lower.js";
import { check } from "./check-helpers.js";
import { JOIN_SPEC as spec } from "./join-fixtures.js";

describe("lowering point-in-time joins", () => {
  it("the joined table is an input restricted to the joined columns, key and time", () => {
    const r = check(
      spec("join {\n table = station_stats\n columns = [capacity]\n ttl = 3d\n}", "cap2 = capacity * 2"),
    );
    expect(r.diagnostics).toEqual([]);
    const g = lower(r.value);
    const n = g.nodes.find((x) => x.id === "features.daily")!;
    expect(n.inputs).toEqual([
      { node: "source.station_stats", columns: ["at", "capacity", "station"] },
      { node: "source.trips", columns: "*" },
    ]);
    expect(n.config.join).toEqual([
      {
        $block: "join",
        attributes: {
          table: { $ref: ["station_stats"] },
          node: "source.station_stats",
          keys: ["station"],
          time: "at",
          label_time: "day",
          columns: ["capacity"],
          prefix: "",
          ttl: { $duration: 259200 },
        },
        blocks: {},
        assertions: [],
      },
    ]);
    expect(n.columns!.perColumnKeys).toContain("join");
    expect(n.columns!.defined.capacity!.inputs).toEqual([
      { node: "source.station_stats", columns: ["at", "capacity", "station"] },
      { node: "source.trips", columns: ["day", "station"] },
    ]);
    expect(n.columns!.defined.cap2!.inputs).toEqual(n.columns!.defined.capacity!.inputs);
  });

  it("a keyless join brings every column but the time, and no ttl", () => {
    const r = check(spec("join { table = weather }"));
    const n = lower(r.value).nodes.find((x) => x.id === "features.daily")!;
    const join = (n.config.join as { attributes: Record<string, unknown> }[])[0]!.attributes;
    expect(join.keys).toEqual([]);
    expect(join.columns).toEqual(["temp_min", "snow", "sky"]);
    expect(join.ttl).toBeNull();
  });

  it("a joined features block is read through its node, with the time its input declares", () => {
    const r = check(
      spec(
        "join { table = wx  columns = [warm] }",
        "",
        "features wx {\n from = weather\n warm = temp_min > 10\n}",
      ),
    );
    const n = lower(r.value).nodes.find((x) => x.id === "features.daily")!;
    const join = (n.config.join as { attributes: Record<string, unknown> }[])[0]!.attributes;
    expect(join).toMatchObject({
      node: "features.wx",
      keys: [],
      time: "date",
      label_time: "day",
      columns: ["warm"],
    });
    expect(n.inputs.find((i) => i.node === "features.wx")!.columns).toEqual(["date", "warm"]);
  });
});
