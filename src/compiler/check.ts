// The checker: every top-level block against its kind's schema, references resolved, types and
// semantic rules checked. Pure over the AST; returns the checked project and all diagnostics.
import type { Block, Project } from "./ast.js";
import type { CheckedBlock, CheckedProject, Dependency, TableFacts } from "./checked.js";
import type { Diagnostic, Result } from "./diagnostic.js";
import { resolveNames } from "./resolve.js";
import { allBlockKinds, blockKind, tableRole } from "./schema/index.js";
import { checkBody } from "./checker/body.js";
import { CheckCode } from "./checker/codes.js";
import { findCycles, type Edge } from "./checker/cycles.js";
import { checkJoins } from "./checker/joins.js";
import { addPassthroughFeatures, checkPassthrough } from "./checker/passthrough.js";
import { kindContext } from "./checker/kind-context.js";
import { tableFacts } from "./checker/tables.js";
import { Sink, type DepUse } from "./checker/sink.js";
import { attributeOf, CheckState, plainRef, walkRowExpr } from "./checker/state.js";
import { newEnv, type Env } from "./checker/typing.js";
import { pushAll } from "./push-all.js";

export function checkProject(project: Project): Result<CheckedProject> {
  if (allBlockKinds().length === 0)
    throw new Error("no block kinds are registered: import src/kinds/index.js before checking a project");
  const resolved = resolveNames(project);
  const symbols = resolved.value;
  const st = new CheckState(project, symbols);
  const sink = new Sink();
  pushAll(sink.diagnostics, resolved.diagnostics);

  const checked: CheckedBlock[] = [];
  const byName = new Map<string, CheckedBlock>();
  const unnamedSeen = new Set<string>();
  for (const block of symbols.blocks) {
    const schema = blockKind(block.kind);
    if (!schema) continue;
    if (block.name === undefined && schema.name === "required") {
      sink.report(
        CheckCode.missingBlockName,
        block.kindSpan,
        `a \`${block.kind}\` block needs a name: \`${block.kind} NAME { … }\``,
      );
    }
    const name = block.name ?? block.kind;
    const own = new Sink();
    const env = blockEnv(st, block, name, own);
    const label =
      block.name !== undefined ? `${block.kind} \`${block.name}\`` : `the \`${block.kind}\` block`;
    const body = checkBody(
      block.body,
      schema,
      { label, span: block.nameSpan ?? block.kindSpan, prefix: "" },
      env,
    );
    if (schema.table === "computed") {
      checkFeatureCycles(st, name, own);
      checkJoins(st, name, own);
      checkPassthrough(st, name, own);
      if (schema.free) addPassthroughFeatures(st, name, body.attributes, env, schema.free.type);
    }
    schema.check?.(kindContext(st, block, body, own));
    sink.commit(own);
    const cb: CheckedBlock = {
      kind: block.kind,
      name,
      ast: block,
      attributes: body.attributes,
      nested: body.nested,
      assertions: body.assertions,
      dependencies: mergeDeps(own.deps, name),
    };
    checked.push(cb);
    const isDuplicate =
      block.name !== undefined ? symbols.byName.get(block.name) !== block : unnamedSeen.has(block.kind);
    if (!isDuplicate && !byName.has(name)) byName.set(name, cb);
    if (block.name === undefined) unnamedSeen.add(block.kind);
  }

  reportBlockCycles(checked, sink);

  const tables = new Map<string, TableFacts>();
  for (const [name, b] of byName) if (tableRole(b.kind) !== undefined) tables.set(name, tableFacts(st, name));

  const diagnostics = sortDiagnostics(sink.diagnostics);
  return { value: { project, blocks: checked, byName, tables }, diagnostics };
}

