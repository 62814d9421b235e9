// A model card (Mitchell et al., "Model Cards for Model Reporting"): one version of a model as a
// document for the people who rely on it: intended use and limitations, the training data and its
// lineage, metrics with intervals, fairness, gates, where it serves, what watches it (with a runbook)
// and the version history. Pure and deterministic: the same input gives the same bytes, as
// Markdown or as a self-contained HTML page (no scripts, no external URLs).
import type { Json } from "../../ir/graph-ir.js";
import type { SplitEvaluation } from "../stats/evaluate.js";
import type { FairnessSection } from "./report-json.js";
import { esc, fmt } from "./html-format.js";

export interface ModelCardInput {
  model: string;
  version: number;
  algorithm: string;
  task: string;
  /** When the version was trained (ISO-8601). */
  created: string;
  specCommit?: string;
  /** Aliases pointing at this version (champion, challenger). */
  aliases: string[];
  intendedUse?: string;
  limitations: string[];
  params: Record<string, Json>;
  /** The data the version was trained from: each source its lineage reaches. */
  data: { node: string; description: string; hash: string; rows?: number; bytes?: number }[];
  /** Metrics with intervals per evaluated part (valid, test), from the version's report. */
  splits: Record<string, SplitEvaluation>;
  /** A classifier's `decision { … }`: the rule, the threshold it chose and the outcome costs (from the report). */
  decision?: { rule: string; threshold: number; split: string; costs?: Record<string, number> };
  fairness: FairnessSection[];
  /** The robustness suites on the test rows (from the report): `robustness.SUITE.MEASURE` values. */
  robustness?: { suite: string; metrics: Record<string, number> }[];
  gates: { name: string; passed: boolean; at: string }[];
  /** Deployments that serve this model, and the version each serves now. */
  deployments: { name: string; serving?: number; rollout?: string }[];
  /** Monitors of those deployments: the assertions they check and what they do on a breach. */
  monitors: {
    name: string;
    deployment: string;
    assertions: string[];
    actions: string[];
    schedule?: string;
  }[];
  history: {
    version: number;
    created: string;
    aliases: string[];
    headline?: { name: string; value: number };
  }[];
}

type Block =
  | { kind: "p"; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "table"; head: string[]; rows: string[][] };

interface Section {
  title: string;
  blocks: Block[];
}

const interval = (lo: number | null, hi: number | null): string =>
  lo === null || hi === null ? "" : `[${fmt(lo)}, ${fmt(hi)}]`;

const bytesText = (n: number | undefined): string =>
  n === undefined
    ? "-"
    : n >= 1 << 20
      ? `${(n / (1 << 20)).toFixed(1)} MiB`
      : n >= 1 << 10
        ? `${(n / (1 << 10)).toFixed(1)} KiB`
        : `${n} B`;

const paramText = (v: Json): string => (typeof v === "string" ? v : JSON.stringify(v));

/** Runbook lines for a monitor's breach: what the spec does by itself, then what a person checks. */
function runbook(m: ModelCardInput["monitors"][number]): string[] {
  const auto = m.actions.length
    ? `On a breach the monitor runs, in order: ${m.actions.join(", ")}.`
    : "On a breach the monitor records it and does nothing else (no on_breach actions).";
  return [
    auto,
    `See what broke: \`mlc monitor ${m.name}\` (and \`--history\` for earlier runs).`,
    `If the live model is at fault: \`mlc rollback ${m.deployment}\` returns the previous version.`,
    `If the data moved for good: retrain with \`mlc apply\` on the current data; the gates decide whether the new version ships.`,
  ];
}

