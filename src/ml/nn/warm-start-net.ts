// The warm start of a dense network (mlp, autoencoder): the champion's layers, copied, when its
// features, layer sizes and activation are those these data and params ask for; a WarmStartError
// naming what differs otherwise.
import type { Matrix } from "../matrix.js";
import { checkSameFeatures, WarmStartError } from "../warm-start.js";
import type { Activation, DenseLayer } from "./dense-net.js";

interface DenseChampion {
  featureNames: string[];
  activation: Activation;
  layers: DenseLayer[];
}

/** Copies of the champion's layers to fine-tune, checked against the network these params build. */
export function warmStartLayers(
  algorithm: string,
  champion: DenseChampion,
  X: Matrix,
  sizes: readonly number[],
  activation: Activation,
): DenseLayer[] {
  checkSameFeatures(algorithm, champion.featureNames, X.names);
  const have = [champion.layers[0]?.inputs ?? 0, ...champion.layers.map((l) => l.outputs)];
  if (have.join(",") !== sizes.join(",") || champion.activation !== activation)
    throw new WarmStartError(
      `${algorithm}: the champion's layers are ${have.join(" → ")} (${champion.activation}) and these params ask for ${sizes.join(" → ")} (${activation})`,
    );
  return champion.layers.map((l) => ({ ...l, W: Float32Array.from(l.W), b: Float32Array.from(l.b) }));
}
