// One contract suite over every block kind (as scikit-learn's check_estimator runs over every
// estimator): the language accepts no kind the runtime cannot run, and each kind's halves agree.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lower } from "../../src/compiler/lower.js";
import { allBlockKinds, blockKind } from "../../src/compiler/schema/registry.js";
import { KINDS } from "../../src/kinds/index.js";
import { check } from "../compiler/check-helpers.js";
import { repoRoot } from "../compiler/corpus.js";

/**
 * A minimal valid block of every kind, in one project (each kind's block may use the ones before
 * it). A kind added to the index without an entry here fails the suite.
 */
const MINIMAL: Record<string, string> = {
  project: "project { seed = 7 }",
  source: 'source people {\n  file = "data/p.csv"\n  schema { age = int  city = category  left = bool }\n}',
  features: "features traits {\n  from = people\n  age_2 = age * 2\n}",
  split: "split parts {\n  from = traits\n  method = random\n}",
  model: "model churn {\n  task = classify(left)\n  data = parts\n  features = traits.*\n}",
  gate: "gate ship {\n  model = churn\n  test.auc >= 0.5\n}",
  deploy: "deploy api {\n  model = churn\n  when = ship\n}",
  experiment:
    'experiment ab {\n  deployment = api\n  variants = { control = churn  treatment = churn }\n  key = "city"\n  metrics = { retained = binary }\n  primary = "retained"\n  mde = 5%\n  baseline = 30%\n}',
  monitor: "monitor watch {\n  deployment = api\n  drift(age) < 0.2\n}",
};

const reference = readFileSync(join(repoRoot, "specs", "reference.md"), "utf8");
const entries = Object.entries(KINDS);

describe("the kinds index", () => {
  it("pairs every kind the language accepts with its executor, unless it is settings only", () => {
    const accepted = allBlockKinds().map((k) => k.kind);
    expect(accepted).toEqual(Object.keys(KINDS));
    for (const [kind, halves] of entries) {
      expect(halves.language.kind, kind).toBe(kind);
      expect(blockKind(kind), kind).toBe(halves.language);
      expect(halves.runtime === "settings-only", kind).toBe(halves.language.settingsOnly === true);
    }
  });

  it("has a minimal block for every kind, and they check clean together", () => {
    expect(Object.keys(MINIMAL).sort()).toEqual(Object.keys(KINDS).sort());
    expect(check(Object.values(MINIMAL).join("\n\n")).diagnostics).toEqual([]);
  });
});

describe.each(entries)("kind %s", (kind, halves) => {
  const schema = halves.language;

  it("has a well-formed schema: documented, and its traits name attributes it declares", () => {
    expect(schema.doc.length).toBeGreaterThan(10);
    const attrs = new Map(schema.attributes.map((a) => [a.name, a]));
    for (const a of schema.attributes) expect(a.doc.length, `${kind}.${a.name}`).toBeGreaterThan(0);
    for (const name of [
      schema.input?.attribute,
      schema.model,
      typeof schema.modelBehind === "object" ? schema.modelBehind.attribute : undefined,
    ]) {
      if (name !== undefined) expect(attrs.get(name)?.type.kind, `${kind}: ${name}`).toBe("ref");
    }
  });

  it("is documented in specs/reference.md", () => {
    expect(reference).toContain(`### \`${kind}\`\n`);
  });

  it("checks and lowers a minimal block to its node (none when settings only)", () => {
    const r = check(Object.values(MINIMAL).join("\n\n"));
    const block = r.value.blocks.find((b) => b.kind === kind);
    expect(block, kind).toBeDefined();
    const nodes = lower(r.value).nodes.filter((n) => n.kind === kind);
    expect(nodes.length).toBe(schema.settingsOnly ? 0 : 1);
    if (!schema.settingsOnly) expect(nodes[0]!.id).toBe(`${kind}.${block!.name}`);
  });

  it.runIf(halves.runtime !== "settings-only")("has an executor of its kind with a version", async () => {
    if (halves.runtime === "settings-only") return;
    const executor = await halves.runtime();
    expect(executor.kind).toBe(kind);
    expect(executor.version).toMatch(/^\S+$/);
  });
});
