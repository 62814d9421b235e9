import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/cli/unified-diff.js";

/** Applies a unified diff to `before` (hunks in order), to check that it is a faithful edit script. */
function applyDiff(before: string, diff: string): string {
  const src = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let at = 0;
  const lines = diff.split("\n").slice(2);
  for (let i = 0; i < lines.length; i++) {
    const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i]!);
    if (!m) continue;
    const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
    while (at < start) out.push(src[at++]!);
    for (i++; i < lines.length && !lines[i]!.startsWith("@@") && lines[i] !== ""; i++) {
      const l = lines[i]!;
      if (l[0] === " ") {
        expect(src[at]).toBe(l.slice(1));
        out.push(src[at++]!);
      } else if (l[0] === "-") {
        expect(src[at]).toBe(l.slice(1));
        at++;
      } else out.push(l.slice(1));
    }
    i--;
  }
  while (at < src.length) out.push(src[at++]!);
  return out.length ? out.join("\n") + "\n" : "";
}

/** Length of the longest common subsequence, to check that the diff is minimal. */
function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("f", "a\nb\n", "a\nb\n")).toBe("");
  });

  it("prints headers and a hunk with context", () => {
    expect(unifiedDiff("x.mlspec", "a\nb\nc\n", "a\nB\nc\n")).toBe(
      "--- a/x.mlspec\n+++ b/x.mlspec\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
    );
  });

  it("splits distant changes into separate hunks", () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n") + "\n";
    const after = before.replace("l1\n", "L1\n").replace("l18\n", "L18\n");
    const d = unifiedDiff("f", before, after);
    expect(d.match(/^@@/gm)).toHaveLength(2);
    expect(applyDiff(before, d)).toBe(after);
  });

  it("produces a minimal, applicable edit script on random inputs", () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: rnd(12) }, () => "abcd"[rnd(4)]!);
      const b = Array.from({ length: rnd(12) }, () => "abcd"[rnd(4)]!);
      const before = a.length ? a.join("\n") + "\n" : "";
      const after = b.length ? b.join("\n") + "\n" : "";
      const d = unifiedDiff("f", before, after, 1000);
      if (before === after) continue;
      expect(applyDiff(before, d)).toBe(after);
      const changes = d.split("\n").filter((l) => /^[-+](?![-+]{2} [ab]\/)/.test(l)).length;
      expect(changes).toBe(a.length + b.length - 2 * lcs(a, b));
    }
  });
});
