// Every package that package-lock.json installs and that declares `engines.node` admits the Node.js
// that runs the tests and the oldest major the project supports (package.json's `engines.node`,
// the Node 20 of the README), so `npm ci` prints no EBADENGINE warning (light-my-request's cookie
// once asked for Node 22). Ranges are read with semver, the library npm checks them with.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

interface Semver {
  satisfies(version: string, range: string): boolean;
  intersects(a: string, b: string): boolean;
  minVersion(range: string): { major: number } | null;
}
const semver = createRequire(import.meta.url)("semver") as Semver;

const root = join(import.meta.dirname, "..", "..");
const readJson = (f: string): unknown => JSON.parse(readFileSync(join(root, f), "utf8"));

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

function declaredNodeRanges(): [string, string][] {
  const lock = readJson("package-lock.json") as { packages: Record<string, LockPackage> };
  const out: [string, string][] = [];
  for (const [path, p] of Object.entries(lock.packages)) {
    if (!path || !p.engines || Array.isArray(p.engines) || typeof p.engines.node !== "string") continue;
    out.push([`${path.replace(/^.*node_modules\//, "")}@${p.version ?? "?"}`, p.engines.node]);
  }
  return out;
}

describe("engines.node of the installed packages", () => {
  const ranges = declaredNodeRanges();
  const project = (readJson("package.json") as { engines: { node: string } }).engines.node;
  const oldest = semver.minVersion(project)!.major;

  it("reads the lock file's declarations", () => {
    expect(ranges.length).toBeGreaterThan(50);
  });

  it(`every declared range admits the running Node (${process.versions.node})`, () => {
    const refused = ranges.filter(([, r]) => !semver.satisfies(process.versions.node, r));
    expect(refused.map(([p, r]) => `${p} wants node ${r}`)).toEqual([]);
  });

  it("every declared range admits some release of the oldest supported major", () => {
    const refused = ranges.filter(([, r]) => !semver.intersects(r, `>=${oldest}.0.0 <${oldest + 1}.0.0`));
    expect(refused.map(([p, r]) => `${p} wants node ${r}, the project supports ${project}`)).toEqual([]);
  });
});
