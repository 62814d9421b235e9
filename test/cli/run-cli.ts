// Runs the CLI in-process and captures what it prints, for command tests.
import { afterEach, beforeEach, vi } from "vitest";
import { main } from "../../src/cli/main.js";

/** Collects what is written to stdout and stderr until the returned `restore` is called. */
function spyOutput(): { out: { stdout: string; stderr: string }; restore(): void } {
  const out = { stdout: "", stderr: "" };
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out.stdout += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    out.stderr += String(chunk);
    return true;
  });
  return {
    out,
    restore: () => {
      o.mockRestore();
      e.mockRestore();
    },
  };
}

export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const spy = spyOutput();
  const before = process.exitCode;
  try {
    process.exitCode = undefined;
    const code = await main(args);
    return { code, ...spy.out };
  } finally {
    process.exitCode = before;
    spy.restore();
  }
}

/**
 * For tests that call `main` themselves: each test of the enclosing block starts with empty
 * captured output and no exit code, read as `output.stdout` and `output.stderr`.
 */
export function captureOutput(): { readonly stdout: string; readonly stderr: string } {
  let spy: ReturnType<typeof spyOutput> | undefined;
  beforeEach(() => {
    spy = spyOutput();
    process.exitCode = undefined;
  });
  afterEach(() => {
    spy?.restore();
    process.exitCode = undefined;
  });
  return {
    get stdout() {
      return spy?.out.stdout ?? "";
    },
    get stderr() {
      return spy?.out.stderr ?? "";
    },
  };
}
