// `mlc diff [BASE]`: a semantic diff of the specs between a git revision and the working tree, in a
// fresh repository: formatting and comments change nothing; blocks added and removed, attributes
// (nested ones as dotted paths) and assertions before and after are listed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const BASE = `project p {
  seed = 7
}

model m {
  task = classify(y)
  data = s
  features = f.*
  algorithm = gbdt
  params {
    trees = 200
    max_depth = 4
  }
}

gate ship {
  model = m
  test.auc >= 0.9
}

deploy old_api {
  model = m
}
`;

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-diff-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir });
  git("init", "-q");
  writeFileSync(join(dir, "main.mlspec"), BASE);
  git("add", ".");
  git("commit", "-q", "-m", "base");
  return dir;
}

describe("mlc diff", () => {
  it("ignores formatting and comments", async () => {
    const dir = repo();
    writeFileSync(
      join(dir, "main.mlspec"),
      BASE.replace("trees = 200", "trees     =   200   # the same").replace(
        "seed = 7",
        "# a comment\n  seed = 7",
      ),
    );
    const r = await runCli(["diff", dir]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("No changes to the specs.\n");
  });

  it("lists blocks added and removed, and attributes and assertions before and after", async () => {
    const dir = repo();
    writeFileSync(
      join(dir, "main.mlspec"),
      BASE.replace("trees = 200", "trees = 300")
        .replace("    max_depth = 4\n", "")
        .replace("test.auc >= 0.9", "test.auc >= 0.93")
        .replace(/deploy old_api \{[^}]*\}\n/, "deploy api {\n  model = m\n}\n"),
    );
    const r = await runCli(["diff", "HEAD", "--dir", dir]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "~ model m",
        "    ~ params.trees: 200 → 300",
        "    - params.max_depth: 4",
        "~ gate ship",
        "    + assert: test.auc >= 0.93",
        "    - assert: test.auc >= 0.9",
        "+ deploy api",
        "- deploy old_api",
        "",
      ].join("\n"),
    );
    const j = await runCli(["diff", dir, "--json"]);
    expect(JSON.parse(j.stdout)).toContainEqual({
      block: "model m",
      action: "change",
      changes: [
        { path: "params.trees", before: "200", after: "300" },
        { path: "params.max_depth", before: "4" },
      ],
    });
  });

  it("refuses a revision that does not exist, and a working tree that does not parse", async () => {
    const dir = repo();
    const bad = await runCli(["diff", "no-such-rev", "--dir", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/'no-such-rev' is not a revision/);
    writeFileSync(join(dir, "main.mlspec"), BASE.replace("trees = 200", "trees = "));
    const broken = await runCli(["diff", dir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/main\.mlspec:\d+:\d+/);
  });
});
