// Test fixtures for the runtime: temporary projects written from spec text, and fake executors
// (recording every run) for the block kinds, so runtime tests never depend on the real ones.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileDataFingerprint } from "../../src/data/data-hash.js";
import { NodeFailure, type Executor, type NodeResult } from "../../src/ir/executor.js";

export const CHURN_CSV =
  "id,tenure,monthly,plan,churned\n1,3,20.5,basic,true\n2,30,70.1,pro,false\n3,12,35.0,basic,false\n";

export const TWO_MODELS = `# two models over one features block
source customers {
  file = "data/customers.csv"
  schema {
    id      = int
    tenure  = int
    monthly = float
    plan    = category
    churned = bool
  }
  expect {
    rows >= 1
  }
}

features usage {
  from        = customers
  spend_ratio = monthly / (tenure + 1)
  tenure_z    = standardize(tenure)
}

split holdout {
  from   = usage
  method = stratified(churned)
  train  = 70%
  valid  = 15%
  test   = 15%
}

model a {
  task     = classify(churned)
  data     = holdout
  features = [usage.spend_ratio]
}

model b {
  task     = classify(churned)
  data     = holdout
  features = [usage.tenure_z]
}

gate ship_a {
  model = a
  test.auc >= 0.8
}

gate ship_b {
  model = b
  test.auc >= 0.8
}
`;

export function makeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlc-rt-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

export interface FakeRuns {
  /** Node ids in the order their executors ran. */
  ran: string[];
  executors: Map<string, Executor>;
  lookup: (kind: string) => Executor | undefined;
}

/** Fake executors for source/features/split/model/gate: each stores a JSON artifact of its config and inputs. */
export function fakeExecutors(
  opts: { failing?: Set<string>; versions?: Record<string, string>; delayMs?: number } = {},
): FakeRuns {
  const ran: string[] = [];
  const executors = new Map<string, Executor>();
  const make = (kind: string, extra: Partial<Executor> = {}): Executor => ({
    kind,
    version: opts.versions?.[kind] ?? "1",
    async run(ctx): Promise<NodeResult> {
      ran.push(ctx.node.id);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (opts.failing?.has(ctx.node.id)) throw new NodeFailure(`${ctx.node.id} failed on purpose`);
      const inputs = Object.fromEntries([...ctx.inputs].map(([id, r]) => [id, r.artifacts]));
      const bytes = new TextEncoder().encode(
        JSON.stringify({ id: ctx.node.id, config: ctx.node.config, inputs }),
      );
      const hash = await ctx.artifacts.put(bytes);
      return { artifacts: { out: hash }, metrics: { rows: 3 } };
    },
    ...extra,
  });
  for (const k of ["features", "split", "model", "gate", "deploy"]) executors.set(k, make(k));
  executors.set("source", make("source", { dataFingerprint: fileDataFingerprint }));
  return { ran, executors, lookup: (k) => executors.get(k) };
}
