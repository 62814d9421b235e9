// `mlc trials MODEL`: the tuning trials recorded in the state store (index, params, the value of
// each objective, status, duration), with the Pareto front and the picked trial marked when the
// search has several objectives; a table or --json. Reads only; the model executor writes them.
import type { Command } from "commander";
import { resolve } from "node:path";
import {
  bestTrial,
  paretoFront,
  trialStatusText,
  type ObjectiveSpec,
  type TrialRecord,
} from "../../ml/tune/index.js";
import { studyObjectives, trialsOfModel } from "../../registry/trial-store.js";
import { openState } from "../../runtime/state/open.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

/** Model measures (`model.bytes`) are counts; metrics get 5 decimals. */
const fmtValue = (v: number | undefined, key = ""): string =>
  v === undefined
    ? "-"
    : !Number.isFinite(v)
      ? String(v)
      : key.startsWith("model.")
        ? String(Math.round(v))
        : v.toFixed(5);
const fmtParam = (v: unknown): string =>
  typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : JSON.stringify(v);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

/** Where each trial stands in its study: on the first Pareto front, and the one the study picked. */
interface Standing {
  front: boolean;
  picked: boolean;
}

/** Standing of every trial of one study, keyed by index; empty when the study's objective was not recorded. */
function standings(
  trials: readonly TrialRecord[],
  objective: ObjectiveSpec | undefined,
): Map<number, Standing> {
  const out = new Map<number, Standing>();
  if (!objective) return out;
  const front = new Set(paretoFront(trials, objective).map((t) => t.index));
  const picked = bestTrial(trials, objective)?.index;
  for (const t of trials) out.set(t.index, { front: front.has(t.index), picked: t.index === picked });
  return out;
}

/** The study key of the model's last apply, from its node summary (`tuning.key`). */
function currentStudy(summary: unknown): string | undefined {
  if (typeof summary !== "object" || summary === null || !("tuning" in summary)) return undefined;
  const tuning = summary.tuning;
  return typeof tuning === "object" && tuning !== null && "key" in tuning && typeof tuning.key === "string"
    ? tuning.key
    : undefined;
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("trials")
      .description(
        "the tuning trials of a model: params, objective values, status and duration; the Pareto front of several objectives",
      )
      .argument("<model>", "model name"),
  )
    .option("--json", "print JSON")
    .option("--all", "also the studies of earlier configurations (default: the current study only)")
    .action(async (model: string, _dir: string, flags: { dir: string; json?: boolean; all?: boolean }) => {
      const state = await openState(resolve(flags.dir));
      let found: Awaited<ReturnType<typeof trialsOfModel>>;
      let objectives: Map<string, ObjectiveSpec>;
      let current: string | undefined;
      try {
        found = await trialsOfModel(state, model);
        objectives = await studyObjectives(state, model);
        current = currentStudy((await state.getNode(`model.${model}`))?.result?.summary);
      } finally {
        await state.close();
      }
      // The study of the model's last apply; earlier configurations' studies only with --all.
      const hidden = new Set(
        flags.all || current === undefined || !found.some((f) => f.study === current)
          ? []
          : found.filter((f) => f.study !== current).map((f) => f.study),
      );
      found = found.filter((f) => !hidden.has(f.study));
      // Several studies appear when the spec, data or features changed between applies.
      const studies = [...new Set(found.map((f) => f.study))];
      const standing = new Map<string, Map<number, Standing>>(
        studies.map((s) => [
          s,
          standings(
            found.filter((f) => f.study === s).map((f) => f.trial),
            objectives.get(s),
          ),
        ]),
      );
      if (flags.json) {
        const out = found.map(({ study, trial }) => ({
          study,
          ...trial,
          ...(standing.get(study)!.get(trial.index) ?? {}),
        }));
        return void printJson(out);
      }
      if (!found.length)
        throw new CliExit(
          1,
          `mlc trials: no trials recorded for model '${model}' (it has no tune { … } block, or has not been applied)`,
        );
      // One column per objective when a study has several (in objective order); one VALUE column otherwise.
      const keys = [
        ...new Set(studies.flatMap((s) => objectives.get(s)?.targets.map((t) => t.metric) ?? [])),
      ];
      const several = studies.some((s) => (objectives.get(s)?.targets.length ?? 0) > 1);
      const head = [
        ...(studies.length > 1 ? ["STUDY"] : []),
        "TRIAL",
        "STATUS",
        ...(several ? keys.map((k) => k.toUpperCase()) : ["VALUE"]),
        ...(several ? ["PARETO"] : ["BEST"]),
        "DURATION",
        "PARAMS",
      ];
      const rows = [head];
      for (const { study, trial } of found) {
        const entries = Object.entries(trial.values);
        const value =
          entries.length === 1
            ? fmtValue(entries[0]![1], entries[0]![0])
            : entries.length
              ? entries.map(([k, v]) => `${k}=${fmtValue(v, k)}`).join(" ")
              : "-";
        const s = standing.get(study)!.get(trial.index);
        const params = Object.entries(trial.params)
          .map(([k, v]) => `${k}=${fmtParam(v)}`)
          .join(" ");
        rows.push([
          ...(studies.length > 1 ? [study.slice(0, 8)] : []),
          String(trial.index),
          trialStatusText(trial),
          ...(several ? keys.map((k) => fmtValue(trial.values[k], k)) : [value]),
          ...(several ? [s?.picked ? "picked" : s?.front ? "front" : ""] : [s?.picked ? "*" : ""]),
          trial.durationMs === undefined ? "-" : `${(trial.durationMs / 1000).toFixed(2)}s`,
          params + (trial.error ? `  (${trial.error})` : ""),
        ]);
      }
      process.stdout.write(table(rows));
      if (hidden.size)
        process.stdout.write(
          `(${hidden.size} earlier stud${hidden.size === 1 ? "y" : "ies"} of other configurations hidden; --all shows them)\n`,
        );
      const picked = studies.flatMap((s) =>
        [...standing.get(s)!.entries()].filter(([, st]) => st.picked).map(([i]) => ({ s, i })),
      );
      if (several) {
        for (const { s, i } of picked) {
          const obj = objectives.get(s)!;
          if (obj.targets.length < 2) continue;
          const n = [...standing.get(s)!.values()].filter((st) => st.front).length;
          process.stdout.write(
            `\n${studies.length > 1 ? `study ${s.slice(0, 8)}: ` : ""}Pareto front of ${n} trial${n === 1 ? "" : "s"} over ${obj.targets.map((t) => `${t.direction}(${t.metric})`).join(", ")}; picked trial ${i} by ${obj.pick?.kind ?? "first"}\n`,
          );
        }
      }
    });
}
