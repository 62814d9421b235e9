// Exit codes as specs/cli.md documents them: usage errors caught by the argument parser exit 2, like
// those the commands catch themselves; help and version exit 0.
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("exit codes", () => {
  it("an unknown option, a missing argument or an unknown command is a usage error (2)", async () => {
    expect((await runCli(["validate", "--no-such-flag"])).code).toBe(2);
    expect((await runCli(["rollback"])).code).toBe(2);
    expect((await runCli(["no-such-command"])).code).toBe(2);
  });

  it("a bad flag value a command checks itself is a usage error too", async () => {
    expect((await runCli(["explain", "m", "--row", "0"])).code).toBe(2);
  });

  it("--version exits 0", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
  });
});
