// The pull-request recipe, examples/ci/mlc-plan.yml, linted and run: the workflow parses and has the
// shape GitHub Actions needs (a pull_request trigger, the permission to comment, steps that each use
// an action or run a command, secrets only from `secrets`), and its `run:` steps, executed verbatim
// by bash in a fixture repository's head revision (with `npx mlc` this build, the state and store
// shared through MLC_STATE_URL / MLC_ARTIFACTS_URL as the secrets would give them, and GitHub's API
// faked on loopback), post one comment with the plan of the head against what the base applied.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPEC, writeProject } from "./model-project.js";
import { buildForSubprocess, repoRoot } from "../runtime/subprocess-build.js";

/** A command's exit status and output, without blocking the event loop. */
function run(
  cmd: string,
  args: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, o);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += String(d)));
  child.stderr.on("data", (d) => (stderr += String(d)));
  return new Promise((res) => child.on("close", (status) => res({ status, stdout, stderr })));
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  name: string;
  on: { pull_request?: unknown };
  permissions: Record<string, string>;
  jobs: Record<string, { "runs-on": string; env?: Record<string, string>; steps: Step[] }>;
}

const text = readFileSync(join(repoRoot, "examples/ci/mlc-plan.yml"), "utf8");
const wf = yaml.load(text) as Workflow;
const dirs: string[] = [];
const posted: { method: string; url: string; body: string }[] = [];
const api = createServer(async (req, res) => {
  let body = "";
  for await (const c of req) body += String(c);
  posted.push({ method: req.method!, url: req.url!, body });
  if (req.method === "GET") return res.writeHead(200, { "content-type": "application/json" }).end("[]");
  res
    .writeHead(201, { "content-type": "application/json" })
    .end(JSON.stringify({ id: 1, ...JSON.parse(body) }));
});

