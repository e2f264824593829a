/**
 * Worker-thread side of {@link TrainingPool}: its own wasm backend (with Marquee's training kernels)
 * and its own replica of the model. Per step it loads the shared weights, computes the gradient of
 * its shard of the batch into its shared gradient buffer, then sums all shards' gradients over its
 * slice of the parameters and applies Adam to that slice in shared memory.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../../backend/wasm-node.ts";
import { deriveSeed } from "../../util/random.ts";
import { readFloats } from "../host-adam.ts";
import { microBatchSizeFor, splitBatch } from "../micro-batch.ts";
import { forwardBackward, reseedDropout, trainableVariables } from "../step.ts";
import { copyFlatToVariables, type FlatLayout, flatLayout } from "./flat-params.ts";
import type {
  PredictRequest,
  StepReply,
  StepRequest,
  UpdateRequest,
  WorkerInit,
  WorkerReply,
  WorkerRequest,
} from "./protocol.ts";
import { shardAdamUpdate } from "./shard-update.ts";
import { threadCpuMs } from "./thread-cpu.ts";

const init = workerData as WorkerInit;

async function start(): Promise<void> {
  await initWasmBackend();
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(init.modelTopology) });
  const variables = trainableVariables(model);
  const layout: FlatLayout = flatLayout(init.memory.sizes.map((size) => ({ size })));
  if (layout.total !== variables.reduce((s, v) => s + v.size, 0)) {
    throw new Error("the replica's trainable variables do not match the main model's");
  }
  const weights = new Float32Array(init.memory.weights);
  const grads = init.memory.grads.map((b) => new Float32Array(b));
  const myGrads = grads[init.index]!;
  let loadedVersion = -1;

  const loadWeights = (version: number) => {
    if (version === loadedVersion) return;
    copyFlatToVariables(weights, variables, layout);
    loadedVersion = version;
  };

  const step = async (r: StepRequest): Promise<StepReply> => {
    const cpu0 = threadCpuMs();
    loadWeights(r.weightsVersion);
    model.layers.forEach((layer, i) => {
      if (layer.getClassName() === "Dropout")
        (layer as unknown as { seed?: number }).seed = r.dropoutSeeds[i] ?? undefined;
    });
    const baseSeeds = model.layers.map((l) => (l as unknown as { seed?: number }).seed);
    if (r.shard > 0) reseedDropout(model, baseSeeds, r.shard);
    const config = { imageSize: 0, numClasses: r.numClasses, fromLogits: r.fromLogits };
    const batch = { xs: r.xs, ys: r.ys, shape: r.shape };
    const n = r.ys.length;
    const parts = splitBatch(batch, microBatchSizeFor(model, n));
    let lossSum = 0;
    let correct = 0;
    if (parts.length > 1) myGrads.fill(0);
    const shardSeeds = model.layers.map((l) => (l as unknown as { seed?: number }).seed);
    for (const [s, part] of parts.entries()) {
      // A shard too big for this worker's heap runs as micro-batches, each with its own Dropout seeds.
      if (s > 0) {
        model.layers.forEach((layer, i) => {
          const seed = shardSeeds[i];
          if (layer.getClassName() === "Dropout" && seed !== undefined)
            (layer as unknown as { seed: number }).seed = deriveSeed(seed, "micro-batch", s);
        });
      }
      const fb = forwardBackward(model, variables, part, config);
      const partN = part.ys.length;
      variables.forEach((v, i) => {
        const g = readFloats(fb.grads[v.name]!);
        const at = layout.offsets[i]!;
        if (parts.length === 1) {
          myGrads.set(g, at);
        } else {
          const w = Math.fround(partN / r.total);
          for (let j = 0; j < g.length; j++)
            myGrads[at + j] = (myGrads[at + j] as number) + (g[j] as number) * w;
        }
      });
      const [lossValue, correctValue] = await Promise.all([fb.value.data(), fb.correct.data()]);
      lossSum += lossValue[0]! * partN;
      correct += correctValue[0]!;
      tf.dispose([fb.value, fb.correct, ...Object.values(fb.grads)]);
    }
    return {
      loss: lossSum / n,
      correct,
      count: n,
      weight: parts.length === 1 ? Math.fround(n / r.total) : 1,
      cpuMs: cpu0 === null ? null : threadCpuMs()! - cpu0,
    };
  };

  const update = (r: UpdateRequest): number | null => {
    const cpu0 = threadCpuMs();
    shardAdamUpdate(
      weights,
      new Float32Array(r.moments.m),
      new Float32Array(r.moments.v),
      grads.slice(0, r.weights.length),
      r.weights,
      r.lo,
      r.hi,
      r.constants,
    );
    return cpu0 === null ? null : threadCpuMs()! - cpu0;
  };

  const predict = (r: PredictRequest): Float32Array => {
    loadWeights(r.weightsVersion);
    const n = r.xs.length / r.shape.reduce((p, q) => p * q, 1);
    return tf.tidy(() => {
      const x = tf.tensor(r.xs, [n, ...r.shape], "float32");
      // A copy of its own, so its buffer can be transferred.
      return new Float32Array((model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array);
    });
  };

  parentPort!.on("message", async (request: WorkerRequest) => {
    let reply: WorkerReply;
    const transfer: ArrayBuffer[] = [];
    try {
      if (request.type === "step") reply = { ok: true, value: await step(request) };
      else if (request.type === "update") reply = { ok: true, value: update(request) };
      else {
        const out = predict(request);
        transfer.push(out.buffer as ArrayBuffer);
        reply = { ok: true, value: out };
      }
    } catch (err) {
      reply = { ok: false, error: (err as Error)?.stack ?? String(err) };
    }
    parentPort!.postMessage(reply, transfer);
  });
  parentPort!.postMessage({ ready: true });
}

start().catch((err) => {
  parentPort!.postMessage({ failed: (err as Error)?.stack ?? String(err) });
});
