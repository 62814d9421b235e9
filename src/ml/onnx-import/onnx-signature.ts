// Reads an imported ONNX model's signature: its one float/double feature input and the output
// that means what mlc's predict means, with clear errors for models mlc cannot wrap or merge.
import type { onnx as OnnxNs } from "onnx-proto";
import type { Task } from "../estimator.js";

type ElemType = "float" | "double";

export interface ImportedSignature {
  inputName: string;
  inputType: ElemType;
  outputName: string;
  outputType: ElemType;
  /** Default-domain opset the model was written for. */
  opset: number;
}

const ELEM: Record<number, ElemType | undefined> = { 1: "float", 11: "double" };

/** int64 fields decode as numbers or Long objects depending on the protobuf runtime. */
export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v && typeof (v as { toNumber?: () => number }).toNumber === "function")
    return (v as { toNumber: () => number }).toNumber();
  return Number(v);
}

export function readSignature(
  model: OnnxNs.ModelProto,
  source: string,
  featureCount: number,
  task: Task,
  requestedOutput: string,
): ImportedSignature {
  const g = model.graph;
  if (!g) throw new Error(`onnx: ${source} has no graph`);
  const graphInputs = g.input ?? [];
  const graphOutputs = g.output ?? [];
  const initialisers = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = graphInputs.filter((i) => !initialisers.has(i.name));
  if (inputs.length !== 1) {
    throw new Error(
      `onnx: ${source} must have exactly one input (a float [N, ${featureCount}] feature matrix); it has ${inputs.length}: ${inputs.map((i) => i.name).join(", ")}`,
    );
  }
  const input = inputs[0]!;
  const inType = ELEM[input.type?.tensorType?.elemType ?? -1];
  if (!inType) throw new Error(`onnx: input '${input.name}' of ${source} must be a float or double tensor`);
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 2)
    throw new Error(
      `onnx: input '${input.name}' of ${source} must be 2-D [N, features]; it has rank ${dims.length}`,
    );
  const width = dims[1]!.dimValue;
  if (width !== undefined && width !== null && toNumber(width) > 0 && toNumber(width) !== featureCount) {
    throw new Error(
      `onnx: ${source} expects ${toNumber(width)} features, the model block provides ${featureCount}`,
    );
  }
  const tensorOutputs = graphOutputs.filter((o) => ELEM[o.type?.tensorType?.elemType ?? -1] !== undefined);
  let output: OnnxNs.IValueInfoProto | undefined;
  if (requestedOutput !== "") {
    output = graphOutputs.find((o) => o.name === requestedOutput);
    if (!output)
      throw new Error(
        `onnx: ${source} has no output '${requestedOutput}' (outputs: ${graphOutputs.map((o) => o.name).join(", ")})`,
      );
    if (!tensorOutputs.includes(output))
      throw new Error(`onnx: output '${requestedOutput}' of ${source} is not a float or double tensor`);
  } else {
    const classifier = task.kind === "binary" || task.kind === "multiclass";
    // Converters name class probabilities "probabilities" / "output_probability"; a label output is int64.
    output =
      (classifier ? tensorOutputs.find((o) => /prob/i.test(o.name ?? "")) : undefined) ?? tensorOutputs[0];
    if (!output)
      throw new Error(
        `onnx: ${source} has no float or double tensor output (a ZipMap output can't be used: convert with zipmap=False)`,
      );
  }
  for (const node of g.node ?? []) {
    const domain = node.domain ?? "";
    if (domain !== "" && domain !== "ai.onnx" && domain !== "ai.onnx.ml") {
      throw new Error(
        `onnx: ${source} uses operator ${node.opType} from domain '${domain}'; only the standard and ai.onnx.ml domains can be merged into mlc's export`,
      );
    }
    if ((node.attribute ?? []).some((a) => a.g || (a.graphs && a.graphs.length > 0))) {
      throw new Error(
        `onnx: ${source} has a control-flow operator (${node.opType}) with a subgraph, which mlc can't merge into its export`,
      );
    }
  }
  const opset = toNumber(
    model.opsetImport.find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx")?.version ?? 0,
  );
  return {
    inputName: input.name ?? "",
    inputType: inType,
    outputName: output.name ?? "",
    outputType: ELEM[output.type!.tensorType!.elemType!]!,
    opset,
  };
}
