// Every command's --help ends with examples, and `mlc completion bash|zsh` prints a script that
// completes commands, subcommands and options.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandPath, HELP_EXAMPLES } from "../../src/cli/help-examples.js";
import { buildProgram } from "../../src/cli/program.js";
import { runCli } from "./run-cli.js";

function allCommands(program: Command): Command[] {
  const out: Command[] = [];
  const visit = (c: Command) => c.commands.forEach((s) => (out.push(s), visit(s)));
  visit(program);
  return out;
}

describe("--help", () => {
  it("has examples for every command, and the table names no command that does not exist", async () => {
    const paths = allCommands(await buildProgram()).map(commandPath);
    expect(paths.filter((p) => !HELP_EXAMPLES[p]?.length)).toEqual([]);
    expect(Object.keys(HELP_EXAMPLES).filter((k) => !paths.includes(k))).toEqual([]);
  });

  it("prints them after the options", async () => {
    for (const args of [["plan"], ["models", "promote"], ["schema", "infer"]]) {
      const r = await runCli([...args, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Options:[\s\S]*Examples:\n {2}\$ mlc /);
    }
  });
});

const hasBash = spawnSync("bash", ["--version"]).status === 0;

describe("mlc completion", () => {
  it("refuses an unknown shell as a usage error", async () => {
    const r = await runCli(["completion", "fish"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown shell 'fish' (bash or zsh)");
  });

  it("zsh loads the bash script through bashcompinit", async () => {
    const r = await runCli(["completion", "zsh"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("autoload -U +X bashcompinit && bashcompinit");
    expect(r.stdout).toContain("complete -o filenames -F _mlc mlc");
  });

  it.skipIf(!hasBash)("completes commands, subcommands and options in bash", async () => {
    const r = await runCli(["completion", "bash"]);
    expect(r.code).toBe(0);
    const script = join(mkdtempSync(join(tmpdir(), "mlc-completion-")), "mlc.bash");
    writeFileSync(script, r.stdout);
    const complete = (...words: string[]): string => {
      const cmd = `source "${script}"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _mlc; echo "\${COMPREPLY[*]}"`;
      const out = spawnSync("bash", ["-c", cmd], { encoding: "utf8" });
      expect(out.stderr).toBe("");
      return out.stdout.trim();
    };
    expect(complete("mlc", "pl")).toBe("plan");
    expect(complete("mlc", "models", "pro")).toBe("promote");
    expect(complete("mlc", "models", "promote", "--js")).toBe("--json");
    expect(complete("mlc", "trials", "churn", "--a")).toBe("--all");
    expect(complete("mlc", "state", "")).toBe("list show rebuild unlock");
  });
});
