// The point-in-time joins of a features block (`join { table = … }`) as the checker sees them:
// which columns each brings in under which names, and the diagnostics that make a join unsound.
import type { Block } from "../ast.js";
import type { Span } from "../../ir/span.js";
import { article } from "../resolve.js";
import { CheckCode } from "./codes.js";
import { didYouMean } from "../../ir/did-you-mean.js";
import type { Sink } from "./sink.js";
import { tableRole } from "../schema/registry.js";
import type { TableRole } from "../schema/types.js";
import { attributeOf, nestedAll, plainRef, type CheckState, type ColumnInfo } from "./state.js";

interface JoinedColumn {
  /** Its name in the joining block: the prefix and the joined table's column name. */
  name: string;
  /** The column of the joined table. */
  column: string;
  /** The column as the joined table provides it (type, origin). */
  info: ColumnInfo;
  /** Where a problem with it is reported: its `columns` entry, or the `table` value. */
  span: Span;
}

export interface JoinInfo {
  ast: Block;
  /** The joined block, when the `table` value names an existing source or features block. */
  table?: string;
  tableSpan: Span;
  /** The joined table's entity key (absent: the join matches on time only) and event time. */
  key?: { column: string; block: string };
  time?: { column: string; block: string };
  prefix: string;
  prefixSpan?: Span;
  columns: JoinedColumn[];
  /** The joined table declares no schema and no `columns` are listed: known only when it runs. */
  open: boolean;
}

/** Tables a join can read: declared (sources) and computed (features blocks), not partitioned ones. */
const JOINABLE = new Set<TableRole | undefined>(["declared", "computed"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The joins of features block `name`, in source order (see CheckState.joinsOf, which memoises). */
export function readJoins(st: CheckState, name: string): JoinInfo[] {
  const b = st.block(name);
  if (!b || tableRole(b.kind) !== "computed") return [];
  const out: JoinInfo[] = [];
  for (const item of nestedAll(b, "join")) {
    const tableExpr = attributeOf(item, "table")?.value;
    const prefixExpr = attributeOf(item, "prefix")?.value;
    const prefix = prefixExpr?.type === "string" ? prefixExpr.value : "";
    const info: JoinInfo = {
      ast: item,
      tableSpan: tableExpr?.span ?? item.kindSpan,
      prefix,
      columns: [],
      open: false,
    };
    if (prefixExpr) info.prefixSpan = prefixExpr.span;
    const table = plainRef(tableExpr);
    const target = table !== undefined ? st.block(table) : undefined;
    if (table === undefined || !target || !JOINABLE.has(tableRole(target.kind))) {
      // The table is reported where it is named; its columns are unknown, so the block's
      // expressions accept any name instead of cascading "unknown column" errors.
      info.open = true;
      out.push(info);
      continue;
    }
    info.table = table;
    const key = st.chainColumn(table, "key");
    const time = st.chainColumn(table, "timestamp");
    if (key) info.key = key;
    if (time) info.time = time;
    const cols = st.columnsOf(table);
    const listed = attributeOf(item, "columns")?.value;
    const add = (column: string, span: Span) => {
      const known =
        cols.known.get(column) ??
        (cols.open !== undefined
          ? { name: column, origin: cols.open, type: () => "any" as const }
          : undefined);
      if (known) info.columns.push({ name: prefix + column, column, info: known, span });
    };
    if (listed?.type === "list") {
      for (const e of listed.items) {
        const c = plainRef(e);
        if (c !== undefined) add(c, e.span);
      }
    } else {
      for (const c of cols.known.keys()) if (c !== key?.column && c !== time?.column) add(c, info.tableSpan);
      info.open = cols.open !== undefined;
    }
    out.push(info);
  }
  return out;
}

const kindOf = (st: CheckState, name: string) => st.block(name)?.kind ?? "block";

/**
 * Reports what makes the joins of features block `name` unsound or ambiguous: a joined table or
 * a block without a timestamp, an entity key the input lacks, times of different types, and
 * joined column names that clash. Unknown `columns` entries are reported by the body check.
 */
export function checkJoins(st: CheckState, name: string, sink: Sink): void {
  const joins = st.joinsOf(name);
  if (!joins.length) return;
  const input = st.inputOf(name);
  const inputCols = input !== undefined ? st.columnsOf(input) : undefined;
  const labelTime = st.chainColumn(name, "timestamp");
  if (!labelTime) {
    const first = joins.find((j) => j.table !== undefined);
    if (first) {
      sink.report(
        CheckCode.joinWithoutTimestamp,
        first.ast.kindSpan,
        `features \`${name}\` joins \`${first.table}\` point in time but has no timestamp: its rows have no time to join at`,
        {
          hint: `set \`timestamp = COLUMN\` on \`${name}\`${input !== undefined ? ` or on its input \`${input}\`` : ""}`,
        },
      );
    }
  }
  const taken = new Map<string, string>();
  for (const j of joins) {
    if (j.prefixSpan && j.prefix !== "" && !IDENTIFIER.test(j.prefix)) {
      sink.report(
        CheckCode.valueNotAllowed,
        j.prefixSpan,
        `prefix ${JSON.stringify(j.prefix)} does not make column names: use letters, digits and \`_\`, not starting with a digit`,
      );
    }
    if (j.table === undefined) continue;
    const kind = kindOf(st, j.table);
    if (!j.time) {
      sink.report(
        CheckCode.joinWithoutTimestamp,
        j.tableSpan,
        `${kind} \`${j.table}\` has no timestamp, so it cannot be joined point in time`,
        {
          hint: `set \`timestamp = COLUMN\` on ${kind} \`${j.table}\`: the event time of its rows`,
        },
      );
    } else if (labelTime) {
      const lt = st.columnsOf(labelTime.block).known.get(labelTime.column)?.type();
      const jt = st.columnsOf(j.time.block).known.get(j.time.column)?.type();
      if (lt !== undefined && jt !== undefined && lt !== "any" && jt !== "any" && lt !== jt) {
        sink.report(
          CheckCode.wrongType,
          j.tableSpan,
          `the timestamp \`${j.time.column}\` of \`${j.table}\` is ${article(jt)} ${jt} but the timestamp \`${labelTime.column}\` of \`${name}\` is ${article(lt)} ${lt}: a join compares the two`,
        );
      }
    }
    if (j.key && inputCols && inputCols.open === undefined && !inputCols.known.has(j.key.column)) {
      sink.report(
        CheckCode.unknownColumn,
        j.tableSpan,
        `${kind} \`${j.table}\` is keyed by \`${j.key.column}\`, which \`${input}\` does not have`,
        {
          hint:
            didYouMean(j.key.column, inputCols.known.keys()) ??
            `a join matches rows on the joined table's key: \`${input}\` needs a column \`${j.key.column}\``,
        },
      );
    }
    for (const c of j.columns) {
      const clash = inputCols?.known.has(c.name)
        ? `column \`${c.name}\` of \`${input}\``
        : taken.has(c.name)
          ? `column \`${c.name}\` joined from \`${taken.get(c.name)}\``
          : undefined;
      if (clash === undefined) {
        taken.set(c.name, j.table);
        continue;
      }
      const prefix = `${j.table}_`;
      sink.report(
        CheckCode.joinedColumnClash,
        c.span,
        `joined column \`${c.name}\` of \`${j.table}\` clashes with ${clash}`,
        {
          hint:
            j.prefix === ""
              ? `set \`prefix = "${prefix}"\` on the join (it becomes \`${prefix}${c.column}\`), or list the \`columns\` to bring in`
              : `choose another \`prefix\`, or list the \`columns\` to bring in`,
        },
      );
    }
  }
}
