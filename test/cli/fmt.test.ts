import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "./run-cli.js";

const root = mkdtempSync(join(tmpdir(), "mlc-fmt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const output = captureOutput();

const UGLY = "model churn { trees = 400  learning_rate = 0.1 }\n";
const PRETTY = "model churn {\n  trees         = 400\n  learning_rate = 0.1\n}\n";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "p-"));
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  return dir;
}

describe("mlc fmt", () => {
  it("rewrites files in canonical layout, lists them, and leaves no temporary file", async () => {
    const dir = project({ "a.mlspec": UGLY, "b.mlspec": PRETTY });
    expect(await main(["fmt", dir])).toBe(0);
    expect(readFileSync(join(dir, "a.mlspec"), "utf8")).toBe(PRETTY);
    expect(output.stdout).toBe(`${join(dir, "a.mlspec")}\n`);
    expect(readdirSync(dir).sort()).toEqual(["a.mlspec", "b.mlspec"]);
  });

  it("--check lists files that would change, exits 1 and writes nothing", async () => {
    const dir = project({ "a.mlspec": UGLY, "b.mlspec": PRETTY });
    expect(await main(["fmt", "--check", dir])).toBe(1);
    expect(output.stdout).toBe(`${join(dir, "a.mlspec")}\n`);
    expect(output.stderr).toContain("1 file would be reformatted");
    expect(readFileSync(join(dir, "a.mlspec"), "utf8")).toBe(UGLY);
  });

  it("--check exits 0 on formatted files", async () => {
    expect(await main(["fmt", "--check", project({ "b.mlspec": PRETTY })])).toBe(0);
    expect(output.stdout).toBe("");
  });

  it("--diff prints a unified diff and writes nothing", async () => {
    const dir = project({ "a.mlspec": UGLY });
    expect(await main(["fmt", "--diff", dir])).toBe(0);
    expect(output.stdout).toContain(`--- a/${join(dir, "a.mlspec")}`);
    expect(output.stdout).toContain(
      "-model churn { trees = 400  learning_rate = 0.1 }\n+model churn {\n+  trees         = 400\n",
    );
    expect(readFileSync(join(dir, "a.mlspec"), "utf8")).toBe(UGLY);
  });

  it("does not touch a file with syntax errors, prints its diagnostics and exits 1", async () => {
    const bad = "model churn {\n  trees 400\n}\n";
    const dir = project({ "bad.mlspec": bad, "a.mlspec": UGLY });
    expect(await main(["fmt", dir])).toBe(1);
    expect(readFileSync(join(dir, "bad.mlspec"), "utf8")).toBe(bad);
    expect(readFileSync(join(dir, "a.mlspec"), "utf8")).toBe(PRETTY);
    expect(output.stderr).toContain(
      `${join(dir, "bad.mlspec")}:2:9: error MLC1006: expected \`=\` or \`{\` after \`trees\``,
    );
    expect(output.stderr).toContain("  trees 400\n");
  });

  it("reports a missing directory as a diagnostic and exits 1", async () => {
    expect(await main(["fmt", join(root, "nope")])).toBe(1);
    expect(output.stderr).toContain("error MLC1020");
  });

  it("walks subdirectories, skipping hidden ones, like `mlc fmt --check examples`", async () => {
    const dir = project({});
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "churn"));
    mkdirSync(join(dir, ".mlc"));
    writeFileSync(join(dir, "churn", "churn.mlspec"), UGLY);
    writeFileSync(join(dir, ".mlc", "ignored.mlspec"), UGLY);
    expect(await main(["fmt", "--check", dir])).toBe(1);
    expect(output.stdout).toBe(`${join(dir, "churn", "churn.mlspec")}\n`);
  });

  it("formats a single file given by path", async () => {
    const dir = project({ "a.mlspec": UGLY, "c.mlspec": UGLY });
    expect(await main(["fmt", join(dir, "a.mlspec")])).toBe(0);
    expect(readFileSync(join(dir, "a.mlspec"), "utf8")).toBe(PRETTY);
    expect(readFileSync(join(dir, "c.mlspec"), "utf8")).toBe(UGLY);
  });
});
