// The block-kind registry: one `registerBlockKind` call per kind, read by the checker, the
// reference generator, the formatter and editor support.
import type { BlockKindSchema, BodySchema, TableRole } from "./types.js";

const kinds = new Map<string, BlockKindSchema>();

function checkBody(where: string, body: BodySchema): void {
  const names = new Set<string>();
  for (const a of body.attributes) {
    if (names.has(a.name)) throw new Error(`${where}: attribute '${a.name}' declared twice`);
    if (a.required && a.default) throw new Error(`${where}: required attribute '${a.name}' has a default`);
    names.add(a.name);
  }
  for (const n of body.nested) {
    if (names.has(n.kind)) throw new Error(`${where}: nested block '${n.kind}' clashes with an attribute`);
    names.add(n.kind);
    checkBody(`${where}.${n.kind}`, n);
  }
}

export function registerBlockKind(schema: BlockKindSchema): void {
  if (kinds.has(schema.kind)) throw new Error(`block kind '${schema.kind}' registered twice`);
  checkBody(schema.kind, schema);
  kinds.set(schema.kind, schema);
}

export function blockKind(kind: string): BlockKindSchema | undefined {
  return kinds.get(kind);
}

/** How a block of this kind makes its table, when it makes one. */
export function tableRole(kind: string): TableRole | undefined {
  return kinds.get(kind)?.table;
}

/** Whether a kind is settings only (no node, no executor). */
export function isSettingsKind(kind: string): boolean {
  return kinds.get(kind)?.settingsOnly === true;
}

/** Every registered kind, in registration order (the order of the reference). */
export function allBlockKinds(): BlockKindSchema[] {
  return [...kinds.values()];
}
