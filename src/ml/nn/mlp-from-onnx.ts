// The warm start of an MLP from an imported ONNX model (`init = champion` where the champion is an
// `algorithm = onnx(…)` version): when the graph is a plain dense network (onnx-import/dense-chain.ts)
// whose output means what the mlp learner's does, it becomes an MlpModel to fine-tune: its
// standardisation, layers and activation; a two-column binary softmax becomes one logit (the
// difference of the positive and the negative column); a regression's scalar Mul/Add of the output
// becomes the target's scale and shift. A WarmStartError names what prevents it otherwise.
import type { ImportedOnnxModel } from "../onnx-import/imported-model.js";
import { readDenseChain, type DenseChain } from "../onnx-import/dense-chain.js";
import { WarmStartError } from "../warm-start.js";
import type { Activation, DenseLayer } from "./dense-net.js";
import { MlpModel } from "./mlp-model.js";

/** The imported model as an MLP champion; `activation` stands in for a network without hidden layers. */
export function mlpFromOnnx(imported: ImportedOnnxModel, activation: Activation): MlpModel {
  const { header } = imported;
  const what = `mlp: the champion, imported from ${header.source},`;
  const chain = readDenseChain(imported.modelBytes, header.signature, imported.featureNames.length);
  if ("refused" in chain) throw new WarmStartError(`${what} is not a plain MLP: ${chain.refused}`);
  const task = imported.task;
  const layers = chain.layers.map((l) => ({ ...l }));
  const last = layers[layers.length - 1]!;
  const head = `${chain.head === "none" ? "a linear output" : `a ${chain.head}`} of ${last.outputs} column(s)`;
  let yMean = 0;
  let yScale = 1;
  if (task.kind === "binary") {
    if (chain.head === "softmax" && last.outputs === 2 && header.column >= 0)
      layers[layers.length - 1] = logitDifference(last, header.column);
    else if (!(chain.head === "sigmoid" && last.outputs === 1))
      throw new WarmStartError(
        `${what} ends in ${head}; a binary MLP ends in one sigmoid (or a softmax over two columns)`,
      );
  } else if (task.kind === "multiclass") {
    const k = task.classes.length;
    if (!(chain.head === "softmax" && last.outputs === k))
      throw new WarmStartError(
        `${what} ends in ${head}; a ${k}-class MLP ends in a softmax over ${k} columns`,
      );
  } else if (task.kind === "regression") {
    if (!(chain.head === "none" && last.outputs === 1))
      throw new WarmStartError(`${what} ends in ${head}; a regression MLP ends in one linear column`);
    yMean = chain.outShift;
    yScale = chain.outScale;
  } else {
    throw new WarmStartError(
      `${what} is a ${task.kind} model; the mlp learner fits binary, multiclass and regression`,
    );
  }
  if (chain.head !== "none" && (chain.outScale !== 1 || chain.outShift !== 0))
    throw new WarmStartError(`${what} rescales its probabilities after the ${chain.head}`);
  return new MlpModel({
    task,
    featureNames: [...imported.featureNames],
    mean: chain.mean,
    scale: chain.scale,
    activation: chain.activation ?? activation,
    layers,
    yMean,
    yScale,
    bestEpoch: 0,
    params: {},
  });
}

/** softmax([z0, z1])[p] = sigmoid(z_p − z_other): one output whose weights are the difference. */
function logitDifference(l: DenseChain["layers"][number], positive: number): DenseLayer {
  const other = 1 - positive;
  const W = new Float32Array(l.inputs);
  for (let r = 0; r < l.inputs; r++) W[r] = l.W[r * 2 + positive]! - l.W[r * 2 + other]!;
  return { inputs: l.inputs, outputs: 1, W, b: Float32Array.of(l.b[positive]! - l.b[other]!) };
}
