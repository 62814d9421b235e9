// bench plan's hashing section, CI-sized: it runs and prints mlc's rate beside its peers and their
// ratios, with the machine's load. No timing is checked.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hashingRate } from "../../bench/plan/index.js";

afterEach(() => vi.restoreAllMocks());

describe("bench plan, hashing (smoke: it runs and prints its ratios; no timing is checked)", () => {
  it("prints mlc's MB/s beside the bare reads and sha256sum, with the load", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-hash-bench-"));
    const files = [0, 1].map((i) => {
      const f = join(dir, `part${i}.csv`);
      writeFileSync(f, "id,a\n" + Array.from({ length: 5000 }, (_, k) => `${k},${k * i}`).join("\n") + "\n");
      return f;
    });
    let printed = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      printed += String(s);
      return true;
    });
    await hashingRate(files, 1);
    expect(printed).toMatch(/load average [\d.]+/);
    expect(printed).toMatch(
      /^ {2}mlc \(xxh64 \+ SIMD row count\) +\d+ MB\/s +\(target 3000 MB\/s: (met|missed)/m,
    );
    expect(printed).toMatch(/^ {2}ratio mlc \/ reads alone +[\d.]+×$/m);
    expect(printed).toMatch(
      /^ {2}(ratio mlc \/ sha256sum +[\d.]+×|sha256sum is not installed: no peer figure)$/m,
    );
  });
});
