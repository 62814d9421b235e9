// A model version records the spec's git commit (`mlc models` shows it): asked of git when the node
// starts, read when it records the version; a project outside a git work tree records none.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../src/registry/model-registry.js";
import { openState } from "../../src/runtime/state/open.js";
import { applyQuiet, writeProject } from "../cli/model-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function versionsOf(dir: string): Promise<Array<string | undefined>> {
  const store = await openState(dir);
  try {
    const reg = new ModelRegistry(store);
    return (await reg.versions("lin")).map((v) => v.specCommit);
  } finally {
    await store.close();
  }
}

describe("a model version's spec commit", () => {
  it("is the project's git HEAD when the project is committed", async () => {
    const dir = writeProject();
    dirs.push(dir);
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", dir, ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }).trim();
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "spec");
    await applyQuiet(dir);
    expect(await versionsOf(dir)).toEqual([git("rev-parse", "HEAD")]);
  }, 120_000);

  it("is absent outside a git work tree", async () => {
    const dir = writeProject();
    dirs.push(dir);
    await applyQuiet(dir);
    expect(await versionsOf(dir)).toEqual([undefined]);
  }, 120_000);
});
