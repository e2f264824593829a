import type { AdamStepConstants } from "../host-adam.ts";

/**
 * Adam on the parameter range [lo, hi) with the gradient summed from the shards' buffers on the fly:
 * `g = Σⱼ gradsⱼ[i]·weightsⱼ` accumulated in float32 in shard order (each product exact in float64,
 * each partial sum rounded, as step.ts' micro-batch loop does), then host-adam.ts' `adamUpdate`
 * arithmetic. One pass instead of a summing pass and an update pass.
 *
 * @example
 * shardAdamUpdate(weights, m, v, [g0, g1], [0.5, 0.5], 0, weights.length, constants);
 */
export function shardAdamUpdate(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grads: readonly Float32Array[],
  weights: readonly number[],
  lo: number,
  hi: number,
  c: AdamStepConstants,
): void {
  const f = Math.fround;
  const oneMinusBeta1 = f(1 - c.beta1);
  const oneMinusBeta2 = f(1 - c.beta2);
  const alpha = f(c.alpha);
  const epsilon = f(c.epsilon);
  const g0 = grads[0]!;
  const w0 = weights[0]!;
  const g1 = grads[1];
  const w1 = weights[1] ?? 0;
  const shards = weights.length;
  for (let k = lo; k < hi; k++) {
    let gk = f(g0[k]! * w0);
    if (shards === 2) gk = f(gk + g1![k]! * w1);
    else for (let j = 1; j < shards; j++) gk = f(gk + grads[j]![k]! * weights[j]!);
    const mk = f(m[k]! + f(f(gk - m[k]!) * oneMinusBeta1));
    const vk = f(v[k]! + f(f(f(gk * gk) - v[k]!) * oneMinusBeta2));
    m[k] = mk;
    v[k] = vk;
    w[k] = f(w[k]! - f(f(mk * alpha) / f(f(Math.sqrt(vk)) + epsilon)));
  }
}
