// `mlc monitor` outside the happy path: a monitor apply never registered is MLC2370 naming the fix
// (exit 1), and --watch with --history is a usage error (exit 2). The loop itself is tested in
// test/integration/monitor-churn.test.ts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { register } from "../../src/cli/commands/monitor.js";
import { MlcError } from "../../src/ir/errors.js";
import { runMonitor } from "../../src/runtime/monitor/run-monitor.js";
import { runCommand } from "../serve/cli-harness.js";

describe("mlc monitor", () => {
  it("refuses a monitor that apply has not registered, with the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlc-monitor-cli-"));
    const e = await runMonitor(dir, "watch").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MlcError);
    expect(e).toMatchObject({ code: "MLC2370", message: "monitor watch is not registered" });
    expect((e as MlcError).hint).toMatch(/mlc apply/);
    const r = await runCommand(register, ["monitor", "watch", "--dir", dir]);
    expect(r.code).toBe(1);
  });

  it("takes --watch or --history, not both (exit 2)", async () => {
    const r = await runCommand(register, ["monitor", "watch", "--watch", "--history", "--dir", tmpdir()]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exclude each other/);
  });
});
