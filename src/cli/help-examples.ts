// An example for every command's --help (added after the options by main.ts), kept in one table so
// a test can check that no command lacks one. They use the churn example of the repository.
import type { Command } from "commander";

export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  apply: ["mlc apply examples/churn", "mlc plan examples/churn --out churn.plan && mlc apply churn.plan"],
  card: [
    "mlc card churn_model examples/churn",
    "mlc card churn_model -C examples/churn --format html --out card.html",
  ],
  compile: [
    "mlc compile examples/churn --target argo --image registry.example/churn:1 --out workflow.yaml",
    "mlc compile examples/churn --target kubeflow --image registry.example/churn:1 --out pipeline.yaml",
  ],
  completion: ["mlc completion bash > /etc/bash_completion.d/mlc", 'eval "$(mlc completion zsh)"'],
  diff: ["mlc diff examples/churn", "mlc diff origin/main -C examples/churn --json"],
  exec: ["mlc exec model.churn_model examples/churn"],
  experiment: ["mlc experiment status pricing -C examples/churn"],
  "experiment status": ["mlc experiment status pricing examples/churn --json"],
  "experiment stop": ['mlc experiment stop pricing examples/churn --reason "guardrail breached"'],
  "experiment promote": ["mlc experiment promote pricing examples/churn --arm treatment"],
  "experiment decide": ["mlc experiment decide pricing examples/churn"],
  explain: [
    "mlc explain churn_model examples/churn --row 3",
    "mlc explain churn_model@champion -C examples/churn --all --json",
  ],
  export: [
    "mlc export churn_api examples/churn --out churn-bundle",
    "mlc export churn_api examples/churn --container --out churn-image",
  ],
  fmt: ["mlc fmt examples/churn", "mlc fmt examples/churn --check"],
  gc: ["mlc gc examples/churn --dry-run"],
  graph: ["mlc graph examples/churn | dot -Tsvg > churn.svg", "mlc graph examples/churn --format mermaid"],
  init: [
    "mlc init my-project",
    "mlc init my-project --template regression",
    "mlc init telco --from WA_Fn-UseC_-Telco-Customer-Churn.csv --target Churn",
  ],
  lineage: ["mlc lineage model.churn_model examples/churn"],
  monitor: [
    "mlc monitor watch examples/churn",
    "mlc monitor watch examples/churn --json",
    "mlc monitor watch examples/churn --watch",
    "mlc monitor watch examples/churn --history",
  ],
  lsp: ["mlc lsp   # started by an editor, speaks LSP on stdin/stdout"],
  recommend: [
    "mlc recommend recommendations examples/recommend --k 20 --exclude-seen --out top20.jsonl",
    "mlc recommend recommendations examples/recommend --users 3,17,99999 --out some.jsonl",
  ],
  review: ["mlc review list examples/anomaly --unlabelled"],
  "review list": ["mlc review list examples/anomaly --deployment radiator_watch --json"],
  "review show": ["mlc review show 3f1c… examples/anomaly"],
  "review label": ['mlc review label 3f1c… anomaly examples/anomaly --note "valve stuck"'],
  materialize: ["mlc materialize ridership_api examples/events"],
  models: ["mlc models list examples/churn"],
  "models list": ["mlc models list examples/churn --json"],
  "models show": ["mlc models show churn_model@champion examples/churn"],
  "models promote": ["mlc models promote churn_model@2 examples/churn"],
  "models demote": ["mlc models demote churn_model examples/churn --alias challenger"],
  plan: [
    "mlc plan examples/churn",
    "mlc plan examples/churn --json",
    "mlc plan -C examples/churn --markdown",
  ],
  report: ["mlc report churn_model examples/churn --out report.html"],
  rollback: ['mlc rollback churn_api examples/churn --reason "latency regression"'],
  rollout: ["mlc rollout status churn_api examples/churn"],
  "rollout start": [
    "mlc rollout start churn_api examples/churn --bundle .mlc/bundles/churn_api/v2 --canary 10% --key state",
  ],
  "rollout promote": ["mlc rollout promote churn_api examples/churn"],
  "rollout abort": ["mlc rollout abort churn_api examples/churn"],
  "rollout status": ["mlc rollout status churn_api examples/churn --json"],
  schema: ["mlc schema infer data/customers.csv"],
  "schema infer": ["mlc schema infer customers examples/churn", "mlc schema infer data.csv --json"],
  serve: [
    "mlc serve churn_api examples/churn",
    "mlc serve churn_api -C examples/churn --port 9000 --pid-file serve.pid",
  ],
  state: ["mlc state list examples/churn"],
  "state list": ["mlc state list examples/churn --json"],
  "state show": ["mlc state show model.churn_model examples/churn"],
  "state rebuild": ["mlc state rebuild examples/churn"],
  "state unlock": ["mlc state unlock examples/churn"],
  trials: ["mlc trials churn_model examples/churn", "mlc trials churn_model examples/churn --all --json"],
  worker: [
    "mlc worker churn_model examples/churn",
    "mlc worker -C examples/churn --idle-exit 5m   # every model's trials; exits when the queue stays empty",
  ],
  validate: ["mlc validate examples/churn", "mlc validate examples/churn/churn.mlspec --json"],
};

/** The path of a command below the program: "models promote". */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Adds the examples of the table to every command of `program` that has some. */
export function addHelpExamples(program: Command): void {
  const visit = (c: Command): void => {
    for (const sub of c.commands) {
      const examples = HELP_EXAMPLES[commandPath(sub)];
      if (examples) sub.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
      visit(sub);
    }
  };
  visit(program);
}
