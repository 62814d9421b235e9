// `mlc models list|show|promote|demote`: the model registry from the command line. Every alias
// change is recorded with its reason (the audit trail `models show` prints); serving follows the champion.
import type { Command } from "commander";
import { resolve } from "node:path";
import {
  ALIASES,
  ModelRegistry,
  parseModelRef,
  type Alias,
  type ModelVersion,
} from "../../registry/model-registry.js";
import { syncProjectDeployments } from "../../runtime/shared-deployments.js";
import { applyServingMoves, planServingMove, ServingSyncError } from "../../serve/serving-sync.js";
import { referenceProfileSummary } from "../../runtime/monitor/run-monitor.js";
import { openState } from "../../runtime/state/open.js";
import type { StateStore } from "../../ir/state-store.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson } from "../json-output.js";

async function withRegistry<T>(
  dir: string,
  fn: (reg: ModelRegistry, state: StateStore) => Promise<T>,
): Promise<T> {
  const state = await openState(resolve(dir));
  try {
    return await fn(new ModelRegistry(state), state);
  } finally {
    await state.close();
  }
}

function ref(text: string): ReturnType<typeof parseModelRef> {
  try {
    return parseModelRef(text);
  } catch (e) {
    throw new CliExit(2, `mlc models: ${(e as Error).message}`);
  }
}

async function resolveVersion(reg: ModelRegistry, text: string): Promise<ModelVersion> {
  const r = ref(text);
  const v =
    r.version !== undefined
      ? await reg.version(r.model, r.version)
      : r.alias
        ? await reg.alias(r.model, r.alias)
        : (await reg.versions(r.model)).at(-1);
  if (!v) {
    const known = await reg.models();
    throw new CliExit(
      1,
      `mlc models: no such model version '${text}'${known.length ? ` (models: ${known.join(", ")})` : " (the registry is empty: run mlc apply first)"}`,
    );
  }
  return v;
}

const fmtMetric = (m: Record<string, number>, key: string) =>
  m[key] === undefined ? "-" : m[key]!.toFixed(4);

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

function headlineMetric(versions: ModelVersion[]): string | undefined {
  const keys = new Set(versions.flatMap((v) => Object.keys(v.metrics)));
  return (
    ["test.auc", "test.rmse", "test.accuracy", "test.ndcg", "test.r2"].find((k) => keys.has(k)) ??
    [...keys].find((k) => k.startsWith("test."))
  );
}

