// `mlc report MODEL[@VERSION]`: writes the report stored with a model version (plus its version and
// gate results from the registry) to `.mlc/reports/<model>/v<N>/` (or --out) and prints where it is.
import type { Command } from "commander";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  REPORT_FAIRNESS_PICK,
  renderReportHtml,
  REPORT_VERSION,
  type FairnessSection,
  type ReportJson,
} from "../../ml/report/index.js";
import { openArtifacts, type ArtifactStore } from "../../runtime/artifacts/store.js";
import { decodeGateResults } from "../../kinds/gate/results.js";
import { ModelRegistry, parseModelRef, type ModelVersion } from "../../registry/model-registry.js";
import { openState, stateDir } from "../../runtime/state/open.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { printJson, toJsonContract } from "../json-output.js";
import { jsonText } from "../../ir/json-text.js";

/** The version named by NAME, NAME@N or NAME@ALIAS (NAME alone: the newest version). */
export async function resolveModelVersion(dir: string, text: string, command: string): Promise<ModelVersion> {
  let ref: ReturnType<typeof parseModelRef>;
  try {
    ref = parseModelRef(text);
  } catch (e) {
    throw new CliExit(2, `mlc ${command}: ${(e as Error).message}`);
  }
  const state = await openState(dir);
  try {
    const reg = new ModelRegistry(state);
    const v =
      ref.version !== undefined
        ? await reg.version(ref.model, ref.version)
        : ref.alias
          ? await reg.alias(ref.model, ref.alias)
          : (await reg.versions(ref.model)).at(-1);
    if (!v) {
      const known = await reg.models();
      throw new CliExit(
        1,
        `mlc ${command}: no such model version '${text}'${known.length ? ` (models: ${known.join(", ")})` : " (the registry is empty: run mlc apply first)"}`,
      );
    }
    return v;
  } finally {
    await state.close();
  }
}

/** An artifact of a version, hash-checked, or a clear error naming what is missing. */
export async function versionArtifact(
  store: ArtifactStore,
  v: ModelVersion,
  role: string,
  command: string,
): Promise<Uint8Array> {
  const hash = v.artifacts[role];
  if (!hash)
    throw new CliExit(
      1,
      `mlc ${command}: ${v.model} version ${v.version} has no ${role} artifact (it was trained before mlc recorded it): retrain it with mlc apply --replace model.${v.model}`,
    );
  try {
    return await store.get(hash);
  } catch (e) {
    throw new CliExit(
      1,
      `mlc ${command}: the ${role} artifact of ${v.model} version ${v.version} cannot be read: ${(e as Error).message}`,
    );
  }
}

/** Version 1 held one fairness table (the report's own pick); version 2 holds a list. */
type ReportV1 = Omit<ReportJson, "version" | "fairness"> & {
  version: 1;
  fairness?: Omit<FairnessSection, "source">;
};

export function upgradeReport(r: ReportJson | ReportV1): ReportJson {
  if (r.version !== 1) return r;
  const { fairness, ...rest } = r;
  return {
    ...rest,
    version: REPORT_VERSION,
    ...(fairness ? { fairness: [{ ...fairness, source: REPORT_FAIRNESS_PICK }] } : {}),
  };
}

function parseReport(bytes: Uint8Array, v: ModelVersion): ReportJson {
  try {
    const r = upgradeReport(JSON.parse(new TextDecoder().decode(bytes)) as ReportJson | ReportV1);
    if (r.version !== REPORT_VERSION)
      throw new Error(`report format ${String(r.version)}, expected ${REPORT_VERSION}`);
    return r;
  } catch (e) {
    throw new CliExit(
      1,
      `mlc report: the report of ${v.model} version ${v.version} cannot be read: ${(e as Error).message}`,
    );
  }
}

/**
 * The stored report plus what the registry learnt after the model ran: its version number and
 * the results of the gates that checked it (gates run after the model, so the artifact lacks them).
 */
function withRegistryFacts(r: ReportJson, v: ModelVersion): ReportJson {
  const gates = Object.entries(v.gates).map(([name, g]) => ({
    name,
    pass: g.passed,
    assertions: decodeGateResults(g.results).map((a) => {
      const values = Object.entries(a.values ?? {});
      const measured =
        values.length === 1
          ? values[0]![1]
          : values.length
            ? values.map(([k, x]) => `${k} = ${Number(x.toPrecision(6))}`).join(", ")
            : null;
      return { text: a.text, measured, pass: a.passed, ...(a.note ? { note: a.note } : {}) };
    }),
  }));
  // The gates' own group columns come first; the report's pick stays when no gate measured it.
  const measured = Object.entries(v.gates).flatMap(([name, g]) =>
    decodeGateResults(g.results).flatMap((a) =>
      (a.fairness ?? []).map((f) => ({ ...f, source: `gate ${name}` })),
    ),
  );
  const seen = new Set<string>();
  const fairness = [...measured, ...(r.fairness ?? [])].filter((f) => {
    const key = `${f.split}\u0000${f.by}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    ...r,
    model: { ...r.model, version: v.version },
    ...(gates.length ? { gates } : {}),
    ...(fairness.length ? { fairness } : {}),
  };
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

export function register(program: Command): void {
  withProjectDir(
    program
      .command("report")
      .description("write the report of a model version (report.html, report.json) and print where it is")
      .argument("<model>", "NAME[@VERSION|@champion|@challenger] (default: the newest version)"),
  )
    .option("--out <file>", "write report.html here instead of .mlc/reports/<model>/v<N>/")
    .option("--json", "print report.json")
    .action(async (text: string, _dir: string, flags: { dir: string; out?: string; json?: boolean }) => {
      const dir = resolve(flags.dir);
      const v = await resolveModelVersion(dir, text, "report");
      const store = openArtifacts(dir);
      const report = withRegistryFacts(
        parseReport(await versionArtifact(store, v, "report_json", "report"), v),
        v,
      );
      // report.json beside the HTML and --json follow the JSON output contract (snake_case keys)
      if (flags.json) return void printJson(report);
      const json = new TextEncoder().encode(jsonText(toJsonContract(report), 2) + "\n");
      const target = flags.out
        ? resolve(flags.out)
        : join(stateDir(dir), "reports", v.model, `v${v.version}`, "report.html");
      writeAtomic(target, new TextEncoder().encode(await renderReportHtml(report)));
      if (!flags.out) writeAtomic(join(dirname(target), "report.json"), json);
      process.stdout.write(`${target}\n`);
    });
}
