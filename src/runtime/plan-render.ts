// Renders a Plan as text (terminal, with colour when asked), JSON (format_version 1, see
// specs/plan-json.md) or a Markdown table for pull requests. Formatting only: no decisions.
import { isBinaryJson, leftChainJson } from "../ir/binary-chain-json.js";
import { planNoteOf } from "./plan-notes.js";
import type { Json } from "../ir/graph-ir.js";
import type { Action, Change, Plan, Reason } from "./plan.js";

const SYMBOL: Record<Action, string> = {
  create: "+",
  update: "~",
  replace: "-/+",
  delete: "-",
  noop: " ",
};
const COLOR: Record<Action, string> = { create: "32", update: "33", replace: "35", delete: "31", noop: "0" };

const PREC: Record<string, number> = {
  or: 1,
  and: 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};

function duration(s: number): string {
  if (s > 0 && s < 1) return `${Math.round(s * 1000)}ms`;
  for (const [unit, n] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const)
    if (s !== 0 && s % n === 0) return `${s / n}${unit}`;
  return `${s}s`;
}

/** Canonical expression JSON back to the language's surface syntax, for plan reasons. */
export function renderValue(j: Json | undefined): string {
  if (j === undefined) return "(absent)";
  if (j === null) return "null";
  if (typeof j === "string") return JSON.stringify(j);
  if (typeof j !== "object") return String(j);
  if (Array.isArray(j)) return `[${j.map(renderValue).join(", ")}]`;
  if (Array.isArray(j.$ref)) return (j.$ref as string[]).join(".") + (j.star ? ".*" : "");
  if (typeof j.$percent === "number") return `${j.$percent}%`;
  if (typeof j.$duration === "number") return duration(j.$duration);
  if (typeof j.$call === "string") {
    const args = Array.isArray(j.args) ? j.args.map(renderValue) : [];
    const named =
      j.named && typeof j.named === "object" && !Array.isArray(j.named)
        ? Object.entries(j.named).map(([k, v]) => `${k} = ${renderValue(v)}`)
        : [];
    return `${j.$call}(${[...args, ...named].join(", ")})`;
  }
  if (typeof j.$op === "string" && Array.isArray(j.args)) {
    const op = j.$op;
    if (op === "neg") return `-${renderValue(j.args[0])}`;
    if (op === "not") return `not ${renderValue(j.args[0])}`;
    const childPrec = (a: Json | undefined): number | undefined =>
      a && typeof a === "object" && !Array.isArray(a) && typeof a.$op === "string" ? PREC[a.$op] : undefined;
    const wrap = (inner: string, child: number | undefined, parent: string): string =>
      child !== undefined && child < (PREC[parent] ?? 0) ? `(${inner})` : inner;
    if (isBinaryJson(j)) {
      // a chain of thousands of terms nests as deep: its links are rendered in a loop
      const { first, links } = leftChainJson(j);
      let text = renderValue(first);
      let left: Json = first;
      for (const l of links) {
        text = `${wrap(text, childPrec(left), l.$op)} ${l.$op} ${wrap(renderValue(l.args[1]), childPrec(l.args[1]), l.$op)}`;
        left = l;
      }
      return text;
    }
    return `${wrap(renderValue(j.args[0]), childPrec(j.args[0]), op)} ${op} ${wrap(renderValue(j.args[1]), childPrec(j.args[1]), op)}`;
  }
  if (j.$object && typeof j.$object === "object" && !Array.isArray(j.$object)) {
    return `{ ${Object.entries(j.$object)
      .map(([k, v]) => `${k} = ${renderValue(v)}`)
      .join(", ")} }`;
  }
  if (typeof j.$block === "string")
    return `${j.$block}${typeof j.name === "string" ? " " + j.name : ""} { … }`;
  return JSON.stringify(j);
}

const short = (h: string) => (h.includes(":") ? h.slice(h.indexOf(":") + 1) : h).slice(0, 12) || "(none)";

function reasonText(r: Reason): string {
  switch (r.type) {
    case "new_node":
      return "new";
    case "incremental":
    case "reevaluated":
      return r.text;
    case "attribute_changed":
      return `${r.path}: ${renderValue(r.old)} → ${renderValue(r.new)}`;
    case "upstream_changed":
      return `upstream ${r.node} changed`;
    case "data_changed": {
      const rows =
        r.before.rows !== undefined || r.after.rows !== undefined
          ? `rows ${r.before.rows ?? "?"} → ${r.after.rows ?? "?"}, `
          : "";
      return `data ${r.description} changed: ${rows}hash ${short(r.before.hash)} → ${short(r.after.hash)}`;
    }
    case "artifact_missing":
      return `artifact ${r.role} ${short(r.hash)} is missing`;
    case "artifact_corrupt":
      return `artifact ${r.role} ${short(r.hash)} is corrupt`;
    case "output_damaged":
      return r.problem;
    case "executor_version_changed":
      return `executor version ${r.old} → ${r.new}`;
    case "removed_from_spec":
      return "removed from the spec";
    case "previously_failed":
      return `previously failed: ${r.error.split("\n")[0]}`;
    case "replace_requested":
      return "replacement requested (--replace)";
    case "fingerprint_changed":
      return `fingerprint ${short(r.old)} → ${short(r.new)}`;
  }
}