export function register(program: Command): void {
  const models = program
    .command("models")
    .description("inspect the model registry and move the champion/challenger aliases");

  withProjectDir(
    models.command("list").description("every model with its versions, aliases and headline metric"),
  )
    .option("--json", "print JSON")
    .action(async (_dir: string, flags: { dir: string; json?: boolean }) => {
      await withRegistry(flags.dir, async (reg) => {
        const out: {
          model: string;
          version: number;
          aliases: Alias[];
          metrics: Record<string, number>;
          created: string;
        }[] = [];
        for (const model of await reg.models()) {
          const aliases = new Map<number, Alias[]>();
          for (const a of ALIASES) {
            const v = await reg.alias(model, a);
            if (v) aliases.set(v.version, [...(aliases.get(v.version) ?? []), a]);
          }
          for (const v of await reg.versions(model))
            out.push({
              model,
              version: v.version,
              aliases: aliases.get(v.version) ?? [],
              metrics: v.metrics,
              created: v.created,
            });
        }
        if (flags.json) return void printJson(out);
        if (!out.length)
          return void process.stdout.write("No model versions yet: run `mlc apply` to train one.\n");
        const metric = headlineMetric(out.map((o) => ({ metrics: o.metrics }) as ModelVersion)) ?? "";
        const rows = [["MODEL", "VERSION", "ALIASES", metric.toUpperCase() || "METRIC", "CREATED"]];
        for (const o of out)
          rows.push([
            o.model,
            String(o.version),
            o.aliases.join(",") || "-",
            fmtMetric(o.metrics, metric),
            o.created,
          ]);
        process.stdout.write(table(rows));
      });
    });

  withProjectDir(
    models
      .command("show")
      .description(
        "one version (NAME, NAME@VERSION or NAME@ALIAS): artifacts, metrics, gates, and the alias audit trail",
      )
      .argument("<model>", "NAME[@VERSION|@champion|@challenger]"),
  )
    .option("--json", "print JSON")
    .action(async (text: string, _dir: string, flags: { dir: string; json?: boolean }) => {
      await withRegistry(flags.dir, async (reg) => {
        const v = await resolveVersion(reg, text);
        const history = await reg.history(v.model);
        if (flags.json) return void printJson({ ...v, alias_history: history });
        const lines = [
          `${v.model} version ${v.version} (${v.algorithm}), created ${v.created}`,
          `  run ${v.runId}${v.specCommit ? `, spec commit ${v.specCommit}` : ""}`,
        ];
        lines.push("  metrics:");
        // long keys (`baseline.test.popularity_bias.lower`) widen the column rather than touch the value
        const width = Math.max(24, ...Object.keys(v.metrics).map((k) => k.length));
        for (const k of Object.keys(v.metrics).sort())
          lines.push(`    ${k.padEnd(width)} ${v.metrics[k]!.toFixed(6)}`);
        lines.push("  artifacts:");
        for (const [role, hash] of Object.entries(v.artifacts).sort())
          lines.push(`    ${role.padEnd(24)} ${hash}`);
        if (v.artifacts.reference_profile) {
          const profile = await referenceProfileSummary(resolve(flags.dir), v.artifacts.reference_profile);
          if (profile) lines.push(`  reference profile (what mlc monitor compares the log with): ${profile}`);
        }
        const gates = Object.entries(v.gates);
        if (gates.length) {
          lines.push("  gates:");
          for (const [g, r] of gates)
            lines.push(`    ${g.padEnd(24)} ${r.passed ? "PASS" : "FAIL"} at ${r.at}`);
        }
        if (history.length) {
          lines.push("  alias history:");
          for (const e of history)
            lines.push(`    ${e.at}  ${e.alias}: ${e.previous ?? "-"} → ${e.version ?? "-"}  (${e.reason})`);
        }
        process.stdout.write(lines.join("\n") + "\n");
      });
    });

  for (const [verb, doc] of [
    ["promote", "point an alias (default champion) at a version"],
    ["demote", "remove an alias (default champion) from a model"],
  ] as const) {
    withProjectDir(
      models
        .command(verb)
        .description(doc)
        .argument("<model>", verb === "promote" ? "NAME@VERSION (or NAME for the newest version)" : "NAME"),
    )
      .option("--alias <alias>", `${ALIASES.join(" or ")}`, "champion")
      .option("--reason <text>", "why, for the audit trail", `mlc models ${verb} by user`)
      .option("--json", "print JSON: model, alias, from, to, deployments [{deployment, from, to}]")
      .action(
        async (
          text: string,
          _dir: string,
          flags: { dir: string; alias: string; reason: string; json?: boolean },
        ) => {
          if (!(ALIASES as readonly string[]).includes(flags.alias))
            throw new CliExit(2, `mlc models ${verb}: --alias must be one of ${ALIASES.join(", ")}`);
          const alias = flags.alias as Alias;
          const projectDir = resolve(flags.dir);
          // Serving follows the champion: every deployment of the model moves with it, or nothing moves.
          const servingMoves = (model: string, version: number | null) => {
            try {
              return planServingMove(projectDir, model, alias, version);
            } catch (e) {
              if (e instanceof ServingSyncError) throw new CliExit(1, `mlc models ${verb}: ${e.message}`);
              throw e;
            }
          };
          // With a shared state: start from the pointers other checkouts moved, and share these moves.
          const shareMoves = () =>
            syncProjectDeployments(projectDir, (m) => process.stderr.write(`mlc models ${verb}: ${m}\n`));
          await shareMoves();
          await withRegistry(flags.dir, async (reg) => {
            if (verb === "promote") {
              const v = await resolveVersion(reg, text);
              const moves = servingMoves(v.model, v.version);
              const e = await reg.setAlias(v.model, alias, v.version, flags.reason);
              applyServingMoves(projectDir, moves, flags.reason);
              if (moves.length) await shareMoves();
              if (flags.json) {
                const deployments = moves.map((m) => ({ deployment: m.name, from: m.from, to: v.version }));
                const json = { model: v.model, alias, from: e.previous ?? null, to: v.version, deployments };
                return void printJson(json);
              }
              process.stdout.write(`${v.model}: ${alias} ${e.previous ?? "-"} → ${v.version}\n`);
              for (const m of moves)
                process.stdout.write(
                  `  deployment ${m.name} now serves version ${v.version} (was ${m.from})\n`,
                );
            } else {
              const { model } = ref(text);
              const current = await reg.alias(model, alias);
              if (!current) throw new CliExit(1, `mlc models demote: ${model} has no ${alias}`);
              servingMoves(model, null);
              await reg.setAlias(model, alias, null, flags.reason);
              if (flags.json) {
                const json = { model, alias, from: current.version, to: null, deployments: [] };
                return void printJson(json);
              }
              process.stdout.write(`${model}: ${alias} ${current.version} → -\n`);
            }
          });
        },
      );
  }
}
