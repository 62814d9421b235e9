// Running a README's commands as pasted: its sh blocks split into commands and run in one bash with
// `set -e`, each command's output kept apart. Used by the README tour test and the examples' READMEs test.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** The sh blocks of the README section titled `heading`, as text. */
export function shBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const next = readme.indexOf("\n## ", start + 4);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Splits a block into commands: a line continues the previous one while a single quote is open
 * or the previous line ends with a backslash.
 */
export function commandsOf(block: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of block.split("\n")) {
    cur = cur ? `${cur}\n${line}` : line;
    const quotes = (cur.match(/'/g) ?? []).length;
    if (quotes % 2 === 1 || cur.endsWith("\\")) continue;
    if (cur.trim() && !cur.trim().startsWith("#")) out.push(cur);
    cur = "";
  }
  if (cur.trim()) out.push(cur);
  return out;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

export interface Step {
  command: string;
  output: string;
}

/**
 * Runs the commands in one bash (so `&` jobs and `kill %1` behave as when pasted), with `set -e`;
 * a marker line before each command attributes the output. Returns the steps run and the exit code.
 */
export function runScript(
  cwd: string,
  commands: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; steps: Step[] }> {
  const marker = "@@mlc-readme-step";
  const script = ["set -e"];
  commands.forEach((c, i) => script.push(`echo "${marker} ${i}"; echo "${marker} ${i}" >&2`, c));
  return new Promise((res) => {
    const child = spawn("bash", ["-c", script.join("\n")], { cwd, env, detached: true });
    let all = "";
    child.stdout.on("data", (d: Buffer) => (all += d.toString()));
    child.stderr.on("data", (d: Buffer) => (all += d.toString()));
    // a server left by a failed step must not outlive the test (nor hold its output open)
    child.on("exit", (code) => {
      if (code === 0) return; // the tour stopped its servers itself
      for (const f of readdirSync(cwd).filter((n) => n.endsWith(".pid"))) {
        try {
          process.kill(Number(readFileSync(join(cwd, f), "utf8")), "SIGTERM");
        } catch {
          // stopped already
        }
      }
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // the group is gone already
      }
    });
    child.on("close", (code) => {
      const steps: Step[] = [];
      for (const part of all.split(new RegExp(`${marker} `)).slice(1)) {
        const n = Number(part.slice(0, part.indexOf("\n")));
        const text = part.slice(part.indexOf("\n") + 1);
        if (steps[n]) steps[n].output += text;
        else steps[n] = { command: commands[n]!, output: text };
      }
      res({ code: code ?? 1, steps });
    });
  });
}