function summaryLine(p: Plan): string {
  const s = p.summary;
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to destroy.`;
}

export function renderPlanText(p: Plan, opts: { color?: boolean } = {}): string {
  const paint = (a: Action, t: string) => (opts.color ? `\x1b[${COLOR[a]}m${t}\x1b[0m` : t);
  const changes = p.changes.filter((c) => c.action !== "noop");
  if (!changes.length)
    return `No changes. ${p.summary.noop} node${p.summary.noop === 1 ? "" : "s"} up to date.\n`;
  const width = Math.max(...changes.map((c) => c.id.length));
  const lines = changes.map(
    (c) =>
      `  ${paint(c.action, SYMBOL[c.action].padStart(3))} ${c.id.padEnd(width)}  ${c.reasons.map(reasonText).join("; ")}`,
  );
  const notes = noteLines(p, changes).map((n) => `  ${n.id}: ${n.text}`);
  return `${lines.join("\n")}\n${notes.length ? `\n${notes.join("\n")}\n` : ""}\n${summaryLine(p)}\n`;
}

/** The notes of the changes that have one (never of a deletion: its node is gone). */
function noteLines(p: Plan, changes: readonly Change[]): { id: string; text: string; data: Json }[] {
  const out: { id: string; text: string; data: Json }[] = [];
  for (const c of changes) {
    const node = c.action === "delete" ? undefined : p.graph.nodes.find((n) => n.id === c.id);
    const note = node ? planNoteOf(node, p.evidence?.[node.id]) : undefined;
    if (note) out.push({ id: c.id, text: note.text, data: { message: note.text, ...note.data } });
    // what the plan already knows of the outcome (a gate decided from recorded metrics)
    const prediction = p.predictions?.[c.id];
    if (prediction) out.push({ id: c.id, text: prediction, data: { message: prediction, prediction } });
  }
  return out;
}

export interface PlanJson {
  format_version: 1;
  state_serial: number;
  targets?: string[];
  changes: {
    id: string;
    kind: string;
    action: Action;
    reasons: (Reason & { message: string })[];
    /** A kind's note (an experiment's sample size), on every change of a node that has one. */
    note?: Json;
  }[];
  summary: Plan["summary"];
}

export function planToJson(p: Plan): PlanJson {
  const notes = new Map(noteLines(p, p.changes).map((n) => [n.id, n.data]));
  return {
    format_version: 1,
    state_serial: p.stateSerial,
    ...(p.targets ? { targets: p.targets } : {}),
    changes: p.changes.map((c: Change) => ({
      id: c.id,
      kind: c.kind,
      action: c.action,
      reasons: c.reasons.map((r) => ({ ...r, message: reasonText(r) })),
      ...(notes.has(c.id) ? { note: notes.get(c.id)! } : {}),
    })),
    summary: p.summary,
  };
}

const mdCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The first lines of every Markdown plan comment; the marker lets a CI job find and update its one comment. */
export const PLAN_COMMENT_MARKER = "<!-- mlc-plan -->";
export const markdownTitle = (project: string): string =>
  `${PLAN_COMMENT_MARKER}\n### mlc plan: \`${mdCell(project)}\`\n\n`;

export function renderPlanMarkdown(p: Plan, opts: { project?: string } = {}): string {
  const title = opts.project ? markdownTitle(opts.project) : "";
  const changes = p.changes.filter((c) => c.action !== "noop");
  if (!changes.length) return `${title}**No changes.** ${p.summary.noop} nodes up to date.\n`;
  const rows = changes.map(
    (c) =>
      `| \`${SYMBOL[c.action]}\` | \`${mdCell(c.id)}\` | ${c.action} | ${mdCell(c.reasons.map(reasonText).join("; "))} |`,
  );
  const noted = noteLines(p, changes);
  const notes = noted.map((n) => `- \`${mdCell(n.id)}\`: ${mdCell(n.text)}`);
  // The ML impact: what gets a new result (a model retrains, a deployment gets a new version) and
  // what is only evaluated again against results that stay.
  const ids = (pick: (c: Change) => boolean) =>
    changes
      .filter(pick)
      .map((c) => `\`${mdCell(c.id)}\``)
      .join(", ");
  const fresh = ids((c) => c.action === "create" || c.action === "replace");
  const again = ids((c) => c.action === "update");
  const gone = ids((c) => c.action === "delete");
  const impact = [
    "**ML impact**",
    "",
    ...(fresh ? [`- New results (models retrain, deployments get a new version): ${fresh}`] : []),
    ...(again ? [`- Re-evaluated only, nothing retrains: ${again}`] : []),
    ...(gone ? [`- Removed: ${gone}`] : []),
    "",
  ];
  const details = changes.flatMap((c) => [
    `<details><summary><code>${mdCell(c.id)}</code>: ${c.action}</summary>`,
    "",
    ...c.reasons.map((r) => `- ${mdCell(reasonText(r))}`),
    ...noted.filter((n) => n.id === c.id).map((n) => `- ${mdCell(n.text)}`),
    "",
    "</details>",
  ]);
  return (
    title +
    [
      `**${summaryLine(p)}**`,
      "",
      "| | Node | Action | Reason |",
      "|---|---|---|---|",
      ...rows,
      "",
      ...(notes.length ? [...notes, ""] : []),
      ...impact,
      ...details,
      "",
    ].join("\n")
  );
}
