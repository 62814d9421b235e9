// `source`: where rows come from (a file, a glob of files, or a database query), with declared
// column types and data expectations.
import { isAbsolute, normalize } from "node:path";
import { CheckCode } from "../../compiler/checker/codes.js";
import { checkDataFileExists } from "../../compiler/checker/data-file.js";
import { columnSchemaBlock } from "../../compiler/schema/nested/column-schema.js";
import { expectBlock, warnBlock } from "../../compiler/schema/nested/expectations.js";
import type { BlockKindSchema } from "../../compiler/schema/types.js";
import { d, t } from "../../compiler/schema/type-builders.js";

export const sourceLanguage: BlockKindSchema = {
  kind: "source",
  doc: "A table of rows: a file (CSV, Parquet, JSON lines, or a glob of partitioned files), a database query, or the labels reviewers gave a deployment's flagged events (`review = DEPLOYMENT`). Its fingerprint includes the content hash of its data (or its `version`).",
  name: "required",
  table: "declared",
  readsFiles: true,
  attributes: [
    {
      name: "file",
      type: t.string(),
      required: false,
      doc: "a file or glob relative to the project (`data/churn.csv`, `data/events/*.parquet`); exactly one of `file`, `connection` and `review`",
    },
    {
      name: "connection",
      type: t.call("connection"),
      required: false,
      doc: 'a database: `sqlite { path = … }` or `postgres { url = env("PG_URL") }`',
    },
    {
      name: "review",
      type: t.weakRef("deploy"),
      required: false,
      doc: "the reviewed events of an anomaly deployment (`mlc review`, the /review page): one row per labelled event with `event_id`, `label` (`anomaly`/`normal`), `anomaly` (bool), `note`, `reviewer`, `reviewed_at`, `model_version`, `score`, `threshold`, `flagged_at` and the event's fields; its fingerprint changes with every new label. It names the deployment without depending on it (no graph edge): see specs/review.md",
    },
    {
      name: "query",
      type: t.string(),
      required: false,
      doc: "the SQL query of a database source (required with `connection`)",
    },
    {
      name: "format",
      type: t.enum("csv", "parquet", "jsonl"),
      required: false,
      doc: "the file format; default from the file extension",
    },
    {
      name: "delimiter",
      type: t.string(),
      required: false,
      default: d.string(","),
      doc: "the field separator of a CSV file",
    },
    {
      name: "nulls",
      type: t.list(t.string()),
      required: false,
      doc: 'the texts of a CSV file read as a missing value in every column, e.g. `nulls = ["", "NA", "N/A", "-"]`. An empty field is always null. Without `nulls`, `NA`, `N/A`, `NaN`, `nan`, `null` and `NULL` are null in int, float, bool and timestamp columns and kept as text in string and category columns; see specs/data-rules.md',
    },
    {
      name: "encoding",
      type: t.enum("utf-8", "latin1"),
      required: false,
      default: d.string("utf-8"),
      doc: "the text encoding of a CSV or JSON-lines file: `utf-8` (bytes that are not UTF-8 are an error) or `latin1` (ISO-8859-1, each byte one character); see specs/data-rules.md",
    },
    {
      name: "key",
      type: t.column(),
      required: false,
      doc: "the column identifying an entity (checked unique by `expect { unique(key) }` if you ask)",
    },
    {
      name: "timestamp",
      type: t.column(),
      required: false,
      doc: "the event-time column, used by window aggregations and temporal splits",
    },
    {
      name: "version",
      type: t.expr("any", "expect"),
      required: false,
      doc: "a watermark used instead of hashing the data (`max(updated_at)`)",
    },
  ],
  nested: [columnSchemaBlock, expectBlock, warnBlock],
  check(ctx) {
    const file = ctx.attribute("file");
    const conn = ctx.attribute("connection");
    const query = ctx.attribute("query");
    const review = ctx.attribute("review");
    if (review && (file || conn)) {
      ctx.report(
        CheckCode.conflictingAttributes,
        review.span,
        "a source reads a `file`, a `connection` or a deployment's `review` labels, only one of them",
        { related: [{ message: "also set here", span: (file ?? conn)!.span }] },
      );
    } else if (review) {
      checkReviewedDeployment(ctx, review);
      for (const other of ["query", "format", "delimiter", "nulls", "encoding", "version"] as const) {
        const a = ctx.written(other) ? ctx.attribute(other) : undefined;
        if (a)
          ctx.report(
            CheckCode.conflictingAttributes,
            a.span,
            `\`${other}\` does not apply to a review source (its rows come from the review queue)`,
          );
      }
      return;
    }
    if (file && conn) {
      ctx.report(
        CheckCode.conflictingAttributes,
        conn.span,
        "a source reads either a `file` or a `connection`, not both",
        {
          related: [{ message: "`file` is set here", span: file.span }],
        },
      );
    } else if (!file && !conn) {
      ctx.report(
        CheckCode.missingAttribute,
        ctx.block.nameSpan ?? ctx.block.kindSpan,
        `source \`${ctx.name}\` needs \`file = "…"\`, \`connection = …\` or \`review = DEPLOYMENT\``,
        {
          hint: 'add `file = "data/NAME.csv"`',
        },
      );
    }
    if (conn && !query) {
      ctx.report(CheckCode.missingAttribute, conn.span, 'a database source needs `query = "select …"`');
    }
    const encoding = ctx.written("encoding") ? ctx.attribute("encoding") : undefined;
    const format = ctx.attribute("format");
    const parquet =
      format?.type === "string"
        ? format.value === "parquet"
        : format?.type === "ref"
          ? format.path[0] === "parquet"
          : file?.type === "string" && /\.(parquet|pq)$/i.test(file.value);
    if (encoding && (conn || parquet)) {
      ctx.report(
        CheckCode.conflictingAttributes,
        encoding.span,
        "`encoding` applies to CSV and JSON-lines files only",
      );
    }
    const nulls = ctx.written("nulls") ? ctx.attribute("nulls") : undefined;
    const jsonLines =
      format?.type === "string"
        ? format.value === "jsonl"
        : format?.type === "ref"
          ? format.path[0] === "jsonl"
          : file?.type === "string" && /\.(jsonl|ndjson|json)$/i.test(file.value);
    if (nulls && (conn || parquet || jsonLines)) {
      ctx.report(
        CheckCode.conflictingAttributes,
        nulls.span,
        "`nulls` applies to CSV files only (Parquet, JSON lines and databases have their own nulls)",
      );
    }
    if (file && query) {
      ctx.report(
        CheckCode.conflictingAttributes,
        query.span,
        "`query` applies to database sources only; this source reads a file",
      );
    }
    if (file?.type === "string" && !projectAllowsOutside(ctx)) {
      const p = file.value;
      const outside = isAbsolute(p) || normalize(p).split(/[\\/]/)[0] === "..";
      if (!outside) checkDataFileExists(ctx, file);
      if (outside) {
        ctx.report(
          CheckCode.pathOutsideProject,
          file.span,
          `the path \`${p}\` leaves the project directory`,
          {
            hint: "copy the data into the project, or set `allow_outside_paths = true` in the `project` block",
          },
        );
      }
    }
  },
};

