// bench parse, CI-sized: it runs and prints its lex/parse/check figures, the CPU share and the
// ratio to the target. No timing is checked.
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseBench } from "../../bench/parse/index.js";

afterEach(() => vi.restoreAllMocks());

describe("bench parse (smoke: it runs and prints its ratio; no timing is checked)", () => {
  it("prints lex, parse, check and total against the target, with the load", async () => {
    let printed = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      printed += String(s);
      return true;
    });
    await parseBench(14, 1);
    expect(printed).toMatch(/^project: 14 blocks in 1 files, \d+ lines/m);
    expect(printed).toMatch(/load average [\d.]+/);
    expect(printed).toMatch(/got \d+% of a CPU/);
    for (const phase of ["lex only \\(floor\\)", "parse", "check", "total", "CPU per run"])
      expect(printed).toMatch(new RegExp(`^ {2}${phase} +\\d+ ms`, "m"));
    expect(printed).toMatch(/total\/target = [\d.]+ \((within|OVER) target\)/);
  });
});
