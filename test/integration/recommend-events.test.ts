// The implicit-feedback generator of examples/recommend: deterministic (a fresh run writes the
// committed files byte for byte) and realistic in the ways the example relies on, checked against
// the ground truth it keeps: long-tailed exposure, users and items arriving over time, clicks
// following the true click probability, segments preferring their price bands.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const example = resolve(__dirname, "../../examples/recommend");
const tmp = mkdtempSync(join(tmpdir(), "mlc-recommend-gen-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Truth {
  config: { days: number; start: number };
  users: Array<{ segment: string; signup_day: number }>;
  items: Array<{ release_day: number; weight: number; price_band: number }>;
  p_click: number[];
}

const rows = readFileSync(join(example, "data/events.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(","));
const truth = JSON.parse(readFileSync(join(example, "data/truth.json"), "utf8")) as Truth;
const day = (ts: string): number => (Date.parse(ts) - truth.config.start) / 86400000;

describe("examples/recommend/make-events.mjs", () => {
  it("writes the committed files byte for byte", () => {
    cpSync(join(example, "make-events.mjs"), join(tmp, "make-events.mjs"));
    execFileSync(process.execPath, [join(tmp, "make-events.mjs")], { stdio: "ignore" });
    for (const f of ["events.csv", "truth.json"])
      expect(readFileSync(join(tmp, "data", f)).equals(readFileSync(join(example, "data", f))), f).toBe(true);
  });
  it("keeps the truth of every row, in time order", () => {
    expect(truth.p_click.length).toBe(rows.length);
    for (let i = 1; i < rows.length; i++) expect(rows[i]![2]! >= rows[i - 1]![2]!).toBe(true);
  });
  it("has long-tailed exposure: the top 10% of items get over 40% of impressions", () => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r[1]!, (counts.get(r[1]!) ?? 0) + 1);
    const top = [...counts.values()].sort((a, b) => b - a);
    const share = top.slice(0, truth.items.length / 10).reduce((a, b) => a + b, 0) / rows.length;
    expect(share).toBeGreaterThan(0.4);
  });
  it("shows no user before sign-up and no item before release; both arrive during the period", () => {
    for (const r of rows) {
      expect(day(r[2]!)).toBeGreaterThanOrEqual(truth.users[Number(r[0])]!.signup_day - 1e-6);
      expect(day(r[2]!)).toBeGreaterThanOrEqual(truth.items[Number(r[1])]!.release_day - 1e-6);
    }
    expect(truth.users.filter((u) => u.signup_day > 0).length).toBeGreaterThan(30);
    expect(truth.items.filter((i) => i.release_day > 0).length).toBeGreaterThan(30);
  });
  it("clicks follow the true click probability", () => {
    let pClicked = 0;
    let clicked = 0;
    let pViewed = 0;
    rows.forEach((r, i) => {
      if (r[4] === "0") pViewed += truth.p_click[i]!;
      else {
        pClicked += truth.p_click[i]!;
        clicked++;
      }
    });
    const meanClicked = pClicked / clicked;
    const meanViewed = pViewed / (rows.length - clicked);
    expect(meanClicked - meanViewed).toBeGreaterThan(0.1);
    // the click rate matches the mean probability within sampling error
    const expected = truth.p_click.reduce((a, b) => a + b, 0);
    expect(Math.abs(clicked - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });
  it("bargain users click cheap items more than premium users do", () => {
    const rate = (segment: string, band: string): number => {
      const rs = rows.filter((r) => r[5] === segment && r[8] === band);
      return rs.filter((r) => r[4] !== "0").length / rs.length;
    };
    expect(rate("bargain", "1")).toBeGreaterThan(rate("premium", "1"));
    expect(rate("premium", "3")).toBeGreaterThan(rate("bargain", "3"));
  });
});
