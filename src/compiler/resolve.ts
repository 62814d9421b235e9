// Name resolution: the one namespace of top-level blocks across every file of a project, with
// duplicate names and unknown block kinds reported. The checker resolves references against it.
import type { Block, Project } from "./ast.js";
import type { Diagnostic, Result } from "./diagnostic.js";
import { diagnostic } from "./diagnostic-codes.js";
import { CheckCode } from "./checker/codes.js";
import { didYouMean } from "../ir/did-you-mean.js";
import { allBlockKinds, blockKind } from "./schema/index.js";

/**
 * Kinds the language will accept once the runtime can run them: named in the unknown-kind
 * diagnostic so a user who read about them learns they are not available yet. None at present.
 */
const PLANNED_KINDS: Readonly<Record<string, string>> = {};

export interface Symbols {
  /** Every top-level block, files in path order, blocks in source order. */
  readonly blocks: readonly Block[];
  /** Named blocks by name; with duplicates, the first definition. */
  readonly byName: ReadonlyMap<string, Block>;
}

export function resolveNames(project: Project): Result<Symbols> {
  const diagnostics: Diagnostic[] = [];
  const files = [...project.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const blocks = files.flatMap((f) => f.blocks);
  const byName = new Map<string, Block>();
  const kindNames = allBlockKinds().map((k) => k.kind);
  for (const b of blocks) {
    const planned = PLANNED_KINDS[b.kind];
    if (!blockKind(b.kind) && planned !== undefined) {
      diagnostics.push(
        diagnostic(CheckCode.unknownBlockKind, b.kindSpan, `block kind \`${b.kind}\` is not available yet`, {
          hint: `mlc cannot run ${planned} yet; remove the block (block kinds: ${kindNames.join(", ")})`,
        }),
      );
    } else if (!blockKind(b.kind)) {
      diagnostics.push(
        diagnostic(CheckCode.unknownBlockKind, b.kindSpan, `unknown block kind \`${b.kind}\``, {
          hint: didYouMean(b.kind, kindNames) ?? `block kinds: ${kindNames.join(", ")}`,
        }),
      );
    }
    if (b.name === undefined) continue;
    const first = byName.get(b.name);
    if (first) {
      diagnostics.push(
        diagnostic(
          CheckCode.duplicateName,
          b.nameSpan ?? b.kindSpan,
          `\`${b.name}\` is already defined (as ${article(first.kind)} \`${first.kind}\` block); all top-level blocks of a project share one namespace`,
          {
            related: [
              { message: `\`${b.name}\` is first defined here`, span: first.nameSpan ?? first.kindSpan },
            ],
            hint: "rename one of them",
          },
        ),
      );
      continue;
    }
    byName.set(b.name, b);
  }
  return { value: { blocks, byName }, diagnostics };
}

export const article = (word: string): string => (/^[aeiou]/.test(word) ? "an" : "a");
