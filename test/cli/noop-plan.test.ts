import { describe, expect, it } from "vitest";
import { shortcutArgs } from "../../src/cli/noop-plan.js";

describe("the command lines the no-op plan record may answer", () => {
  it("takes one directory and the output flags", () => {
    expect(shortcutArgs([])).toEqual({ dir: ".", json: false });
    expect(shortcutArgs(["proj", "--json", "--detailed-exitcode"])).toEqual({ dir: "proj", json: true });
    // A Markdown plan carries the project's title, which the record does not know: it is planned.
    expect(shortcutArgs(["--markdown"])).toBeUndefined();
  });

  it("leaves every other command line to the planner", () => {
    expect(shortcutArgs(["proj", "--target", "model.a"])).toBeUndefined();
    expect(shortcutArgs(["--out", "p.json"])).toBeUndefined();
    expect(shortcutArgs(["--replace=x"])).toBeUndefined();
    expect(shortcutArgs(["a", "b"])).toBeUndefined();
    expect(shortcutArgs(["--help"])).toBeUndefined();
  });
});
