// Colour of the CLI's output: FORCE_COLOR colours without a terminal, `--no-color` (any command) and
// NO_COLOR turn it off, as specs/cli.md says.
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "./run-cli.js";

const bad = join(__dirname, "../../specs/cases/positive-not-allowed.mlspec");
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

describe("colour", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("FORCE_COLOR colours diagnostics written to a pipe; --no-color wins over it", async () => {
    vi.stubEnv("FORCE_COLOR", "1");
    vi.stubEnv("NO_COLOR", "");
    const forced = await runCli(["validate", bad]);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(ANSI);
    const off = await runCli(["validate", bad, "--no-color"]);
    expect(off.code).toBe(1);
    expect(off.stderr).not.toMatch(ANSI);
    expect(off.stderr).toContain("MLC1147");
  });

  it("NO_COLOR, or no terminal, means no colour", async () => {
    vi.stubEnv("FORCE_COLOR", "");
    vi.stubEnv("NO_COLOR", "1");
    expect((await runCli(["validate", bad])).stderr).not.toMatch(ANSI);
  });
});
