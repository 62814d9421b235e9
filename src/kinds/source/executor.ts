// Executor for `source` nodes: reads the rows (file, glob, SQLite, PostgreSQL, or a deployment's
// reviewed events from the state) with the declared schema, checks `expect` (fails the node) and
// `warn` (recorded), and stores the table artifact.
import {
  type ExpectationResult,
  checkExpectations,
  describeFailure,
} from "../../data/expectations/evaluate.js";
import { closest as closestName } from "../../ir/did-you-mean.js";
import { loadSource, sourceFingerprint } from "../../data/source-load.js";
import { readSourceSpec } from "../../data/source-spec.js";
import { saveTable } from "../../data/table-artifact.js";
import type { LoadedTable } from "../../data/values-table.js";
import { loadReviewSource, reviewFingerprint } from "./review-source.js";
import type { Json } from "../../ir/graph-ir.js";
import { NodeFailure, type Executor } from "../../ir/executor.js";

const asJson = (r: ExpectationResult): Json => JSON.parse(JSON.stringify(r)) as Json;

export const sourceExecutor: Executor = {
  kind: "source",
  version: "1",
  async dataFingerprint(node, projectDir, cache, records) {
    const spec = readSourceSpec(node.config);
    if (spec.location.kind === "review") return reviewFingerprint(spec, records);
    return sourceFingerprint(spec, projectDir, cache);
  },
  async run(ctx) {
    const spec = readSourceSpec(ctx.node.config);
    let loaded: LoadedTable & { files: string[] };
    if (spec.location.kind === "review") {
      const r = await loadReviewSource(spec, ctx.state?.records);
      loaded = { ...r, files: [] };
      ctx.log(`read ${r.events} reviewed event${r.events === 1 ? "" : "s"} of ${spec.location.deployment}`);
    } else {
      loaded = await loadSource(spec, ctx.projectDir);
      const t = loaded.table;
      ctx.log(
        `read ${t.numRows()} rows × ${t.numCols()} columns${loaded.files.length > 1 ? ` from ${loaded.files.length} files` : ""}`,
      );
    }
    const t = loaded.table;
    for (const c of [spec.key, spec.timestamp]) {
      if (c !== undefined && !t.columnNames().includes(c)) {
        const near = closestName(c, t.columnNames());
        throw new NodeFailure(`${ctx.node.id}: column \`${c}\` (key/timestamp) is not in the data`, {
          code: "MLC2103",
          ...(near ? { hint: `did you mean \`${near}\`?` } : {}),
          details: { column: c },
        });
      }
    }
    const results = [
      ...checkExpectations(t, spec.expect, "error"),
      ...checkExpectations(t, spec.warn, "warning"),
    ];
    const failed = results.filter((r) => !r.passed && r.severity === "error");
    for (const w of results.filter((r) => !r.passed && r.severity === "warning"))
      ctx.log(`warning: ${describeFailure(w)}`);
    const summary = {
      schema: loaded.schema.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
        declared: spec.declared.some((d) => d.name === c.name),
      })),
      expectations: results.map(asJson),
      files: loaded.files,
    };
    if (failed.length) {
      const lines = failed.map((r) => `  ${describeFailure(r)}`).join("\n");
      throw new NodeFailure(
        `${ctx.node.id}: ${failed.length} expectation${failed.length > 1 ? "s" : ""} failed:\n${lines}`,
        {
          code: "MLC2105",
          hint: "fix the data, or move the expectation into `warn { … }` to log it without failing",
          details: summary as unknown as { [key: string]: Json },
        },
      );
    }
    const table = await saveTable(ctx.artifacts, t);
    return {
      artifacts: { table },
      metrics: {
        rows: t.numRows(),
        columns: t.numCols(),
        expectations_failed: 0,
        warnings: results.filter((r) => !r.passed).length,
      },
      summary: summary as unknown as { [key: string]: Json },
    };
  },
};
