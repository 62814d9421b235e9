// Helpers for checker tests: parse spec text into a one- or many-file project and check it.
import type { Project } from "../../src/compiler/ast.js";
import { checkProject } from "../../src/compiler/check.js";
import type { Diagnostic } from "../../src/compiler/diagnostic.js";
import { parseFile } from "../../src/compiler/parse.js";

export function projectOf(files: Record<string, string>): {
  project: Project;
  parseDiagnostics: Diagnostic[];
} {
  const parseDiagnostics: Diagnostic[] = [];
  const specFiles = Object.entries(files).map(([path, text]) => {
    const r = parseFile(path, text);
    parseDiagnostics.push(...r.diagnostics);
    return r.value;
  });
  return { project: { dir: "proj", files: specFiles }, parseDiagnostics };
}

/** Checks `text` as the only file `main.mlspec`; fails loudly on syntax errors (tests are about checking). */
export function check(text: string, more: Record<string, string> = {}) {
  const { project, parseDiagnostics } = projectOf({ "main.mlspec": text, ...more });
  if (parseDiagnostics.length)
    throw new Error(
      `syntax errors in test spec: ${parseDiagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.message}`).join("; ")}`,
    );
  return checkProject(project);
}

export const codes = (ds: readonly Diagnostic[]): string[] => ds.map((d) => d.code);

/** A small valid project the tests mutate. */
export const BASE = `
source customers {
  file = "data/c.csv"
  schema { tenure = int  monthly = float  plan = category  churned = bool  signup = timestamp  user = string }
}
features usage {
  from          = customers
  spend_ratio   = monthly / (tenure + 1)
  tenure_bucket = bucketize(tenure, [6, 12, 24])
  plan_code     = onehot(plan)
}
split holdout { from = usage  method = stratified(churned)  train = 70%  valid = 15%  test = 15% }
model churn {
  task     = classify(churned)
  data     = holdout
  features = usage.*
  params { trees = 100  learning_rate = loguniform(0.01, 0.3) }
  tune { trials = 5  objective = maximize(valid.auc) }
}
gate ship { model = churn  test.auc >= 0.8 }
deploy api { model = churn  when = ship  serve = rest { port = 8080 } }
`;
