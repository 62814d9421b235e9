// Splits stay put as data grows, and a champion comparison never scores the champion on rows it
// trained on: apply, append rows, apply (no old row moves, every test row is clean), then re-split
// with another seed (some test rows were the champion's: the gate and the report leave them out).
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTable } from "../../src/data/table-artifact.js";
import { openArtifacts } from "../../src/runtime/artifacts/store.js";
import { applyProject } from "../../src/runtime/project.js";
import { openState } from "../../src/runtime/state/open.js";

function rows(from: number, to: number): string {
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: string[] = [];
  for (let i = 0; i < to; i++) {
    const x1 = rnd() * 4 - 2;
    const x2 = rnd() * 4 - 2;
    const noise = rnd() - 0.5;
    if (i >= from)
      out.push(`${i},${x1.toFixed(4)},${x2.toFixed(4)},${2 * x1 + x2 + noise > 0 ? "yes" : "no"}`);
  }
  return out.map((l) => `${l}\n`).join("");
}

const spec = (seed: number) => `project stable { seed = 3 }

source rows {
  file = "data/rows.csv"
  key  = id
  schema {
    id = int
    x1 = float
    x2 = float
    y  = category
  }
}

features f {
  from = rows
  a    = x1
  b    = x2
}

split s {
  from   = f
  method = stratified(y)
  seed   = ${seed}
  key    = id
}

model m {
  task      = classify(y, positive = "yes")
  data      = s
  features  = f.*
  algorithm = gbdt
  params { trees = 20 }
}

gate g {
  model = m
  test.auc >= champion.test.auc - 0.5
}

deploy api {
  model   = m
  when    = g
  serve   = rest { port = 8080 }
}
`;

let dir: string;
const idsOf = async (hash: string): Promise<number[]> => {
  const t = await loadTable(openArtifacts(dir), hash);
  return Array.from(t.array("id") as ArrayLike<number>);
};

async function apply(): Promise<void> {
  const out = await applyProject(dir, { log: () => undefined, parallel: 1 });
  if (!out.ok) throw new Error(JSON.stringify(out.diagnostics.map((d) => d.message)));
  const failed = out.result.outcomes.filter((o) => o.status === "failed");
  expect(failed).toEqual([]);
}

async function node(id: string) {
  const state = await openState(dir);
  try {
    return (await state.getNode(id))!.result!;
  } finally {
    await state.close();
  }
}

async function parts(): Promise<Record<"train" | "valid" | "test", number[]>> {
  const r = await node("split.s");
  return {
    train: await idsOf(r.artifacts.train!),
    valid: await idsOf(r.artifacts.valid!),
    test: await idsOf(r.artifacts.test!),
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlc-stable-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data/rows.csv"), `id,x1,x2,y\n${rows(0, 800)}`);
  writeFileSync(join(dir, "main.mlspec"), spec(1));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("splits that stay put, and champion comparisons on clean rows", () => {
  let first: Record<"train" | "valid" | "test", number[]>;

  it("appending rows moves no old row, and the champion comparison uses every test row", async () => {
    await apply();
    first = await parts();
    appendFileSync(join(dir, "data/rows.csv"), rows(800, 1000));
    await apply();
    const second = await parts();
    for (const p of ["train", "valid", "test"] as const) {
      const now = new Set(second[p]);
      expect(first[p].filter((id) => !now.has(id))).toEqual([]);
    }
    const gate = await node("gate.g");
    expect(gate.summary!.champion_rows).toEqual({
      test: { used: second.test.length, overlap: 0, checked: true },
      // The valid rows the champion validated on are its own: left out on that part.
      valid: { used: second.valid.length - first.valid.length, overlap: first.valid.length, checked: true },
    });
    expect((gate.summary!.notes as string[]).join("\n")).toMatch(
      /champion comparison on test: all \d+ rows \(none was in champion version 1's train or valid part, matched by key `id`\)/,
    );
  });

  it("a re-split leaves out the test rows the champion trained or validated on, in the gate and the report", async () => {
    const before = await parts(); // the champion's parts (version 2 was deployed above)
    writeFileSync(join(dir, "main.mlspec"), spec(2));
    await apply();
    const after = await parts();
    const seen = new Set([...before.train, ...before.valid]);
    const clean = after.test.filter((id) => !seen.has(id));
    expect(clean.length).toBeGreaterThan(0);
    expect(clean.length).toBeLessThan(after.test.length);
    const gate = await node("gate.g");
    const rowsUsed = gate.summary!.champion_rows as Record<string, { used: number; overlap: number }>;
    expect(rowsUsed.test).toEqual({
      used: clean.length,
      overlap: after.test.length - clean.length,
      checked: true,
    });
    expect((gate.summary!.notes as string[]).join("\n")).toContain(
      `champion comparison on test: ${clean.length} of ${after.test.length} rows; ${after.test.length - clean.length} were in champion version 2's train or valid part`,
    );
    // Both sides of the comparison are measured on the clean rows: the candidate's paired AUC
    // differs from its AUC on the whole test part.
    const model = await node("model.m");
    const results = gate.summary!.results as { values: Record<string, number> }[];
    expect(results[0]!.values["test.auc"]).not.toBe(model.metrics!["test.auc"]);
    const report = JSON.parse(
      new TextDecoder().decode(await openArtifacts(dir).get(model.artifacts.report_json!)),
    ) as { champion: { status: string; sample: { used: number; overlap: number } } };
    expect(report.champion.status).toBe("compared");
    expect(report.champion.sample).toMatchObject({
      used: clean.length,
      overlap: after.test.length - clean.length,
    });
    expect(readFileSync(join(dir, "main.mlspec"), "utf8")).toContain("seed   = 2");
  });
});
