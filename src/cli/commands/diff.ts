// `mlc diff [BASE]`: the semantic difference between the project's specs at a git revision (default
// HEAD) and the working tree: blocks added or removed, attributes before and after. Formatting and
// comments are ignored (src/compiler/spec-diff.ts). `--json` prints the changes as a list.
import type { Command } from "commander";
import { execFileSync } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { hasErrors, type Diagnostic } from "../../compiler/diagnostic.js";
import { renderDiagnostics } from "../../compiler/diagnostic-render.js";
import { loadProject, projectSources } from "../../compiler/load-project.js";
import { parseFile } from "../../compiler/parse.js";
import { renderSpecDiff, specDiff } from "../../compiler/spec-diff.js";
import type { SpecFile } from "../../compiler/ast.js";
import { CliExit } from "../exit.js";
import { printJson } from "../json-output.js";
import { withProjectDir } from "../project-dir.js";

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    });
  } catch {
    return undefined;
  }
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

function fail(ds: readonly Diagnostic[], sources: ReadonlyMap<string, string>, what: string): never {
  throw new CliExit(
    1,
    `mlc diff: ${what} has errors:\n${renderDiagnostics(ds, sources, { color: false })}`.trimEnd(),
  );
}

/** The project's spec files as committed at `base` (the files directly in the folder, as loadProject reads them). */
function specsAt(base: string, dir: string): SpecFile[] {
  const top = git(["rev-parse", "--show-toplevel"], dir)?.trim();
  if (!top) throw new CliExit(1, `mlc diff: ${dir} is not inside a git repository`);
  const rel = relative(realpathSync(top), realpathSync(dir)).split("\\").join("/");
  if (git(["rev-parse", "--verify", "--quiet", `${base}^{commit}`], top) === undefined)
    throw new CliExit(1, `mlc diff: '${base}' is not a revision of ${top}`);
  const listed = git(["ls-tree", "-r", "--name-only", base, "--", rel || "."], top) ?? "";
  const files = listed
    .split("\n")
    .filter((f) => f.endsWith(".mlspec") && (dirname(f) === (rel || ".") || (!rel && !f.includes("/"))));
  const out: SpecFile[] = [];
  const sources = new Map<string, string>();
  const problems: Diagnostic[] = [];
  for (const f of files) {
    const text = git(["show", `${base}:${f}`], top) ?? "";
    const name = `${base}:${f}`;
    sources.set(name, text);
    const parsed = parseFile(name, text);
    problems.push(...parsed.diagnostics);
    out.push(parsed.value);
  }
  if (hasErrors(problems)) fail(problems, sources, `the spec at ${base}`);
  return out;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("diff")
      .description(
        "what changed in the specs since a git revision: blocks added or removed, attributes before and after (formatting and comments ignored)",
      )
      .argument("[base]", "the git revision to compare with", "HEAD"),
  )
    .option("--json", "print the changes as JSON: [{ block, action, changes: [{ path, before, after }] }]")
    .action((base: string, _dir: string, flags: { dir: string; json?: boolean }) => {
      let dir = flags.dir;
      // `mlc diff examples/churn`: one argument that is a folder and not a revision is the project.
      if (
        dir === "." &&
        base !== "HEAD" &&
        isDir(base) &&
        git(["rev-parse", "--verify", "--quiet", `${base}^{commit}`], base) === undefined
      ) {
        dir = base;
        base = "HEAD";
      }
      if (!isDir(dir)) throw new CliExit(1, `mlc diff: ${dir} is not a directory`);
      const before = specsAt(base, dir);
      const loaded = loadProject(join(dir));
      if (hasErrors(loaded.diagnostics))
        fail(loaded.diagnostics, projectSources(loaded.value), "the working tree's spec");
      const changes = specDiff(before, loaded.value.files);
      if (flags.json) return void printJson(changes);
      process.stdout.write(renderSpecDiff(changes));
    });
}
