// Which field texts of a CSV file are read as null (specs/data-rules.md, "Missing values"): an empty
// field always; by default also NA, N/A, NaN, nan, null and NULL in a column typed int, float, bool or
// timestamp (where they cannot be a value), but not in string and category columns, where "NA" may
// be a value (North America). A source's `nulls = ["NA", "-"]` replaces the default: exactly those
// texts are null in every column, of every type. The parser matches them on the field's bytes.
import type { ColumnType } from "./column-type.js";

/** The texts read as null by default in int, float, bool and timestamp columns (besides ""). */
export const DEFAULT_NULLS: readonly string[] = ["NA", "N/A", "NaN", "nan", "null", "NULL"];

/**
 * The texts (other than "") read as null in a column of `type` (undefined: a column whose type
 * is inferred, read as text first), given the source's declared `nulls` (undefined: the default).
 */
export function nullTokensFor(
  type: ColumnType | undefined,
  declared: readonly string[] | undefined,
): string[] {
  if (declared) return [...new Set(declared.filter((t) => t !== ""))];
  return type === undefined || type === "string" || type === "category" ? [] : [...DEFAULT_NULLS];
}

/** Byte-level matcher of a column's null texts. */
export class NullTokens {
  private readonly bytes: Buffer[];
  constructor(
    readonly texts: readonly string[],
    enc: BufferEncoding,
  ) {
    this.bytes = texts.map((t) => Buffer.from(t, enc));
  }
  /** Whether the field's bytes [s, e) are one of the texts. */
  has(b: Buffer, s: number, e: number): boolean {
    const len = e - s;
    for (const t of this.bytes) if (t.length === len && b.compare(t, 0, len, s, e) === 0) return true;
    return false;
  }
}
