// bench/tune's lane idle figure: wall minus a thread's CPU from /proc, whose 10 ms ticks can put a
// busy lane's CPU above its wall time; the figure is then 0.00, never negative (the smoke test's
// line once read "-0.00").
import { describe, expect, it } from "vitest";
import { laneIdle } from "../../bench/tune/index.js";

describe("bench tune lane idle", () => {
  it("is wall minus CPU in seconds", () => {
    expect(laneIdle(2750, 2180)).toBe("0.57");
  });
  it("is 0.00 when the thread's CPU, counted in ticks, comes out above the wall time", () => {
    expect(laneIdle(31, 40)).toBe("0.00");
    expect(laneIdle(1000, 1004)).toBe("0.00");
  });
});
