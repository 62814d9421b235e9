import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput } from "../cli/run-cli.js";
import { repoRoot } from "./corpus.js";

const root = mkdtempSync(join(tmpdir(), "mlc-validate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const output = captureOutput();

function project(text: string): string {
  const dir = mkdtempSync(join(root, "p-"));
  writeFileSync(join(dir, "main.mlspec"), text);
  return dir;
}

describe("mlc validate", () => {
  it("exits 0 on the churn example and says so", async () => {
    expect(await main(["validate", join(repoRoot, "examples/churn")])).toBe(0);
    expect(output.stdout).toMatch(/examples\/churn: 3 files, 11 blocks, no problems\n$/);
    expect(output.stderr).toBe("");
  });

  it("prints every diagnostic with location, source line, caret and hint, and exits 1", async () => {
    const dir = project(
      'source s {\n  file = "x.csv"\n  schema { monthly = float }\n}\nfeatures f {\n  from = s\n  a = montly * 2\n  b = uniform(0, 1)\n}\n',
    );
    expect(await main(["validate", dir])).toBe(1);
    expect(output.stderr).toContain(
      `${join(dir, "main.mlspec")}:7:7: error MLC1115: unknown column \`montly\` in \`s\``,
    );
    expect(output.stderr).toContain("  a = montly * 2");
    expect(output.stderr).toContain("^~~~~~");
    expect(output.stderr).toContain("hint: did you mean `monthly`?");
    expect(output.stderr).toContain("error MLC1109");
    expect(output.stdout).toContain("2 errors, 0 warnings in 1 file");
  });

  it("exits 0 when there are only warnings", async () => {
    const dir = project(
      'source s { file = "x.csv" }\nfeatures f { from = s  a = 1 }\nsplit p { from = f }\nmodel m { task = classify(y)  data = p  features = f.* }\ndeploy d { model = m }\n',
    );
    expect(await main(["validate", dir])).toBe(0);
    expect(output.stderr).toContain("warning MLC1129");
    expect(output.stdout).toContain("0 errors, 1 warning");
  });

  it("prints a JSON array with --json", async () => {
    const dir = project("modle m { }\n");
    expect(await main(["validate", dir, "--json"])).toBe(1);
    const json = JSON.parse(output.stdout) as {
      code: string;
      line: number;
      column: number;
      severity: string;
      hint?: string;
    }[];
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({
      code: "MLC1101",
      line: 1,
      column: 1,
      severity: "error",
      hint: "did you mean `model`?",
    });
    expect(output.stderr).toBe("");
  });

  it("defaults to the current directory", async () => {
    const dir = project('source s { file = "x.csv" }\n');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await main(["validate"])).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(output.stdout).toContain(".: 1 file, 1 block, no problems");
  });

  it("reports a missing directory as a diagnostic, not a stack trace", async () => {
    expect(await main(["validate", join(root, "nope")])).toBe(1);
    expect(output.stderr).toContain("error MLC1020");
    expect(output.stderr).not.toContain("    at ");
  });
});
