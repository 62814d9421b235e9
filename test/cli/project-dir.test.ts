// One convention for the project directory: the last positional argument of every command that
// reads a project, and -C/--dir everywhere; both given and different is a usage error (exit 2).
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import type { Command } from "commander";
import { runCli } from "./run-cli.js";

const churn = join(import.meta.dirname, "../../examples/churn");

function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-projdir-"));
  cpSync(churn, dir, { recursive: true, filter: (s) => !s.includes(".mlc") });
  return dir;
}

describe("the project directory", () => {
  it("is taken as a positional argument or with -C / --dir, alike", async () => {
    const dir = copy();
    for (const args of [
      ["validate", dir],
      ["validate", "-C", dir],
      ["validate", "--dir", dir],
      ["state", "list", dir],
      ["state", "list", "-C", dir],
      ["models", "list", dir],
      ["models", "list", "--dir", dir],
      ["trials", "churn", dir, "--json"],
      ["trials", "churn", "-C", dir, "--json"],
    ]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).not.toBe(2);
    }
    const a = await runCli(["graph", dir, "--format", "json"]);
    const b = await runCli(["graph", "-C", dir, "--format", "json"]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it("given twice, differently, is a usage error", async () => {
    const r = await runCli(["validate", copy(), "-C", copy()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/two project directories given/);
  });

  it("is accepted by every command that reads a project", async () => {
    // build the program with every command and look at each leaf command's options
    const leaves: string[] = [];
    const visit = (c: Command, path: string[]) => {
      if (c.commands.length === 0) {
        const name = path.join(" ");
        const reads = !["lsp", "completion"].includes(name);
        if (reads) {
          const hasDir = c.options.some((o) => o.short === "-C" && o.long === "--dir");
          const hasArg = c.registeredArguments.some((a) => a.name() === "dir" || a.name() === "dir-or-plan");
          if (!hasDir || !hasArg) leaves.push(name);
        }
      }
      for (const s of c.commands) visit(s, [...path, s.name()]);
    };
    visit(await buildProgram(), []);
    expect(leaves).toEqual([]);
  });
});
