import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allBuiltins } from "../../src/compiler/builtins/index.js";
import { renderReference, TYPE_DOCS } from "../../src/compiler/schema/reference.js";
import { allBlockKinds, type BodySchema } from "../../src/compiler/schema/index.js";
import { repoRoot } from "./corpus.js";

const undocumented: string[] = [];
function walk(where: string, body: BodySchema): void {
  for (const a of body.attributes) if (!a.doc.trim()) undocumented.push(`${where}.${a.name}`);
  if (body.free && (!body.free.doc.trim() || !body.free.nameDoc.trim()))
    undocumented.push(`${where} (free attributes)`);
  if (body.assertions && !body.assertions.doc.trim()) undocumented.push(`${where} (assertions)`);
  for (const n of body.nested) {
    if (!n.doc.trim()) undocumented.push(`${where}.${n.kind}`);
    walk(`${where}.${n.kind}`, n);
  }
}

describe("language reference", () => {
  it("documents every block kind, attribute, nested block and built-in parameter", () => {
    for (const k of allBlockKinds()) {
      if (!k.doc.trim()) undocumented.push(k.kind);
      walk(k.kind, k);
    }
    for (const b of allBuiltins()) {
      if (!b.doc.trim()) undocumented.push(`${b.family}/${b.name}`);
      if (b.family !== "metric")
        for (const p of b.params) if (!p.doc.trim()) undocumented.push(`${b.family}/${b.name}(${p.name})`);
    }
    expect(undocumented).toEqual([]);
    for (const [kind, doc] of Object.entries(TYPE_DOCS)) expect(doc.trim(), kind).not.toBe("");
  });

  it("has a section for every kind and every built-in", () => {
    const md = renderReference();
    for (const k of allBlockKinds()) expect(md).toContain(`### \`${k.kind}\``);
    for (const b of allBuiltins())
      expect(md, b.name).toMatch(b.family === "metric" ? `| \`${b.name}\` |` : `#### \`${b.name}(`);
  });

  it("is committed up to date in specs/reference.md (run `npm run reference`)", () => {
    const committed = readFileSync(join(repoRoot, "specs/reference.md"), "utf8");
    expect(committed === renderReference(), "specs/reference.md is stale: run `npm run reference`").toBe(
      true,
    );
  });
});
