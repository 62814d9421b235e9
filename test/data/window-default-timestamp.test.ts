// A features block without a timestamp of its own aggregates its windows over its source's timestamp,
// as the reference documents: validate accepted this before, and apply failed with "needs a timestamp column".
import { describe, expect, it } from "vitest";
import { runFeatures } from "../runtime/executors/features-run.js";

const TRIPS = "day,station,rides\n2024-01-01,a,1\n2024-01-02,a,2\n2024-01-03,a,3\n2024-01-01,b,10\n";

const spec = (own: string) => `
source trips {
  file      = "trips.csv"
  timestamp = day
  schema { day = timestamp  station = category  rides = float }
}
features daily {
  from     = trips
  ${own}
  rides_2d = sum(rides, over = 2d, by = station)
}
`;

async function rides(own: string): Promise<unknown[]> {
  const run = await runFeatures({ "main.mlspec": spec(own), "trips.csv": TRIPS });
  const t = await run.table("features.daily");
  return t.array("rides_2d") as unknown[];
}

describe("window features inherit the source's timestamp", () => {
  it("computes the same windows as with the timestamp set on the block", async () => {
    const inherited = await rides("");
    expect(inherited).toEqual(await rides("timestamp = day"));
    // [t − 2d, t): the two previous days of station a, nothing before b's first row
    expect(inherited.slice(0, 3)).toEqual([0, 1, 3]);
  });

  it("leaves the lowering of a block with its own timestamp unchanged", async () => {
    const run = await runFeatures({ "main.mlspec": spec("timestamp = day"), "trips.csv": TRIPS });
    expect(run.node.config.window_timestamp).toBeUndefined();
  });
});
