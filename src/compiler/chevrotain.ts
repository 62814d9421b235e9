// The chevrotain values the compiler uses, loaded from the package's own single-file ESM bundle
// (lib/chevrotain.mjs) when it is there: its entry point imports several hundred lodash-es modules,
// which made importing the compiler take most of `mlc validate`'s start-up. Every module of the
// project takes chevrotain's values from here, so token types and EOF come from one copy.
import type * as Chevrotain from "chevrotain";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

async function loadChevrotain(): Promise<typeof Chevrotain> {
  // the entry point is lib/src/api.js; the bundle of the same build sits at lib/chevrotain.mjs
  const entry = createRequire(import.meta.url).resolve("chevrotain");
  const bundle = join(dirname(entry), "..", "chevrotain.mjs");
  if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  return import("chevrotain");
}

const chevrotain = await loadChevrotain();

export const { createToken, createTokenInstance, createSyntaxDiagramsCode, CstParser, EOF, Lexer } =
  chevrotain;
