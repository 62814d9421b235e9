import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { tempProject } from "./fixtures.js";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "",
    err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("mlc schema infer", () => {
  it("prints a schema block to paste, nullable where the data has nulls", async () => {
    const dir = tempProject();
    writeFileSync(
      join(dir, "events.csv"),
      "id,amount,kind,at,ok\n1,2.5,a,2024-01-01,true\n2,,b,2024-01-02T10:00:00Z,false\n",
    );
    const r = await run(["schema", "infer", "events.csv", dir]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      "schema {\n  id     = int\n  amount = nullable(float)\n  kind   = string\n  at     = timestamp\n  ok     = bool\n}\n",
    );
  });

  it("names the known sources when the argument is neither a source nor a file", async () => {
    const dir = tempProject();
    writeFileSync(join(dir, "d.csv"), "a\n1\n");
    writeFileSync(join(dir, "p.mlspec"), 'source things {\n  file = "d.csv"\n}\n');
    const r = await run(["schema", "infer", "thing", dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("no source `thing`");
    expect(r.err).toContain("(sources: things)");
    const ok = await run(["schema", "infer", "things", dir]);
    expect(ok.out).toBe("schema {\n  a = int\n}\n");
  });
});