/** The environment of a top-level block: which columns, features and model its values see. */
function blockEnv(st: CheckState, block: Block, name: string, sink: Sink): Env {
  const schema = blockKind(block.kind)!;
  const env = newEnv(st, name, "row", "", sink);
  if (schema.table === "declared") {
    env.columns = st.columnsOf(name);
  } else if (schema.input) {
    // A features block also sees the columns its joins bring in.
    env.columns = st.inputColumnsOf(name);
    if (schema.table === "computed") env.ownFeatures = true;
  }
  if (schema.modelBehind === "self") env.model = name;
  if (schema.model) {
    const model = modelBehind(st, plainRef(attributeOf(block, schema.model)?.value));
    if (model !== undefined) {
      env.model = model;
      const data = st.inputOf(model);
      env.columns = data !== undefined ? st.columnsOf(data) : { block: name, known: new Map(), open: name };
    } else {
      env.columns = { block: name, known: new Map(), open: name };
    }
  }
  return env;
}

/** A model by name, or the model a block of another kind stands for (a deployment's). */
function modelBehind(st: CheckState, name: string | undefined): string | undefined {
  const b = name !== undefined ? st.block(name) : undefined;
  const behind = b && blockKind(b.kind)?.modelBehind;
  if (behind === undefined) return undefined;
  if (behind === "self") return name;
  const m = plainRef(attributeOf(b!, behind.attribute)?.value);
  const target = m !== undefined ? st.block(m) : undefined;
  return target && blockKind(target.kind)?.modelBehind === "self" ? m : undefined;
}

/** One dependency per target, in order of first use; members merged ("*" absorbs). */
function mergeDeps(uses: readonly DepUse[], self: string): Dependency[] {
  const byTarget = new Map<string, { first: DepUse; members: Set<string>; all: boolean }>();
  for (const u of uses) {
    if (u.target === self) continue;
    let d = byTarget.get(u.target);
    if (!d) {
      d = { first: u, members: new Set(), all: false };
      byTarget.set(u.target, d);
    }
    if (u.member === "*") d.all = true;
    else if (u.member !== null) d.members.add(u.member);
  }
  return [...byTarget.values()].map((d) => ({
    target: d.first.target,
    members: d.all ? "*" : [...d.members].sort(),
    via: d.first.via,
    span: d.first.span,
  }));
}

function checkFeatureCycles(st: CheckState, block: string, sink: Sink): void {
  const own = st.ownFeatures(block);
  const edges: Edge[] = [];
  for (const [f, attr] of own) {
    walkRowExpr(
      attr.value,
      (path) => {
        const n =
          path.length === 1 ? path[0]! : path.length === 2 && path[0] === block ? path[1]! : undefined;
        if (n !== undefined && own.has(n) && !(path.length === 1 && n === f))
          edges.push({ from: f, to: n, span: attr.value.span });
        if (path.length === 2 && path[0] === block && path[1] === f)
          edges.push({ from: f, to: f, span: attr.value.span });
      },
      () => {},
    );
  }
  for (const c of findCycles([...own.keys()], edges)) {
    sink.report(
      CheckCode.dependencyCycle,
      c.span,
      `dependency cycle: ${c.path.map((f) => `${block}.${f}`).join(" → ")}`,
      {
        hint: "a feature cannot be computed from itself",
      },
    );
  }
}

function reportBlockCycles(blocks: readonly CheckedBlock[], sink: Sink): void {
  const edges: Edge[] = blocks.flatMap((b) =>
    b.dependencies.map((d) => ({ from: b.name, to: d.target, span: d.span })),
  );
  for (const c of findCycles(
    blocks.map((b) => b.name),
    edges,
  )) {
    sink.report(CheckCode.dependencyCycle, c.span, `dependency cycle: ${c.path.join(" → ")}`, {
      hint: "a block cannot depend on itself through other blocks",
    });
  }
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  // each span's file and start read once (a FlatSpan makes its positions on each read)
  const seen = new Set<string>();
  const keyed: { d: Diagnostic; file: string; offset: number }[] = [];
  for (const d of ds) {
    const file = d.span.file;
    const offset = d.span.start.offset;
    const key = `${d.code}|${file}|${offset}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    keyed.push({ d, file, offset });
  }
  return keyed
    .sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset || a.d.code.localeCompare(b.d.code),
    )
    .map((k) => k.d);
}
