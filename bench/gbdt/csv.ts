// A fast numeric CSV reader for the GBDT bench and its trainer CLI: reads the file in chunks,
// parses numbers straight from bytes into Float32 columns (empty field = NaN), label first.
import { closeSync, openSync, readSync } from "node:fs";
import type { Matrix } from "../../src/ml/matrix.js";

export interface LabelledData {
  X: Matrix;
  y: Float64Array;
}

const CHUNK = 1 << 24;

const POW10 = Array.from({ length: 23 }, (_, i) => Math.pow(10, i));

/** Reads a numeric CSV whose first column is the label; `header` skips (and names columns from) the first line. */
export function readNumericCsv(path: string, header: boolean): LabelledData {
  // Pass 1: count lines and fields of the first line.
  let lines = 0;
  let lastByte = 10;
  let firstLine = "";
  let firstDone = false;
  {
    const fd = openSync(path, "r");
    const buf = new Uint8Array(CHUNK);
    try {
      for (;;) {
        const len = readSync(fd, buf, 0, CHUNK, null);
        if (len <= 0) break;
        let count = 0;
        for (let i = buf.indexOf(10); i >= 0 && i < len; i = buf.indexOf(10, i + 1)) count++;
        lines += count;
        if (!firstDone) {
          const nl = buf.subarray(0, len).indexOf(10);
          firstLine += new TextDecoder().decode(buf.subarray(0, nl < 0 ? len : nl));
          firstDone = nl >= 0;
        }
        lastByte = buf[len - 1]!;
      }
    } finally {
      closeSync(fd);
    }
  }
  if (lastByte !== 10) lines++;
  const fields = firstLine.replace(/\r$/, "").split(",");
  const nCols = fields.length;
  const nRows = lines - (header ? 1 : 0);
  const names = header
    ? fields.slice(1).map((s) => s.trim())
    : Array.from({ length: nCols - 1 }, (_, j) => `x${j}`);
  const y = new Float64Array(nRows);
  const columns = Array.from({ length: nCols - 1 }, () => new Float32Array(nRows));

  // Pass 2: a byte-level state machine that survives chunk boundaries. All state lives in
  // locals of this function (no closures), which keeps V8's hot loop in registers.
  let row = header ? -1 : 0;
  let col = 0;
  let mant = 0;
  let digits = 0;
  let fracDigits = 0;
  let inFrac = false;
  let neg = false;
  let inExp = false;
  let expNeg = false;
  let exp = 0;
  let bad = false;
  const nFeat = columns.length;
  let target: Float32Array | Float64Array = y;
  const fd = openSync(path, "r");
  const buf = new Uint8Array(CHUNK);
  try {
    for (;;) {
      const len = readSync(fd, buf, 0, CHUNK, null);
      const last = len <= 0;
      const end = last ? (lastByte !== 10 ? 1 : 0) : len;
      if (last && lastByte !== 10) buf[0] = 10;
      for (let i = 0; i < end; i++) {
        const c = buf[i]!;
        if (c >= 48 && c <= 57) {
          if (inExp) exp = exp * 10 + (c - 48);
          else {
            mant = mant * 10 + (c - 48);
            digits++;
            if (inFrac) fracDigits++;
          }
        } else if (c === 44 || c === 10) {
          if (row >= 0 && row < nRows && col <= nFeat) {
            let v = NaN;
            if (!bad && digits > 0) {
              const e = (expNeg ? -exp : exp) - fracDigits;
              v =
                e === 0
                  ? mant
                  : e > 0
                    ? mant * (e < 23 ? POW10[e]! : Math.pow(10, e))
                    : -e < 23
                      ? mant / POW10[-e]!
                      : mant * Math.pow(10, e);
              if (neg) v = -v;
            }
            target[row] = v;
          }
          mant = 0;
          digits = 0;
          fracDigits = 0;
          inFrac = false;
          neg = false;
          inExp = false;
          expNeg = false;
          exp = 0;
          bad = false;
          if (c === 44) col++;
          else {
            col = 0;
            row++;
          }
          target = col === 0 ? y : col <= nFeat ? columns[col - 1]! : y;
        } else if (c === 46) inFrac = true;
        else if (c === 45) {
          if (inExp) expNeg = true;
          else neg = true;
        } else if (c === 101 || c === 69) inExp = true;
        else if (c !== 13 && c !== 32 && c !== 43 && c !== 34) bad = true;
      }
      if (last) break;
    }
  } finally {
    closeSync(fd);
  }
  return { X: { nRows, columns, names }, y };
}
