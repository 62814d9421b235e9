// What a block kind's own semantic check (`BlockKindSchema.check`) may ask of the checker.
// Kept as an interface so that schemas do not depend on the checker's internals.
import type { Block, Expr } from "../ast.js";
import type { Diagnostic, DiagnosticCode } from "../diagnostic.js";
import type { Span } from "../../ir/span.js";

export interface FeatureRef {
  block: string;
  feature: string;
  /** Where the model (or monitor) names it: the `usage.x` reference, or the `usage.*` star. */
  span: Span;
}

export interface KindCheckContext {
  /** The top-level block being checked. */
  readonly block: Block;
  readonly name: string;
  /** An attribute's value as written, or its default (with the block's span), or undefined. */
  attribute(name: string): Expr | undefined;
  /** Whether the attribute was written (not defaulted). */
  written(name: string): boolean;
  /** Nested blocks of a kind, in source order. */
  nested(kind: string): readonly Block[];
  /** A top-level block by name (any kind). */
  lookup(name: string): Block | undefined;
  /** Top-level blocks of a kind, in source order. */
  blocksOfKind(kind: string): readonly Block[];
  /** The name a `ref` attribute points to, if it is a plain name of an existing block. */
  refName(e: Expr | undefined): string | undefined;
  /** The features that a `features`-typed value names (stars expanded). */
  featuresOf(e: Expr | undefined): FeatureRef[];
  /** Where a feature is defined. */
  featureSpan(block: string, feature: string): Span | undefined;
  /** Source columns (`source.column`) that a column of a block is computed from, through features blocks. */
  lineage(block: string, column: string): ReadonlySet<string>;
  /** Built-in functions called, directly or through other features, to compute a column of a block. */
  builtinsUsed(block: string, column: string): ReadonlySet<string>;
  /** Whether `ancestor` is `block` itself or in the chain of its inputs (`from`/`data`). */
  inInputChain(block: string, ancestor: string): boolean;
  /** The model's task name and label column, when its `task` is a well-formed call. */
  taskOf(model: string): { task: string; label?: string; labelSpan?: Span } | undefined;
  /** The project directory (for path checks). */
  readonly projectDir: string;
  /** The files (not subfolders) of a folder, sorted, read once per check; undefined when unreadable. */
  filesIn(dir: string): readonly string[] | undefined;
  /** Whether a path exists (existsSync), looked up once per check: for the folders of data files. */
  folderExists(dir: string): boolean;
  /** Reports a diagnostic with the severity registered for its code. */
  report(
    code: DiagnosticCode,
    span: Span,
    message: string,
    extra?: { hint?: string; related?: Diagnostic["related"] },
  ): void;
}
