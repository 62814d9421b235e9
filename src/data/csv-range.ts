// Feeds a byte range of a CSV file through a RecordParser in large chunks: the reader's own range
// and each worker's (csv-worker.ts). A range that is cut short must end exactly at a record end.
import type { FileHandle } from "node:fs/promises";
import type { RecordParser } from "./csv-parse.js";

/**
 * How a run ended: at the end of the file; at maxRows; at the limit with a record ending
 * exactly there ("boundary"); or at the limit inside a record ("no-boundary", e.g. a quoted
 * newline: the feed can go on past the limit with another run).
 */
type FeedEnd = "eof" | "stopped" | "boundary" | "no-boundary";

/** Bytes parsed before the columns are sized for the whole range (RangeFeed.run). */
const SIZING_BYTES = 256 << 10;

export class RangeFeed {
  /** buf[0, have) holds bytes not parsed yet; they end at file position `pos`. `size`: the file's. */
  constructor(
    private readonly fh: FileHandle,
    private buf: Buffer,
    private have: number,
    private pos: number,
    private readonly size: number,
  ) {}

  /**
   * Parses from where the last run stopped to the end of the file or to `limit`. After the first
   * chunk the columns are sized for the rows likely found up to `sizeFor` (default: the end of
   * this run), so they are not regrown and copied over and over.
   */
  async run(parser: RecordParser, limit?: number, sizeFor?: number): Promise<FeedEnd> {
    const base = this.pos - this.have,
      rows0 = parser.rows,
      rangeEnd = Math.min(sizeFor ?? limit ?? this.size, this.size);
    let sized = false;
    /** Sizes the columns once rows were parsed, from the bytes they took (buffer offset `consumed`). */
    const sizeColumns = (total: number, consumed: number): void => {
      if (sized || parser.rows === rows0) return;
      sized = true;
      const parsed = this.pos - total + consumed - base;
      if (parsed > 0)
        parser.reserve(
          Math.min(parser.maxRows, rows0 + ((parser.rows - rows0) * (rangeEnd - base) * 1.02) / parsed),
        );
    };
    for (;;) {
      if (this.have === this.buf.length) {
        const g = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(g, 0, 0, this.have);
        this.buf = g;
      }
      let want = this.buf.length - this.have;
      if (limit !== undefined) want = Math.max(0, Math.min(want, limit - this.pos));
      const bytesRead = want > 0 ? (await this.fh.read(this.buf, this.have, want, this.pos)).bytesRead : 0;
      this.pos += bytesRead;
      // The buffer may already hold bytes past the limit (read with the header): they wait.
      const total = this.have + bytesRead;
      const end = limit === undefined ? total : total - Math.max(0, this.pos - limit);
      const atLimit = limit !== undefined && this.pos >= limit;
      const eof = bytesRead === 0 && !atLimit;
      // The first SIZING_BYTES are parsed alone: the columns are then sized before they have
      // doubled their way up through the rest of the first chunk.
      let from = 0;
      if (!sized && parser.maxRows === Infinity && end > 2 * SIZING_BYTES) {
        from = parser.parse(this.buf, 0, SIZING_BYTES, false);
        sizeColumns(total, from);
      }
      const next = parser.parse(this.buf, from, end, eof);
      sizeColumns(total, next);
      if (parser.rows >= parser.maxRows && (!eof || parser.stoppedAt < end)) return "stopped";
      if (eof) return "eof";
      this.buf.copy(this.buf, 0, next, total);
      this.have = total - next;
      if (atLimit) return next === end ? "boundary" : "no-boundary";
    }
  }
}
