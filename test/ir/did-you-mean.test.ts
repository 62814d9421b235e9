// The "did you mean" suggestions: `closest` skips candidates whose length alone puts them past the
// limit, and editDistance reuses its rows; both must give what a plain search over every candidate
// with fresh rows gives.
import { describe, expect, it } from "vitest";
import { closest, editDistance } from "../../src/ir/did-you-mean.js";
import { rng } from "../compiler/mutations.js";

/** The optimal string alignment distance, written plainly (a full matrix). */
function reference(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++)
    d.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** closest() without the length filter: every candidate's distance. */
function closestEvery(name: string, candidates: string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === name) continue;
    const dist = c.toLowerCase() === name.toLowerCase() ? 0.5 : reference(name, c);
    if (dist < bestD || (dist === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = dist;
    }
  }
  return bestD <= limit ? best : undefined;
}

describe("did you mean", () => {
  const r = rng(0xd1d);
  const word = (): string => Array.from({ length: r(12) }, () => "abcdeAB_"[r(8)]!).join("");

  it("gives the distance of a plain full-matrix search, short and long words in any order", () => {
    for (let k = 0; k < 2000; k++) {
      const a = word();
      const b = k % 100 === 0 ? word().repeat(20) : word();
      expect(editDistance(a, b), `${a} ~ ${b}`).toBe(reference(a, b));
    }
  });

  it("picks what a search over every candidate picks", () => {
    for (let k = 0; k < 500; k++) {
      const name = word();
      const candidates = Array.from({ length: 1 + r(15) }, word);
      expect(closest(name, candidates), `${name} in ${candidates.join(",")}`).toBe(
        closestEvery(name, candidates),
      );
    }
  });

  it("still finds a candidate that differs only in case, whatever its length after lowercasing", () => {
    // "İİİİ" lowercased is 8 characters: 4 more than the name, past the limit of 1
    const lower = "İİİİ".toLowerCase();
    expect(lower.length).toBe(8);
    expect(closest("İİİİ", ["xyzw", lower])).toBe(lower);
    expect(closest("ABCDEFGH", ["abcdefgh", "ABCDEFGX"])).toBe("abcdefgh");
    expect(closest("lerning_rate", ["learning_rate", "depth", "trees"])).toBe("learning_rate");
  });
});