beforeAll(() => new Promise<void>((r) => api.listen(0, "127.0.0.1", r)));
afterAll(async () => {
  await new Promise<void>((r) => api.close(() => r()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("examples/ci/mlc-plan.yml", () => {
  it("is a workflow GitHub Actions accepts: trigger, permissions, steps, secrets", () => {
    expect(wf.on).toHaveProperty("pull_request");
    expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const [job] = Object.values(wf.jobs);
    expect(job!["runs-on"]).toBe("ubuntu-latest");
    for (const s of job!.steps) expect(Number(!!s.uses) + Number(!!s.run), JSON.stringify(s)).toBe(1);
    // Secrets come from `secrets`, never written into the file.
    for (const [k, v] of Object.entries({
      ...job!.env,
      ...job!.steps.find((s) => s.name === "Comment")!.env,
    }))
      if (/TOKEN|KEY|URL/.test(k)) expect(v, k).toMatch(/^\$\{\{ (secrets\.\w+|github\.[\w.]+) \}\}$/);
    const runs = job!.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/mlc fmt --check/);
    expect(runs).toMatch(/mlc validate/);
    expect(runs).toMatch(/mlc plan \. --markdown --detailed-exitcode/);
    expect(runs).toMatch(/node examples\/ci\/plan-comment\.mjs plan\.md/);
    // Every `${{ steps.X… }}` names a step with that id.
    const ids = new Set(job!.steps.map((s) => s.id).filter(Boolean));
    for (const m of text.matchAll(/steps\.(\w+)\./g)) expect(ids.has(m[1]), m[0]).toBe(true);
  });

  it("its commands, run in a head revision against the base's shared state, post the plan with the gate prediction", async () => {
    const main = join(buildForSubprocess(), "src", "cli", "main.js");
    const shared = mkdtempSync(join(tmpdir(), "mlc-ci-shared-"));
    dirs.push(shared);
    const env = {
      ...process.env,
      NO_COLOR: "1",
      MLC_STATE_URL: join(shared, "state.db"),
      MLC_ARTIFACTS_URL: join(shared, "store"),
    };
    // `npx mlc …` runs this build.
    const bin = join(shared, "bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "npx"),
      `#!/bin/sh\n[ "$1" = mlc ] || exit 127\nshift\nexec "${process.execPath}" "${main}" "$@"\n`,
    );
    chmodSync(join(bin, "npx"), 0o755);
    const mlc = (dir: string, ...args: string[]) =>
      execFileSync(process.execPath, [main, ...args], { cwd: dir, env, encoding: "utf8" });

    // The repository: the base revision, formatted and applied to the shared state and store.
    const repo = writeProject();
    dirs.push(repo);
    writeFileSync(join(repo, "synth.mlspec"), SPEC);
    mlc(repo, "fmt", ".");
    mkdirSync(join(repo, "examples/ci"), { recursive: true });
    cpSync(join(repoRoot, "examples/ci/plan-comment.mjs"), join(repo, "examples/ci/plan-comment.mjs"));
    writeFileSync(join(repo, ".gitignore"), ".mlc/\n");
    const git = (dir: string, ...args: string[]) =>
      execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd: dir });
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "base");
    mlc(repo, "apply", ".");
    // The head revision: a stricter gate, on a branch.
    git(repo, "checkout", "-q", "-b", "stricter");
    const spec = readFileSync(join(repo, "synth.mlspec"), "utf8");
    expect(spec).toContain("test.auc >= 0.6");
    writeFileSync(join(repo, "synth.mlspec"), spec.replace("test.auc >= 0.6", "test.auc >= 0.999"));
    git(repo, "commit", "-q", "-am", "head");
    // The runner's checkout of the head: a fresh clone, nothing of .mlc/.
    const head = mkdtempSync(join(tmpdir(), "mlc-ci-head-"));
    dirs.push(head);
    git(head, "clone", "-q", "-b", "stricter", repo, ".");
    cpSync(join(repo, "data"), join(head, "data"), { recursive: true }); // data files are not in git here

    const output = join(shared, "github-output");
    writeFileSync(output, "");
    const port = (api.address() as AddressInfo).port;
    const [job] = Object.values(wf.jobs);
    const outputs: Record<string, Record<string, string>> = {};
    for (const s of job!.steps.filter(
      (x) => x.run && !x.run.startsWith("npm ci") && x.name !== "Fail on plan errors",
    )) {
      // Asynchronously: the fake GitHub API answers from this process.
      const r = await run("bash", ["-e", "-c", s.run!], {
        cwd: head,
        env: {
          ...env,
          PATH: `${bin}:${process.env.PATH}`,
          GITHUB_OUTPUT: output,
          GITHUB_API_URL: `http://127.0.0.1:${port}`,
          GITHUB_REPOSITORY: "o/r",
          GITHUB_TOKEN: "t0k",
          PR_NUMBER: "7",
        },
      });
      expect(r.status, `${s.name}: ${r.stdout}${r.stderr}`).toBe(0);
      if (s.id)
        outputs[s.id] = Object.fromEntries(
          readFileSync(output, "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split("=") as [string, string]),
        );
    }
    // 2: the plan has changes; the step that fails the job on errors would not run.
    expect(outputs.plan).toEqual({ code: "2" });
    const plan = readFileSync(join(head, "plan.md"), "utf8");
    expect(plan).toMatch(/^<!-- mlc-plan -->\n### mlc plan: `synth`/);
    expect(plan).toMatch(/`gate\.ok`: would FAIL \(test\.auc = [\d.]+ < 0\.999\)/);
    expect(plan).not.toMatch(/model\.m.*(create|replace)/); // nothing retrains: only the gate is re-evaluated
    const comment = posted.find((p) => p.method === "POST");
    expect(comment?.url).toBe("/repos/o/r/issues/7/comments");
    expect(JSON.parse(comment!.body).body).toBe(plan);
  }, 300_000);
});
