// Adam over TensorFlow.js variables, with its whole state in our hands: the first and second moments
// and the running powers β1ᵗ and β2ᵗ of the bias corrections, which a training checkpoint saves and a
// resume restores bit for bit. (tfjs's AdamOptimizer recomputes the powers with pow() in setWeights,
// which differs in the last bits from the product it accumulates, so a restored run would drift.)
// The update is tfjs's own AdamOptimizer.applyGradients, op for op and in the same order, so a
// network trained with this class has the bytes `tf.train.adam(learningRate)` gave it.
import type { Tf } from "./backend.js";

type Variable = import("@tensorflow/tfjs").Variable;
type Scalar = import("@tensorflow/tfjs").Scalar;

/** tf.train.adam's defaults, which the learners have always used. */
const BETA1 = 0.9;
const BETA2 = 0.999;

/** What an Adam run has accumulated: float32 values, copied out of the backend. */
export interface AdamState {
  /** β1ᵗ and β2ᵗ after t steps, as the float32 products the steps accumulated. */
  accBeta1: number;
  accBeta2: number;
  /** One array per variable, in the order the optimiser was given them. */
  m: Float32Array[];
  v: Float32Array[];
}

export class Adam {
  private readonly m: Variable[];
  private readonly v: Variable[];
  private readonly accBeta1: Variable;
  private readonly accBeta2: Variable;
  private readonly epsilon: number;

  constructor(
    private readonly tf: Tf,
    private readonly variables: readonly Variable[],
    private readonly learningRate: number,
  ) {
    this.epsilon = tf.backend().epsilon();
    // made inside tidy: the variables keep their data, the tensors they were made from are released
    const zeros = (): Variable[] => variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.accBeta1 = tf.tidy(() => tf.variable(tf.scalar(BETA1), false));
    this.accBeta2 = tf.tidy(() => tf.variable(tf.scalar(BETA2), false));
    this.m = zeros();
    this.v = zeros();
  }

  /** One step: the gradients of `loss` with respect to the variables, then the Adam update. */
  minimize(loss: () => Scalar): void {
    const tf = this.tf;
    const { value, grads } = tf.variableGrads(loss, [...this.variables]);
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      this.variables.forEach((x, i) => {
        const g = grads[x.name];
        if (g == null) return;
        const m = this.m[i]!;
        const v = this.v[i]!;
        const newM = tf.add(tf.mul(m, BETA1), tf.mul(g, 1 - BETA1));
        const newV = tf.add(tf.mul(v, BETA2), tf.mul(tf.square(g), 1 - BETA2));
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        m.assign(newM);
        v.assign(newV);
        x.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), x));
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, BETA1));
      this.accBeta2.assign(tf.mul(this.accBeta2, BETA2));
    });
    tf.dispose(Object.values(grads).filter((g) => g != null));
    value.dispose();
  }

  /** Copies of the moments and the bias-correction powers. */
  state(): AdamState {
    return {
      accBeta1: this.accBeta1.dataSync()[0]!,
      accBeta2: this.accBeta2.dataSync()[0]!,
      m: this.m.map((t) => Float32Array.from(t.dataSync())),
      v: this.v.map((t) => Float32Array.from(t.dataSync())),
    };
  }

  /** Puts back a state `state()` returned (of the same variables): the next step is the saved run's. */
  restore(s: AdamState): void {
    const tf = this.tf;
    if (s.m.length !== this.m.length || s.v.length !== this.v.length)
      throw new Error(`adam: the state holds ${s.m.length} moments and this optimiser ${this.m.length}`);
    tf.tidy(() => {
      this.accBeta1.assign(tf.scalar(s.accBeta1));
      this.accBeta2.assign(tf.scalar(s.accBeta2));
      this.m.forEach((t, i) => t.assign(tf.tensor(s.m[i]!, t.shape)));
      this.v.forEach((t, i) => t.assign(tf.tensor(s.v[i]!, t.shape)));
    });
  }

  dispose(): void {
    this.tf.dispose([this.accBeta1, this.accBeta2, ...this.m, ...this.v]);
  }
}
