import { MarqueeError } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs";
import type { NamedTensor } from "../export/tensor-bundle.ts";
import { type AdamOptions, DEFAULT_ADAM } from "./adam-options.ts";
import { type AdamStepConstants, HostAdamMoments } from "./host-adam.ts";
import { type ExponentialDecay, learningRateAt } from "./schedule.ts";

/**
 * Where Adam keeps its moments: "backend" as tf variables updated with tensor ops; "host" in JS memory,
 * updating the weights in place ({@link HostAdamMoments}; nothing allocated in the backend per step).
 * "auto" is "host" on the wasm backend, whose single heap cannot hold VGG-16 with tensor-op Adam, and
 * "backend" elsewhere. Both give the same weights bit for bit and save the same checkpoint tensors.
 */
export type AdamStateLocation = "auto" | "backend" | "host";

/**
 * Adam with a learning-rate schedule, written out instead of using tf.train.adam so that its whole
 * state (step, first and second moments) can be saved and restored bit-exactly for `--resume`:
 * tfjs' Adam recomputes its beta powers differently after `setWeights` than during training.
 * The update is Keras': `alpha = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, `w −= alpha·m/(√v + ε)`, with `lr = schedule(step)`.
 *
 * @example
 * const adam = new ScheduledAdam(vars, DEFAULT_SCHEDULE);
 * adam.applyGradients(grads); // grads in the order of vars
 */
export class ScheduledAdam {
  /** Updates applied so far (Keras' `optimizer.iterations`). */
  step = 0;
  /** Where the moments live ("auto" resolved at construction). */
  readonly stateLocation: "backend" | "host";
  private readonly m: tf.Variable[] = [];
  private readonly v: tf.Variable[] = [];
  private readonly host: HostAdamMoments | null = null;

  constructor(
    private readonly variables: tf.Variable[],
    readonly schedule: ExponentialDecay,
    readonly options: AdamOptions = DEFAULT_ADAM,
    location: AdamStateLocation = "auto",
  ) {
    this.stateLocation = location === "auto" ? (tf.getBackend() === "wasm" ? "host" : "backend") : location;
    if (this.stateLocation === "host") {
      this.host = new HostAdamMoments(variables);
      return;
    }
    // tf.variable copies its initial value; the zeros themselves must be freed.
    const zeros = () => variables.map((w) => tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
    this.m = zeros();
    this.v = zeros();
  }

  /** The learning rate the next update will use. */
  get learningRate(): number {
    return learningRateAt(this.schedule, this.step);
  }

  /** Apply one update; `grads[i]` is the gradient of `variables[i]`. Does not dispose `grads`. */
  applyGradients(grads: tf.Tensor[]): void {
    const { beta1, beta2, epsilon } = this.options;
    const t = this.step + 1;
    // Bias correction in float64 on the CPU side, so it does not drift with float32 products.
    const alpha = (this.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    if (this.host) {
      this.host.apply(this.variables, grads, { beta1, beta2, epsilon, alpha });
      this.step = t;
      return;
    }
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        const g = grads[i]!;
        const m = this.m[i]!;
        const v = this.v[i]!;
        m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1)));
        v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2)));
        w.assign(tf.sub(w, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), epsilon))));
      });
    });
    this.step = t;
  }

  /**
   * One update done by `apply` instead of here (host moments only): it gets the step's constants and
   * the moments' shared buffers (flat, in variable order) and must update the weights and moments as
   * {@link adamUpdate} does, e.g. on worker threads, slice by slice. The step count advances after it.
   */
  async applyWith(
    apply: (c: AdamStepConstants, moments: { m: SharedArrayBuffer; v: SharedArrayBuffer }) => Promise<void>,
  ): Promise<void> {
    if (!this.host) throw new Error("ScheduledAdam.applyWith needs host-side moments");
    const { beta1, beta2, epsilon } = this.options;
    const t = this.step + 1;
    const alpha = (this.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    await apply({ beta1, beta2, epsilon, alpha }, { m: this.host.mBuffer, v: this.host.vBuffer });
    this.step = t;
  }

  /** The moments as named tensors (views of the live variables; do not dispose). */
  stateTensors(): NamedTensor[] {
    if (this.host) return this.host.stateTensors();
    return [
      ...this.m.map((tensor, i) => ({ name: `adam/m/${i}`, tensor })),
      ...this.v.map((tensor, i) => ({ name: `adam/v/${i}`, tensor })),
    ];
  }

  /** Restore moments saved by {@link stateTensors} and the step count. */
  restore(step: number, tensors: NamedTensor[]): void {
    if (this.host) {
      this.host.restore(tensors);
      this.step = step;
      return;
    }
    const byName = new Map(tensors.map((t) => [t.name, t.tensor]));
    const load = (kind: "m" | "v", vars: tf.Variable[]) =>
      vars.forEach((variable, i) => {
        const saved = byName.get(`adam/${kind}/${i}`);
        if (!saved || !tf.util.arraysEqual(saved.shape, variable.shape)) {
          throw new MarqueeError(
            "invalid_metadata",
            `The checkpoint's Adam state does not fit the model (adam/${kind}/${i}).`,
          );
        }
        variable.assign(saved);
      });
    load("m", this.m);
    load("v", this.v);
    this.step = step;
  }

  dispose(): void {
    this.host?.dispose();
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
