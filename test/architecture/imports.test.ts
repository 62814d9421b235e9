// The import directions of ARCHITECTURE.md, enforced: every relative import in src/ is checked
// against the layer table below, and the test fails with the list of offending file → target pairs.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../compiler/corpus.js";

const src = join(repoRoot, "src");

/**
 * The layer of a module: its top folder under src/, except that a kind's language half
 * (`src/kinds/<kind>/language.ts` and the lowering it owns) is the compiler's plug-in.
 */
type Layer =
  | "ir"
  | "onnx"
  | "threads"
  | "ml"
  | "data"
  | "registry"
  | "serve"
  | "compiler"
  | "editors"
  | "lsp"
  | "kinds"
  | "runtime"
  | "cli";

/** What each layer may import besides itself (ARCHITECTURE.md, "Import directions"). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  ir: [],
  onnx: ["ir"],
  threads: ["ir"],
  ml: ["ir", "onnx", "threads"],
  data: ["ir", "onnx", "threads", "ml"],
  registry: ["ir", "onnx", "threads", "ml"],
  serve: ["ir", "onnx", "threads", "ml", "data", "registry"],
  compiler: ["ir"],
  // Editor support reads the language: the TextMate grammar from the lexer and schemas, the language
  // server from the compiler's diagnostics (the kinds are registered by whoever starts them).
  editors: ["ir", "compiler"],
  lsp: ["ir", "compiler"],
  kinds: ["ir", "onnx", "threads", "ml", "data", "registry", "serve", "compiler"],
  runtime: ["ir", "onnx", "threads", "ml", "data", "registry", "serve", "compiler", "kinds"],
  cli: [
    "ir",
    "onnx",
    "threads",
    "ml",
    "data",
    "registry",
    "serve",
    "compiler",
    "editors",
    "lsp",
    "runtime",
    "kinds",
  ],
};

function layerOf(path: string): Layer {
  const top = relative(src, path).split("/")[0]!;
  if (!(top in ALLOWED)) throw new Error(`${relative(repoRoot, path)}: no layer for src/${top}`);
  return top as Layer;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of `import … from "…"`, `export … from "…"`, `import "…"` and `import("…")`. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

/** The CLI reaches a kind only through the kinds index and the kinds' results (typed contracts). */
const cliMayImportFromKinds = (target: string): boolean =>
  /^src\/kinds\/(index\.ts|[a-z-]+\/(results|config)\.ts)$/.test(target);

function violations(): string[] {
  const out: string[] = [];
  for (const file of tsFiles(src)) {
    const from = layerOf(file);
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, ".ts");
      const to = layerOf(target);
      const rel = relative(repoRoot, target);
      const ok =
        to === from
          ? true
          : from === "cli" && to === "kinds"
            ? cliMayImportFromKinds(rel)
            : ALLOWED[from].includes(to);
      if (!ok) out.push(`${relative(repoRoot, file)} → ${rel}`);
    }
  }
  return out;
}

describe("import directions (ARCHITECTURE.md)", () => {
  it("finds the imports of a module", () => {
    expect(
      importsOf(
        'import type { A } from "../ir/a.js";\nimport "./b.js";\nexport { c } from "./c.js";\nawait import("../d.js");\nimport x from "node:fs";',
      ),
    ).toEqual(["../ir/a.js", "./b.js", "./c.js", "../d.js"]);
  });

  it("no module in src/ imports a layer above its own", () => {
    expect(violations()).toEqual([]);
  });
});
