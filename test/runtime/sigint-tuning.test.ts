// Ctrl-C during tuning, in a real `mlc apply` process: the trials cut short are not recorded as
// failed, the next apply runs them, and the model is the one an uninterrupted apply gives.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openState } from "../../src/runtime/state/open.js";
import { setSpec, tinyProject } from "./deploy-project.js";

const cli = resolve("dist/src/cli/main.js");

function apply(
  dir: string,
  interruptAfter?: RegExp,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, "apply", dir, "--parallel", "1"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d) => {
      stdout += String(d);
      if (interruptAfter && !sent && interruptAfter.test(stdout)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

async function modelResult(dir: string) {
  const s = await openState(dir);
  try {
    const n = await s.getNode("model.m");
    return { status: n?.status, onnx: n?.result?.artifacts.onnx, tuning: n?.result?.summary?.tuning };
  } finally {
    await s.close();
  }
}

describe.skipIf(!existsSync(cli))("Ctrl-C during tuning", () => {
  it("re-runs the interrupted trials on the next apply and ships the same model as an uninterrupted apply", async () => {
    const trials = 15;
    const reference = tinyProject(40);
    setSpec(reference, 40, { deploy: false, tuneTrials: trials });
    const ref = await apply(reference);
    expect(ref.code).toBe(0);

    const dir = tinyProject(40);
    setSpec(dir, 40, { deploy: false, tuneTrials: trials });
    const first = await apply(dir, /trial 3:/);
    expect(first.stderr).toContain("the rest runs again on the next apply");
    expect(first.code).toBe(1);
    expect(first.stdout).not.toMatch(/trial \d+: .*This operation was aborted/);
    const cut = await modelResult(dir);
    expect(cut.status).not.toBe("ok");

    const second = await apply(dir);
    expect(second.code).toBe(0);
    const resumed = await modelResult(dir);
    const whole = await modelResult(reference);
    // The resume ran only the trials not recorded before the interrupt, and ends where the whole run does.
    expect((resumed.tuning as { ran: number }).ran).toBeLessThan(trials);
    expect({ ...resumed, tuning: { ...(resumed.tuning as object), ran: 0 } }).toEqual({
      ...whole,
      tuning: { ...(whole.tuning as object), ran: 0 },
    });
  }, 180_000);
});
