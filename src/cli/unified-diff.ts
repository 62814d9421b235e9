// A unified diff of two texts (Myers' O(ND) line diff, 3 lines of context), as `diff -u` prints it.
// Used by `mlc fmt --diff`; pure string in, string out.

type Op = { kind: "=" | "-" | "+"; line: string };

/** The shortest edit script between two line arrays. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v);
  // Walk back through the saved frontiers.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: "=", line: a[--x]! });
      y--;
    }
    if (d === 0) break;
    if (x === prevX) ops.push({ kind: "+", line: b[--y]! });
    else ops.push({ kind: "-", line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: "=", line: a[--x]! });
    y--;
  }
  return ops.reverse();
}

const splitLines = (s: string): string[] => {
  if (s === "") return [];
  const lines = s.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
};

/** `--- a/path` / `+++ b/path` and @@ hunks; empty when the texts are equal. */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return "";
  const ops = diffLines(splitLines(before), splitLines(after));
  let out = `--- a/${path}\n+++ b/${path}\n`;
  // Positions (1-based) of each op in the old and new file.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let nn = 1;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(nn);
    if (op.kind !== "+") o++;
    if (op.kind !== "-") nn++;
  }
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === "=") {
      i++;
      continue;
    }
    const start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while changes are within 2*context lines of each other.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== "=") end++;
      let j = end;
      while (j < ops.length && ops[j]!.kind === "=" && j - end < 2 * context) j++;
      if (j < ops.length && ops[j]!.kind !== "=") end = j;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const oldLen = hunk.filter((h) => h.kind !== "+").length;
    const newLen = hunk.filter((h) => h.kind !== "-").length;
    const oldStart = oldLen ? oldAt[start]! : oldAt[start]! - 1;
    const newStart = newLen ? newAt[start]! : newAt[start]! - 1;
    out += `@@ -${oldStart},${oldLen} +${newStart},${newLen} @@\n`;
    for (const h of hunk) out += `${h.kind === "=" ? " " : h.kind}${h.line}\n`;
    i = stop;
  }
  return out;
}