function sections(c: ModelCardInput): Section[] {
  const out: Section[] = [];
  out.push({
    title: "Model details",
    blocks: [
      {
        kind: "table",
        head: ["", ""],
        rows: [
          ["model", c.model],
          ["version", String(c.version) + (c.aliases.length ? ` (${c.aliases.join(", ")})` : "")],
          ["task", c.task],
          ["algorithm", c.algorithm],
          ["trained", c.created],
          ...(c.specCommit ? [["spec commit", c.specCommit]] : []),
          ...Object.keys(c.params)
            .sort()
            .map((k) => [`param ${k}`, paramText(c.params[k]!)]),
        ],
      },
    ],
  });
  out.push({
    title: "Intended use",
    blocks: [
      {
        kind: "p",
        text: c.intendedUse ?? "Not declared: set `intended_use` on the model block.",
      },
    ],
  });
  out.push({
    title: "Limitations",
    blocks: c.limitations.length
      ? [{ kind: "list", items: c.limitations }]
      : [{ kind: "p", text: "Not declared: set `limitations` on the model block." }],
  });
  out.push({
    title: "Training data",
    blocks: c.data.length
      ? [
          {
            kind: "table",
            head: ["source", "data", "rows", "size", "content hash"],
            rows: c.data.map((d) => [
              d.node,
              d.description,
              d.rows === undefined ? "-" : String(d.rows),
              bytesText(d.bytes),
              d.hash.slice(0, 16),
            ]),
          },
        ]
      : [{ kind: "p", text: "No lineage is recorded for this version." }],
  });
  const parts = Object.keys(c.splits).sort();
  out.push({
    title: "Metrics",
    blocks: parts.length
      ? parts.map((part) => ({
          kind: "table" as const,
          head: [`${part} (${c.splits[part]!.rows} rows)`, "value", "interval"],
          rows: c.splits[part]!.metrics.map((m) => [
            m.name,
            fmt(m.value),
            interval(m.lower, m.upper) + (m.lower === null ? "" : ` ${Math.round(m.level * 100)}%`),
          ]),
        }))
      : [{ kind: "p", text: "This version has no evaluation report." }],
  });
  if (c.decision) {
    const d = c.decision;
    const values = Object.entries(d.costs ?? {})
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(", ");
    out.push({
      title: "Decision",
      blocks: [
        {
          kind: "p",
          text: `The positive class is decided at P ≥ ${fmt(d.threshold)}, chosen by \`${d.rule}\` on the ${d.split} rows${values ? ` from the cost of each outcome per row: ${values}` : ""}; served, streamed and batch predictions decide at the same threshold.`,
        },
      ],
    });
  }
  if (c.fairness.length)
    out.push({
      title: "Fairness",
      blocks: c.fairness.flatMap((f): Block[] => [
        {
          kind: "p",
          text: `By \`${f.by}\` on the ${f.split} rows (threshold ${fmt(f.report.threshold)}): demographic parity difference ${fmt(f.report.demographicParityDifference)}, equal opportunity difference ${fmt(f.report.equalOpportunityDifference)}, disparate impact ratio ${fmt(f.report.disparateImpactRatio)}.`,
        },
        {
          kind: "table",
          head: ["group", "rows", "selection rate", "TPR"],
          rows: f.report.groups.map((g) => [String(g.group), String(g.n), fmt(g.selectionRate), fmt(g.tpr)]),
        },
      ]),
    });
  if (c.robustness?.length) {
    const names = [...new Set(c.robustness.flatMap((r) => Object.keys(r.metrics)))];
    out.push({
      title: "Robustness",
      blocks: [
        {
          kind: "p",
          text: "Perturbed copies of the test rows, scored as served; `error_rate` is the share of rows that failed to score.",
        },
        {
          kind: "table",
          head: ["suite", ...names],
          rows: c.robustness.map((r) => [
            r.suite,
            ...names.map((k) => (r.metrics[k] === undefined ? "–" : fmt(r.metrics[k]))),
          ]),
        },
      ],
    });
  }
  out.push({
    title: "Gates",
    blocks: c.gates.length
      ? [
          {
            kind: "table",
            head: ["gate", "result", "at"],
            rows: c.gates.map((g) => [g.name, g.passed ? "passed" : "failed", g.at]),
          },
        ]
      : [{ kind: "p", text: "No gate has evaluated this version." }],
  });
  out.push({
    title: "Deployment",
    blocks: c.deployments.length
      ? [
          {
            kind: "table",
            head: ["deployment", "serving now", "rollout"],
            rows: c.deployments.map((d) => [
              d.name,
              d.serving === undefined ? "not deployed" : `version ${d.serving}`,
              d.rollout ?? "-",
            ]),
          },
        ]
      : [{ kind: "p", text: "No deploy block serves this model." }],
  });
  out.push({
    title: "Monitoring and runbook",
    blocks: c.monitors.length
      ? c.monitors.flatMap((m): Block[] => [
          {
            kind: "p",
            text: `Monitor \`${m.name}\` watches \`${m.deployment}\`${m.schedule ? ` every ${m.schedule}` : ""} and checks: ${m.assertions.join("; ") || "nothing"}.`,
          },
          { kind: "list", items: runbook(m) },
        ])
      : [{ kind: "p", text: "No monitor watches a deployment of this model." }],
  });
  out.push({
    title: "Version history",
    blocks: [
      {
        kind: "table",
        head: ["version", "trained", "aliases", "headline metric"],
        rows: c.history.map((h) => [
          String(h.version),
          h.created,
          h.aliases.join(", ") || "-",
          h.headline ? `${h.headline.name} ${fmt(h.headline.value)}` : "-",
        ]),
      },
    ],
  });
  return out;
}

const mdCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function blockMarkdown(b: Block): string {
  switch (b.kind) {
    case "p":
      return b.text;
    case "list":
      return b.items.map((i) => `- ${i.replace(/\n/g, " ")}`).join("\n");
    case "table":
      return [
        `| ${b.head.map(mdCell).join(" | ")} |`,
        `|${b.head.map(() => "---").join("|")}|`,
        ...b.rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`),
      ].join("\n");
  }
}

/** Inline code spans (`x`) of the Markdown text as <code> in HTML. */
const htmlText = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

function blockHtml(b: Block): string {
  switch (b.kind) {
    case "p":
      return `<p>${htmlText(b.text)}</p>`;
    case "list":
      return `<ul>${b.items.map((i) => `<li>${htmlText(i)}</li>`).join("")}</ul>`;
    case "table":
      return (
        `<table><thead><tr>${b.head.map((h) => `<th>${htmlText(h)}</th>`).join("")}</tr></thead><tbody>` +
        b.rows.map((r) => `<tr>${r.map((c) => `<td>${htmlText(c)}</td>`).join("")}</tr>`).join("") +
        `</tbody></table>`
      );
  }
}

export type CardFormat = "md" | "html";

/** The card as Markdown or HTML. */
export function renderModelCard(c: ModelCardInput, format: CardFormat): string {
  const title = `Model card: ${c.model} version ${c.version}`;
  const secs = sections(c);
  if (format === "md")
    return (
      [`# ${title}`, ...secs.map((s) => `## ${s.title}\n\n${s.blocks.map(blockMarkdown).join("\n\n")}`)].join(
        "\n\n",
      ) + "\n"
    );
  const style =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}" +
    "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}" +
    "code{background:#f3f3f3;padding:0 .2rem}";
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>` +
    `<style>${style}</style></head><body><h1>${esc(title)}</h1>` +
    secs.map((s) => `<h2>${esc(s.title)}</h2>${s.blocks.map(blockHtml).join("")}`).join("") +
    `</body></html>\n`
  );
}