type CheckContext = Parameters<NonNullable<BlockKindSchema["check"]>>[0];

/** Only an anomaly deployment flags events for review: another task would give a source that stays empty. */
function checkReviewedDeployment(
  ctx: CheckContext,
  review: NonNullable<ReturnType<CheckContext["attribute"]>>,
): void {
  const name = ctx.refName(review);
  const deploy = name === undefined ? undefined : ctx.lookup(name);
  if (deploy?.kind !== "deploy") return;
  const attr = deploy.body.find((i) => i.type === "attribute" && i.name === "model");
  const model = attr?.type === "attribute" ? ctx.refName(attr.value) : undefined;
  const task = model === undefined ? undefined : ctx.taskOf(model);
  if (task && task.task !== "detect_anomalies")
    ctx.report(
      CheckCode.valueNotAllowed,
      review.span,
      `deploy \`${name}\` serves \`${model}\`, a \`${task.task}\` model: only anomaly deployments (\`detect_anomalies\`) flag events for review`,
    );
}

function projectAllowsOutside(
  ctx: Parameters<NonNullable<import("../../compiler/schema/types.js").BlockKindSchema["check"]>>[0],
): boolean {
  for (const p of ctx.blocksOfKind("project")) {
    for (const item of p.body) {
      if (item.type === "attribute" && item.name === "allow_outside_paths" && item.value.type === "bool")
        return item.value.value;
    }
  }
  return false;
}
