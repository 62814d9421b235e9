// Which of a candidate's rows the champion never saw: rows whose identity (the split's row key, or
// their content in the columns both tables share) is in neither the champion's train nor its valid
// part. Gates and reports compare with the champion on these rows only, and say how many they used.
import type { ColumnTable } from "arquero";
import { rowHashes, type RowIdentity } from "../../data/splits/row-hash.js";
import { loadTable } from "../../data/table-artifact.js";
import type { ArtifactAccess } from "../../ir/executor.js";
import type { ModelVersion } from "../../registry/model-registry.js";

export interface ChampionRows {
  /** Rows of the candidate's table to compare on, ascending; all rows when nothing overlaps. */
  keep: Int32Array;
  /** Rows left out: the champion trained or validated on them. */
  overlap: number;
  /** False when the champion recorded no training rows, so overlap could not be checked. */
  checked: boolean;
  /** One line for the gate output and the report. */
  note: string;
}

const IDENTITY_SEED = 0;
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const fmt = (n: number) => n.toLocaleString("en-US");

/** The rows of `table` (a `part` of the candidate) that champion version `c` never trained or validated on. */
export async function rowsUnseenByChampion(
  artifacts: ArtifactAccess,
  c: ModelVersion,
  table: ColumnTable,
  part: string,
  rowKey: string | undefined,
): Promise<ChampionRows> {
  const n = table.numRows();
  const seenHashes = [c.artifacts.train_table, c.artifacts.valid_table].filter(
    (h): h is string => h !== undefined,
  );
  const unchecked = (why: string): ChampionRows => ({
    keep: all(n),
    overlap: 0,
    checked: false,
    note: `champion comparison on ${part}: all ${fmt(n)} rows; ${why}, so rows it trained on may be included`,
  });
  if (seenHashes.length === 0) return unchecked(`champion version ${c.version} recorded no training rows`);
  const seen: ColumnTable[] = [];
  for (const h of seenHashes) {
    if (!(await artifacts.has(h))) return unchecked(`champion version ${c.version}'s training rows are gone`);
    seen.push(await loadTable(artifacts, h));
  }
  const shared = (t: ColumnTable) => new Set(t.columnNames());
  const identity: RowIdentity | undefined =
    rowKey !== undefined && seen.every((t) => shared(t).has(rowKey)) && shared(table).has(rowKey)
      ? { key: rowKey }
      : (() => {
          const common = table.columnNames().filter((col) => seen.every((t) => shared(t).has(col)));
          return common.length ? { content: common.sort() } : undefined;
        })();
  if (!identity) return unchecked(`its rows share no column with these`);
  const known = new Set<number>();
  for (const t of seen) for (const h of rowHashes(t, identity, IDENTITY_SEED)) known.add(h);
  const mine = rowHashes(table, identity, IDENTITY_SEED);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!known.has(mine[i]!)) keep.push(i);
  const overlap = n - keep.length;
  const by = "key" in identity ? `by key \`${identity.key}\`` : "by content";
  return {
    keep: Int32Array.from(keep),
    overlap,
    checked: true,
    note:
      overlap === 0
        ? `champion comparison on ${part}: all ${fmt(n)} rows (none was in champion version ${c.version}'s train or valid part, matched ${by})`
        : `champion comparison on ${part}: ${fmt(keep.length)} of ${fmt(n)} rows; ${fmt(overlap)} were in champion version ${c.version}'s train or valid part (matched ${by}) and are left out, for both models`,
  };
}
