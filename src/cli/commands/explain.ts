// `mlc explain MODEL[@VERSION] --row N`: exact TreeSHAP contributions of each feature to the model's
// margin for row N of that version's test rows (tree models only; others get a clear message).
import type { Command } from "commander";
import { resolve } from "node:path";
import { deserializePipeline } from "../../data/pipeline.js";
import { loadTable } from "../../data/table-artifact.js";
import { loadEstimator } from "../../ml/algorithms.js";
import { ENSEMBLE_ALGORITHMS } from "../../compiler/builtins/ensembles.js";
import { TreeModel } from "../../ml/tree/model.js";
import { treeShap } from "../../ml/tree-shap.js";
import { openArtifacts } from "../../runtime/artifacts/store.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { resolveModelVersion, versionArtifact } from "./report.js";
import { printJson } from "../json-output.js";

export interface RowExplanation {
  model: string;
  version: number;
  /** 1-based row of the version's test rows. */
  row: number;
  /** Margin space of the trees: log-odds for binary GBDT, raw score for regression. */
  space: string;
  calibrated: boolean;
  outputs: Array<{
    output: number;
    base: number;
    margin: number;
    prediction: number;
    contributions: Array<{ feature: string; value: number | null; contribution: number }>;
  }>;
}

const LINK_SPACE: Record<string, string> = {
  sigmoid: "log-odds",
  softmax: "softmax logits",
  identity: "prediction",
  normalize: "class scores",
  clip01: "probability",
};

export function register(program: Command): void {
  withProjectDir(
    program
      .command("explain")
      .description(
        "per-row SHAP contributions of each feature for one test row of a model version (tree models)",
      )
      .argument("<model>", "NAME[@VERSION|@champion|@challenger] (default: the newest version)"),
  )
    .requiredOption("--row <n>", "row of the version's test rows, 1 = the first")
    .option("--top <k>", "show the k largest contributions (default: 10)")
    .option("--all", "show every feature's contribution")
    .option("--json", "print JSON")
    .action(
      async (
        text: string,
        _dir: string,
        flags: { dir: string; row: string; top?: string; all?: boolean; json?: boolean },
      ) => {
        const row = Number(flags.row);
        if (!Number.isInteger(row) || row < 1)
          throw new CliExit(
            2,
            `mlc explain: --row must be a positive whole number (1 = the first test row), got '${flags.row}'`,
          );
        if (flags.all && flags.top !== undefined)
          throw new CliExit(2, "mlc explain: give --top or --all, not both");
        const top = flags.all ? Infinity : flags.top === undefined ? 10 : Number(flags.top);
        if (!(top >= 1))
          throw new CliExit(2, `mlc explain: --top must be a positive number, got '${flags.top}'`);
        const dir = resolve(flags.dir);
        const v = await resolveModelVersion(dir, text, "explain");
        if (ENSEMBLE_ALGORITHMS.includes(v.algorithm))
          throw new CliExit(
            1,
            `mlc explain: per-row SHAP values are available for tree models only (gbdt, random_forest); ${v.model} is an ensemble (${v.algorithm}): explain its members. Its global permutation importance is in \`mlc report ${v.model}@${v.version}\``,
          );
        const estimator = await loadEstimator(v.algorithm);
        if (!estimator)
          throw new CliExit(
            1,
            `mlc explain: ${v.model} version ${v.version} uses algorithm '${v.algorithm}', which this mlc cannot load`,
          );
        const store = openArtifacts(dir);
        const model = estimator.deserialize(await versionArtifact(store, v, "model", "explain"));
        if (!(model instanceof TreeModel)) {
          throw new CliExit(
            1,
            `mlc explain: per-row SHAP values are available for tree models only (gbdt, random_forest); ${v.model} is ${v.algorithm}. Its global permutation importance is in \`mlc report ${v.model}@${v.version}\``,
          );
        }
        const pipeline = deserializePipeline(await versionArtifact(store, v, "pipeline", "explain"));
        if (!v.artifacts.test_table)
          throw new CliExit(
            1,
            `mlc explain: ${v.model} version ${v.version} has no test rows (give its split a test share)`,
          );
        const table = await loadTable(store, v.artifacts.test_table);
        if (row > table.numRows())
          throw new CliExit(
            1,
            `mlc explain: --row ${row} is past the last test row (${table.numRows()} rows)`,
          );
        const X = pipeline.transform(table.slice(row - 1, row));
        const shap = treeShap(model.ensemble, X);
        const pred = model.predict(X);
        const d = shap.nFeatures;
        const out: RowExplanation = {
          model: v.model,
          version: v.version,
          row,
          space: LINK_SPACE[model.ensemble.link] ?? model.ensemble.link,
          calibrated: Boolean(v.artifacts.calibrator),
          outputs: Array.from({ length: shap.nOutputs }, (_, o) => {
            const at = o * (d + 1);
            let margin = shap.values[at + d]!;
            const contributions = Array.from({ length: d }, (_, f) => {
              const c = shap.values[at + f]!;
              margin += c;
              const x = X.columns[f]![0]!;
              return { feature: X.names[f]!, value: Number.isNaN(x) ? null : x, contribution: c };
            }).sort(
              (a, b) =>
                Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature),
            );
            return { output: o, base: shap.values[at + d]!, margin, prediction: pred[o]!, contributions };
          }),
        };
        if (flags.json) {
          // --top applies to JSON too; `more` counts the contributions left out (the margin keeps them all)
          const outputs = out.outputs.map((o) => ({
            ...o,
            contributions: o.contributions.slice(0, top),
            more: Math.max(0, o.contributions.length - top),
          }));
          return void printJson({ ...out, outputs });
        }
        const classes = model.task.kind === "multiclass" ? model.task.classes : undefined;
        const lines = [
          `${v.model} version ${v.version}, test row ${row}: contributions to the ${out.space} (exact TreeSHAP)`,
        ];
        if (out.calibrated)
          lines.push(
            `(the served prediction passes this through the version's calibrator; contributions are before it)`,
          );
        for (const o of out.outputs) {
          if (out.outputs.length > 1) lines.push(`class ${classes?.[o.output] ?? o.output}:`);
          lines.push(
            `  base ${o.base.toFixed(4)} + contributions = ${o.margin.toFixed(4)}  (model prediction ${o.prediction.toFixed(4)})`,
          );
          const shown = o.contributions.slice(0, top);
          const w = Math.max(7, ...shown.map((c) => c.feature.length));
          lines.push(`  ${"FEATURE".padEnd(w)}  ${"VALUE".padStart(12)}  CONTRIBUTION`);
          for (const c of shown)
            lines.push(
              `  ${c.feature.padEnd(w)}  ${(c.value === null ? "missing" : String(Number(c.value.toPrecision(6)))).padStart(12)}  ${c.contribution >= 0 ? "+" : ""}${c.contribution.toFixed(4)}`,
            );
          if (shown.length < o.contributions.length)
            lines.push(`  … ${o.contributions.length - shown.length} more (--top K or --all to show more)`);
        }
        process.stdout.write(lines.join("\n") + "\n");
      },
    );
}
