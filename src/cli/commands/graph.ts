// `mlc graph [DIR] --format dot|mermaid|json`: the lowered execution graph, for Graphviz, a
// Markdown page (Mermaid) or tools (the Graph IR as JSON).
import type { Command } from "commander";
import { resolve } from "node:path";
import type { Graph } from "../../ir/graph-ir.js";
import { compileGraph } from "../../runtime/project.js";
import { CliExit } from "../exit.js";
import { withProjectDir } from "../project-dir.js";
import { failCompile, userError } from "./plan.js";
import { printJson } from "../json-output.js";

const label = (i: { columns: string[] | "*" }) =>
  i.columns === "*"
    ? ""
    : i.columns.length > 4
      ? `${i.columns.slice(0, 4).join(", ")}, … (${i.columns.length})`
      : i.columns.join(", ");

function graphToDot(g: Graph): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ["digraph mlc {", "  rankdir=LR;", "  node [shape=box, style=rounded];"];
  for (const n of g.nodes) lines.push(`  ${q(n.id)} [label=${q(`${n.id}`)}];`);
  for (const n of g.nodes)
    for (const i of n.inputs)
      lines.push(`  ${q(i.node)} -> ${q(n.id)}${label(i) ? ` [label=${q(label(i))}]` : ""};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

function graphToMermaid(g: Graph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ["flowchart LR"];
  for (const n of g.nodes) lines.push(`  ${ids.get(n.id)}["${n.id}"]`);
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      const l = label(i).replace(/"/g, "'");
      lines.push(`  ${ids.get(i.node)} -->${l ? `|"${l}"|` : ""} ${ids.get(n.id)}`);
    }
  }
  return lines.join("\n") + "\n";
}

export function register(program: Command): void {
  withProjectDir(
    program.command("graph").description("print the execution graph the spec compiles to"),
    "the project directory (default: the current directory; also -C/--dir)",
  )
    .option("--format <format>", "dot, mermaid or json", "dot")
    .action((dir: string, opts: { format: string }) => {
      if (!["dot", "mermaid", "json"].includes(opts.format))
        throw new CliExit(1, `mlc: --format must be dot, mermaid or json, not '${opts.format}'`);
      let c;
      try {
        c = compileGraph(resolve(dir));
      } catch (e) {
        userError(e);
      }
      if (!c.ok) failCompile(c);
      const g = c.graph;
      const strip = { ...g, nodes: g.nodes.map(({ span: _span, ...n }) => n) };
      if (opts.format === "json") printJson(strip);
      else process.stdout.write(opts.format === "dot" ? graphToDot(g) : graphToMermaid(g));
    });
}
