// `mlc trials MODEL`: the tuning trials recorded in the state store (index, params, objective
// value, status, duration), as a table or --json. Reads only; the model executor writes them.
import type { Command } from "commander";
import { resolve } from "node:path";
import { trialsOfModel } from "../../runtime/executors/model/trial-store.js";
import { openState } from "../../runtime/state/open.js";
import { CliExit } from "../exit.js";

const fmtValue = (v: number | undefined): string => (v === undefined ? "-" : Number.isFinite(v) ? v.toFixed(5) : String(v));
const fmtParam = (v: unknown): string => (typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : JSON.stringify(v));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

export function register(program: Command): void {
  program
    .command("trials")
    .description("the tuning trials of a model: params, objective value, status and duration")
    .argument("<model>", "model name")
    .option("--dir <project>", "project directory", ".")
    .option("--json", "print JSON")
    .action(async (model: string, flags: { dir: string; json?: boolean }) => {
      const state = await openState(resolve(flags.dir));
      let found: Awaited<ReturnType<typeof trialsOfModel>>;
      try {
        found = await trialsOfModel(state, model);
      } finally {
        await state.close();
      }
      if (flags.json) return void process.stdout.write(JSON.stringify(found.map(({ study, trial }) => ({ study, ...trial })), null, 2) + "\n");
      if (!found.length) throw new CliExit(1, `mlc trials: no trials recorded for model '${model}' (it has no tune { … } block, or has not been applied)`);
      // Several studies appear when the spec, data or features changed between applies.
      const studies = [...new Set(found.map((f) => f.study))];
      const rows = [[...(studies.length > 1 ? ["STUDY"] : []), "TRIAL", "STATUS", "VALUE", "DURATION", "PARAMS"]];
      for (const { study, trial } of found) {
        const values = Object.entries(trial.values);
        const value = values.length === 1 ? fmtValue(values[0]![1]) : values.length ? values.map(([k, v]) => `${k}=${fmtValue(v)}`).join(" ") : "-";
        const params = Object.entries(trial.params).map(([k, v]) => `${k}=${fmtParam(v)}`).join(" ");
        rows.push([
          ...(studies.length > 1 ? [study.slice(0, 8)] : []),
          String(trial.index),
          trial.status,
          value,
          trial.durationMs === undefined ? "-" : `${(trial.durationMs / 1000).toFixed(2)}s`,
          params + (trial.error ? `  (${trial.error})` : ""),
        ]);
      }
      process.stdout.write(table(rows));
    });
}
