// Session set-up of feature graphs with long chains: onnxruntime loading the ONNX form of 1, 2 and 4
// features of 5,000 terms each (`c + a - b * 2 + a / 3 - 1 …` over other columns per feature),
// with the options mlc serves with. The peer is the same chains emitted as mlc did before (a binary
// node per operator, an initializer per literal), for 1 and 2 chains. Prints node and initializer
// counts, each load time and its ratio to the 1-chain graph of the same form, and the load average.
import * as aq from "arquero";
import { loadavg } from "node:os";
import type { Json } from "../../src/ir/graph-ir.js";
import { buildPipeline } from "../../src/data/pipeline.js";
import { tableColumns } from "../../src/data/table-columns.js";
import { OnnxGraph } from "../../src/onnx/builder.js";
import { loadSession } from "../../src/onnx/session.js";

/** Terms per chain; `--smoke` (the test suite's smoke run) uses 40. */
const TERMS = 5000;
const ref = (name: string): Json => ({ $ref: [name] });
const op = (o: string, a: Json, b: Json): Json => ({ $op: o, args: [a, b] });

function chain(start: string, x: string, y: string, terms: number): Json {
  let e: Json = ref(start);
  for (let i = 0; i < terms; i++)
    e = [op("+", e, ref(x)), op("-", e, op("*", ref(y), 2)), op("+", e, op("/", ref(x), 3)), op("-", e, 1)][
      i % 4
    ]!;
  return e;
}

const PAIRS = [
  ["a", "b"],
  ["b", "c"],
  ["c", "a"],
  ["a", "c"],
] as const;

/** The peer: every link a binary node, every literal its own initializer, nothing shared. */
function binaryForm(chains: number, terms: number): OnnxGraph {
  const g = new OnnxGraph();
  for (const c of ["a", "b", "c"]) g.input(c, "float", ["N", 1]);
  const literal = (v: number): string => {
    const name = g.fresh("c");
    g.initializers.push({
      name,
      dataType: 1,
      dims: [1, 1],
      rawData: new Uint8Array(Float32Array.of(v).buffer),
    });
    return name;
  };
  const bin = (type: string, a: string, b: string): string => g.node(type, [a, b])[0]!;
  const outs: string[] = [];
  for (let k = 0; k < chains; k++) {
    const [x, y] = PAIRS[k]!;
    let e: string = y;
    for (let i = 0; i < terms; i++)
      e = [
        () => bin("Add", e, x),
        () => bin("Sub", e, bin("Mul", y, literal(2))),
        () => bin("Add", e, bin("Div", x, literal(3))),
        () => bin("Sub", e, literal(1)),
      ][i % 4]!();
    outs.push(e);
  }
  g.output(g.node("Concat", outs, 1, { axis: 1 })[0]!, "float", ["N", chains]);
  return g;
}

async function timeLoad(g: OnnxGraph): Promise<{ ms: number; nodes: number; initializers: number }> {
  const bytes = g.toBytes();
  const t0 = performance.now();
  const s = await loadSession(bytes);
  const ms = performance.now() - t0;
  await s.release();
  return { ms, nodes: g.nodes.length, initializers: g.initializers.length };
}

async function loadMs(
  chains: number,
  terms: number,
): Promise<{ ms: number; nodes: number; initializers: number }> {
  const table = aq.table({ a: Float64Array.of(1, 2), b: Float64Array.of(3, 4), c: Float64Array.of(5, 6) });
  const features: Record<string, Json> = {};
  for (let k = 0; k < chains; k++) features[`f${k}`] = chain(PAIRS[k]![1], PAIRS[k]![0], PAIRS[k]![1], terms);
  const p = buildPipeline({ from: ref("t"), ...features }, tableColumns(table)).fit(table);
  const g = new OnnxGraph();
  const { output } = p.toOnnx(g);
  g.output(output, "float", ["N", chains]);
  return timeLoad(g);
}

export async function run(args: string[]): Promise<void> {
  const terms = args.includes("--smoke") ? 40 : TERMS;
  const [one, five] = loadavg();
  process.stdout.write(`load average: ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min)\n`);
  await loadMs(1, terms); // onnxruntime's first session pays its own start-up: not counted
  const report = (
    form: string,
    chains: number,
    r: { ms: number; nodes: number; initializers: number },
    base: number,
  ) =>
    process.stdout.write(
      `${form}, ${chains} chain(s) of ${terms} terms: ${r.nodes} nodes, ${r.initializers} initializers, ` +
        `session set-up ${r.ms.toFixed(0)} ms, ratio ${(r.ms / base).toFixed(2)}× its 1-chain graph\n`,
    );
  let base = 0;
  for (const chains of [1, 2, 4]) {
    const r = await loadMs(chains, terms);
    if (chains === 1) base = r.ms;
    report("mlc (Sum, shared)", chains, r, base);
  }
  for (const chains of [1, 2]) {
    const r = await timeLoad(binaryForm(chains, terms));
    if (chains === 1) base = r.ms;
    report("binary peer", chains, r, base);
  }
}
